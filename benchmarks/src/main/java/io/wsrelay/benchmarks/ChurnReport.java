package io.wsrelay.benchmarks;

import org.HdrHistogram.Histogram;

import java.util.Map;

/**
 * The result of a churn run, written as one JSON line (snake_case keys): whole sessions (open,
 * one echo, close) per second, and the opening handshakes' durations in microseconds
 * ({@code null} when none was measured). {@code cpu_us_per_session} is the CPU time of the
 * {@code --cpu-pid} processes during the measured time divided by the sessions counted.
 */
record ChurnReport(
        String mode,
        String url,
        int conns,
        int size,
        double warmupSecs,
        double secs,
        long sessions,
        double sessionsPerS,
        Double openP50Us,
        Double openP90Us,
        Double openP99Us,
        Double openMaxUs,
        Long cpuUs,
        Double cpuUsPerSession,
        long errors,
        Map<String, Long> errorCounts,
        Map<String, String> errorSamples) {

    static ChurnReport of(ChurnLoad.Settings s, long sessions, long elapsedNanos, Histogram opens, Long cpuUs,
                          Failures failures) {
        double secs = elapsedNanos / 1e9;
        return new ChurnReport("churn", s.uri().toString(), s.conns(), s.size(), s.warmup().toMillis() / 1e3,
                EchoReport.round(secs, 3), sessions, secs > 0 ? EchoReport.round(sessions / secs, 1) : 0,
                micros(opens, 50), micros(opens, 90), micros(opens, 99),
                opens.getTotalCount() == 0 ? null : EchoReport.round(opens.getMaxValue() / 1e3, 1),
                cpuUs, cpuUs == null || sessions == 0 ? null : EchoReport.round(cpuUs / (double) sessions, 1),
                failures.total(), failures.counts(), failures.samples());
    }

    private static Double micros(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? null : EchoReport.round(h.getValueAtPercentile(percentile) / 1e3, 1);
    }

    Table table() {
        return new Table(mode + " " + url)
                .row("workload", conns + " at once: open, one " + size + " B echo, close")
                .row("measured", secs + " s after " + warmupSecs + " s warm-up")
                .row("sessions", Table.number(sessions))
                .row("sessions/s", Table.number(sessionsPerS))
                .row("open p50", Table.number(openP50Us) + " µs")
                .row("open p99", Table.number(openP99Us) + " µs")
                .row("CPU/session", Table.number(cpuUsPerSession) + " µs")
                .row("errors", errors == 0 ? "0" : errors + " " + errorCounts);
    }
}
