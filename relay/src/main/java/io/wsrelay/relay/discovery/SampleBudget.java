package io.wsrelay.relay.discovery;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The node-wide capture rate: at most {@code perSecond} messages per wall-clock second (of
 * {@link System#nanoTime()}) over all sessions. Lock-free; safe for any number of threads.
 */
final class SampleBudget {
    /** Low bits hold the count of the current second, high bits the second. */
    private static final int COUNT_BITS = 24;
    private static final long COUNT_MASK = (1L << COUNT_BITS) - 1;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final long perSecond;
    private final AtomicLong state = new AtomicLong();

    SampleBudget(int perSecond) {
        this.perSecond = Math.min(perSecond, COUNT_MASK);
    }

    /** Takes one message of this second's budget; false when it is spent. */
    boolean tryTake(long nowNanos) {
        long second = nowNanos / NANOS_PER_SECOND;
        for (;;) {
            long s = state.get();
            if (s >>> COUNT_BITS != (second & (Long.MAX_VALUE >>> COUNT_BITS))) {
                if (state.compareAndSet(s, ((second & (Long.MAX_VALUE >>> COUNT_BITS)) << COUNT_BITS) | 1)) {
                    return perSecond > 0;
                }
            } else if ((s & COUNT_MASK) >= perSecond) {
                return false;
            } else if (state.compareAndSet(s, s + 1)) {
                return true;
            }
        }
    }
}
