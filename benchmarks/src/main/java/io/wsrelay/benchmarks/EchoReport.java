package io.wsrelay.benchmarks;

import org.HdrHistogram.Histogram;

import java.util.Map;

/**
 * The result of an echo workload, written as one JSON line (snake_case keys). Round trips are in
 * microseconds, {@code null} when no message was echoed; {@code mb_per_s} counts echoed payload
 * bytes, one direction, in units of 10^6 bytes (as {@code loadgen.js} does). {@code cpu_us} is
 * the CPU time of the {@code --cpu-pid} processes during the measured time ({@code null} without
 * one), and {@code cpu_us_per_msg} that divided by the messages echoed: one echoed message is two
 * messages relayed by a proxy (there and back).
 */
record EchoReport(
        String mode,
        String url,
        int conns,
        int opened,
        int size,
        boolean binary,
        Integer window,
        Double rate,
        double warmupSecs,
        double secs,
        long msgs,
        double msgsPerS,
        double mbPerS,
        Double p50Us,
        Double p90Us,
        Double p99Us,
        Double p999Us,
        Double maxUs,
        Long cpuUs,
        Double cpuUsPerMsg,
        long errors,
        Map<String, Long> errorCounts,
        Map<String, String> errorSamples) {

    static EchoReport of(EchoRun.Settings s, int opened, Tally.Interval measured, long elapsedNanos, Long cpuUs,
                         Failures failures) {
        double secs = elapsedNanos / 1e9;
        Histogram h = measured.roundTrips();
        return new EchoReport(
                s.isRate() ? "rate" : "window",
                s.uri().toString(),
                s.conns(), opened, s.size(), s.binary(),
                s.isRate() ? null : s.window(),
                s.isRate() ? s.rate() : null,
                s.warmup().toMillis() / 1e3,
                round(secs, 3),
                measured.messages(),
                secs > 0 ? round(measured.messages() / secs, 1) : 0,
                secs > 0 ? round(measured.bytes() / secs / 1e6, 2) : 0,
                micros(h, 50), micros(h, 90), micros(h, 99), micros(h, 99.9),
                h.getTotalCount() == 0 ? null : round(h.getMaxValue() / 1e3, 1),
                cpuUs, cpuUs == null || measured.messages() == 0 ? null : round(cpuUs / (double) measured.messages(), 2),
                failures.total(), failures.counts(), failures.samples());
    }

    private static Double micros(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? null : round(h.getValueAtPercentile(percentile) / 1e3, 1);
    }

    static double round(double v, int decimals) {
        double scale = Math.pow(10, decimals);
        return Math.round(v * scale) / scale;
    }

    Table table() {
        String shape = size + " B " + (binary ? "binary" : "text") + ", " + conns + " conns, "
                + (rate != null ? "rate " + Table.number(rate) + " msgs/s" : "window " + window);
        return new Table(mode + " " + url)
                .row("workload", shape)
                .row("opened", opened + " of " + conns)
                .row("measured", secs + " s after " + warmupSecs + " s warm-up")
                .row("msgs/s", Table.number(msgsPerS))
                .row("MB/s", Table.number(mbPerS))
                .row("p50", Table.number(p50Us) + " µs")
                .row("p90", Table.number(p90Us) + " µs")
                .row("p99", Table.number(p99Us) + " µs")
                .row("p99.9", Table.number(p999Us) + " µs")
                .row("max", Table.number(maxUs) + " µs")
                .row("CPU/msg", Table.number(cpuUsPerMsg) + " µs")
                .row("errors", errors == 0 ? "0" : errors + " " + errorCounts);
    }
}
