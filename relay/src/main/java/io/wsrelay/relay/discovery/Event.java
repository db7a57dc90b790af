package io.wsrelay.relay.discovery;

import io.wsrelay.relay.SessionTap;

/** What the pumps and the handshake hand to the aggregator, through one bounded queue. Immutable once queued. */
sealed interface Event {

    /**
     * One captured message, cut to sampleBytes.
     *
     * @param text    for a text message, its first sampleBytes characters; null for binary
     * @param head    for a binary message, its first sampleBytes bytes; null for text
     * @param size    the whole message, in bytes
     * @param at      epoch milliseconds when its last part was relayed
     */
    record Sample(CaptureTap session, boolean toUpstream, String text, byte[] head, long size, boolean truncated,
                  long at) implements Event {
    }

    /** A session ended; its taps' counters are final. */
    record Ended(CaptureTap session, int codeToClient, int codeToUpstream, String closedBy, long durationMs,
                 long at) implements Event {
    }

    /** A handshake of an endpoint with capture on was refused. */
    record Refused(SessionTap.Opening opening, long at) implements Event {
    }
}
