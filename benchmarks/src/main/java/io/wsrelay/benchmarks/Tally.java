package io.wsrelay.benchmarks;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.util.concurrent.atomic.LongAdder;

/**
 * Echoed messages, their bytes and their round trips, shared by all connections of a run, cut
 * into intervals so the warm-up can be thrown away. Safe to use from any number of threads;
 * recording never blocks (HdrHistogram's {@link Recorder} is wait-free for writers).
 */
final class Tally {

    /** Three significant digits: 1 µs resolution up to 1 ms, 1 ms up to 1 s. */
    private static final int SIGNIFICANT_DIGITS = 3;

    private final LongAdder messages = new LongAdder();
    private final LongAdder bytes = new LongAdder();
    private final Recorder roundTrips = new Recorder(SIGNIFICANT_DIGITS);

    /**
     * Counts one echoed message.
     *
     * @param bytes          payload size in bytes
     * @param roundTripNanos receive time minus the message's stamp, in nanoseconds
     */
    void add(int bytes, long roundTripNanos) {
        messages.increment();
        this.bytes.add(bytes);
        roundTrips.recordValue(Math.max(0, roundTripNanos));
    }

    /** Ends the current interval: returns what it counted, and the next interval starts empty. */
    Interval cut() {
        return new Interval(messages.sumThenReset(), bytes.sumThenReset(), roundTrips.getIntervalHistogram());
    }

    /**
     * What one interval counted.
     *
     * @param messages   echoed messages
     * @param bytes      their payload bytes (one direction)
     * @param roundTrips their round trips in nanoseconds
     */
    record Interval(long messages, long bytes, Histogram roundTrips) {
    }
}
