package io.wsrelay.relay.discovery;

import io.wsrelay.relay.SessionTap;
import org.HdrHistogram.IntCountsHistogram;

import java.nio.ByteBuffer;

/**
 * One direction's tap: counts messages and their sizes (metadata) and, for {@code samples},
 * captures the first sampleBytes of some messages (within the per-direction and node-wide rates)
 * and hands each to the aggregator without waiting: when the hand-off is full the sample is
 * dropped and counted. Called by one pump thread only; the counters are read after the session
 * ended (the session's pump count orders the two).
 */
final class DirectionTap implements SessionTap.Messages {
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final CaptureTap session;
    private final boolean toUpstream;
    private final Discovery discovery;
    private final boolean capture;
    private final int sampleBytes;
    private final int perSecond;

    long messages;
    long bytes;
    long textMessages;
    long binaryMessages;
    long skipped;
    long dropped;
    /** Message sizes in bytes; made at the first message (1 significant digit: a small footprint per session). */
    IntCountsHistogram sizes;

    private boolean inMessage;
    private boolean capturing;
    private boolean cut;
    private long current;
    private StringBuilder text;
    private byte[] head;
    private int headLength;
    private long windowStart;
    private int windowCount;

    DirectionTap(CaptureTap session, boolean toUpstream, Discovery discovery, boolean capture) {
        this.session = session;
        this.toUpstream = toUpstream;
        this.discovery = discovery;
        this.capture = capture;
        this.sampleBytes = discovery.limits().sampleBytes();
        this.perSecond = discovery.limits().samplesPerSecondPerDirection();
    }

    @Override
    public void text(CharSequence part, long n, boolean last) {
        if (!inMessage) {
            start(true);
        }
        current += n;
        if (capturing) {
            int room = sampleBytes - text.length();
            if (part.length() > room) {
                cut = true;
                text.append(part, 0, room);
            } else {
                text.append(part);
            }
        }
        if (last) {
            end(true);
        }
    }

    @Override
    public void binary(ByteBuffer part, boolean last) {
        if (!inMessage) {
            start(false);
        }
        int n = part.remaining();
        current += n;
        if (capturing && headLength < sampleBytes) {
            int take = Math.min(n, sampleBytes - headLength);
            part.get(part.position(), head, headLength, take); // absolute: position and limit stay
            headLength += take;
        }
        if (last) {
            end(false);
        }
    }

    private void start(boolean isText) {
        inMessage = true;
        current = 0;
        cut = false;
        capturing = capture && takeBudget();
        if (capturing) {
            if (isText) {
                text = new StringBuilder(Math.min(sampleBytes, 256));
            } else {
                head = new byte[sampleBytes];
                headLength = 0;
            }
        }
    }

    private boolean takeBudget() {
        long now = System.nanoTime();
        if (now - windowStart >= NANOS_PER_SECOND) {
            windowStart = now;
            windowCount = 0;
        }
        if (windowCount >= perSecond || !discovery.budget().tryTake(now)) {
            skipped++;
            return false;
        }
        windowCount++;
        return true;
    }

    private void end(boolean isText) {
        messages++;
        bytes += current;
        if (isText) {
            textMessages++;
        } else {
            binaryMessages++;
        }
        if (sizes == null) {
            sizes = new IntCountsHistogram(1);
        }
        sizes.recordValue(current);
        if (capturing) {
            Event.Sample sample = isText
                    ? new Event.Sample(session, toUpstream, text.toString(), null, current, cut, System.currentTimeMillis())
                    : new Event.Sample(session, toUpstream, null, java.util.Arrays.copyOf(head, headLength), current,
                    current > headLength, System.currentTimeMillis());
            if (!discovery.offer(sample)) {
                dropped++;
            }
            text = null;
            head = null;
        }
        inMessage = false;
        capturing = false;
    }
}
