package io.wsrelay.benchmarks;

/**
 * Decides when a connection may send its next message and which stamp that message carries.
 * Implementations are immutable and are asked from any thread.
 */
sealed interface Pacer permits Pacer.Window, Pacer.Rate, Pacer.Once {

    /** Returned by {@link #stamp} when no message may be sent now. */
    long NOT_YET = Long.MIN_VALUE;

    /**
     * The stamp for message {@code seq} if it may be sent now, else {@link #NOT_YET}.
     *
     * @param seq      the connection's next sequence number, from 0
     * @param inFlight messages sent on the connection and not yet echoed
     * @param now      {@link System#nanoTime()} at the call
     */
    long stamp(int seq, int inFlight, long now);

    /** Closed loop: keep {@code window} messages in flight; the stamp is the actual send time. */
    record Window(int window) implements Pacer {
        @Override
        public long stamp(int seq, int inFlight, long now) {
            return inFlight < window ? now : NOT_YET;
        }
    }

    /**
     * Open loop at a fixed rate: message {@code seq} is due at {@code start + seq * interval} and
     * carries that intended time, not the time it actually left. A sender held back by a slow
     * target then sends its backlog with the old stamps, so the wait shows in the latency
     * instead of being left out (coordinated omission, as in wrk2). {@code maxInFlight} only
     * bounds the generator's memory when the target stops answering.
     */
    record Rate(long start, long interval, int maxInFlight) implements Pacer {
        @Override
        public long stamp(int seq, int inFlight, long now) {
            long intended = start + seq * interval;
            return intended - now <= 0 && inFlight < maxInFlight ? intended : NOT_YET;
        }
    }

    /** One message, sent at once: hold mode's check that a connection really relays. */
    record Once() implements Pacer {
        @Override
        public long stamp(int seq, int inFlight, long now) {
            return seq == 0 ? now : NOT_YET;
        }
    }
}
