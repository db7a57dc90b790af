package io.wsrelay.benchmarks;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PumpSummaryTest {

    @TempDir
    Path dir;

    @Test
    void printsRelayAndDirectWithTheirRatio() throws IOException {
        String out = summarize("[" + String.join(",",
                result("thrpt", "relay", "ops/ms", 0.5, ""),
                result("thrpt", "direct", "ops/ms", 2.0, ""),
                result("sample", "relay", "ms/op", 2.0, percentiles(1.5, 3.0, 4.0, 9.0) + histogram()),
                result("sample", "direct", "ms/op", 0.5, percentiles(0.4, 0.6, 1.0, 2.0) + histogram()),
                "{\"benchmark\": \"io.wsrelay.benchmarks.EndpointLookupBenchmark.sql\", \"mode\": \"avgt\"}") + "]");

        assertAll(
                () -> assertTrue(out.contains("| binary 4 KiB | relay | 500 | 2.05 | 2,000 | 1,500 | 3,000 | 4,000 | 9,000 | 3 |"), out),
                () -> assertTrue(out.contains("| binary 4 KiB | direct | 2,000 | 8.19 | 500 | 400 | 600 | 1,000 | 2,000 | 3 |"), out),
                () -> assertTrue(out.contains("| binary 4 KiB | relay / direct | 0.25x | 0.25x | 4.00x | 3.75x | 5.00x | 4.00x | 4.50x |  |"), out),
                () -> assertTrue(!out.contains("EndpointLookup"), out));
    }

    @Test
    void printsAllocationPerMessageFromAGcProfile() throws IOException {
        String gc = ", \"secondaryMetrics\": {\"gc.alloc.rate.norm\": {\"score\": %s, \"scoreUnit\": \"B/op\"}}";
        String out = summarize("[" + result("thrpt", "relay", "ops/ms", 1, gc.formatted(3000)) + ","
                + result("thrpt", "direct", "ops/ms", 2, gc.formatted(1000)) + "]");

        assertTrue(out.contains("| binary 4 KiB | 3,000 | 1,000 | 2,000 | 3.00x |"), out);
    }

    private static String result(String mode, String target, String unit, double score, String extra) {
        String extraMetric = extra.contains("secondaryMetrics") ? extra : "";
        String extraPrimary = extraMetric.isEmpty() ? extra : "";
        return """
                {"benchmark": "io.wsrelay.benchmarks.PumpBenchmark.oneSession", "mode": "%s", "threads": 1,
                 "params": {"size": "4096", "target": "%s", "type": "binary"},
                 "primaryMetric": {"score": %s, "scoreUnit": "%s"%s}%s}
                """.formatted(mode, target, score, unit, extraPrimary, extraMetric);
    }

    private static String percentiles(double p50, double p90, double p99, double max) {
        return ", \"scorePercentiles\": {\"50.0\": %s, \"90.0\": %s, \"99.0\": %s, \"100.0\": %s}"
                .formatted(p50, p90, p99, max);
    }

    /** Two iterations of one fork: 1 + 2 samples. */
    private static String histogram() {
        return ", \"rawDataHistogram\": [[[[0.5, 1]], [[0.7, 1], [0.9, 1]]]]";
    }

    private String summarize(String json) throws IOException {
        Path file = dir.resolve("results.json");
        Files.writeString(file, json);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        assertEquals(0, PumpSummary.run(new PrintStream(bytes, true, StandardCharsets.UTF_8), file.toString()));
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
