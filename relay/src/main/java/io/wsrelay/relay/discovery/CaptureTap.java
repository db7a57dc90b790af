package io.wsrelay.relay.discovery;

import io.wsrelay.relay.SessionTap;

import java.time.Duration;

/**
 * The tap of one session of an endpoint with capture on: its opening handshake, one
 * {@link DirectionTap} per direction, and its end, handed to the {@link Discovery} aggregator.
 */
final class CaptureTap implements SessionTap {
    final Opening opening;
    /** Epoch milliseconds of the opening handshake. */
    final long started;
    final DirectionTap up;
    final DirectionTap down;
    private final Discovery discovery;
    /** The handshake's names as recorded; made once, by the aggregator thread, the only one to read it. */
    private MaskedOpening masked;

    CaptureTap(Opening opening, Discovery discovery, boolean samples) {
        this.opening = opening;
        this.discovery = discovery;
        this.started = System.currentTimeMillis();
        this.up = new DirectionTap(this, true, discovery, samples);
        this.down = new DirectionTap(this, false, discovery, samples);
    }

    /** {@link MaskedOpening#of} this session's opening, made on the first call. Aggregator thread only. */
    MaskedOpening masked() {
        if (masked == null) {
            masked = MaskedOpening.of(opening);
        }
        return masked;
    }

    @Override
    public Messages toUpstream() {
        return up;
    }

    @Override
    public Messages toDownstream() {
        return down;
    }

    @Override
    public void ended(int codeToClient, int codeToUpstream, String closedBy, Duration duration) {
        discovery.ended(new Event.Ended(this, codeToClient, codeToUpstream, closedBy, duration.toMillis(),
                System.currentTimeMillis()));
    }

    @Override
    public String toString() {
        return "CaptureTap{session=" + opening.sessionId() + ", endpoint=" + opening.endpoint().id() + "}";
    }
}
