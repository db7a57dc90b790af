package io.wsrelay.benchmarks;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CompareSummaryTest {

    @TempDir
    Path dir;

    @Test
    void printsMediansAndRatiosToEachBaseline() throws IOException {
        String out = summarize(
                echo("nginx", 100, 900), echo("nginx", 300, 700), echo("nginx", 200, 800),
                echo("direct", 400, 500),
                echo("wsrelay", 250, 400), echo("wsrelay", 150, 600), echo("wsrelay", 350, 200));

        assertAll(
                () -> assertTrue(out.contains("| nginx | 200 | 0.01 | 100 | 800 | 1,000 | n/a | 0 |"), out),
                () -> assertTrue(out.contains("| wsrelay | 250 | 0.02 | 100 | 400 | 1,000 | n/a | 0 |"), out),
                () -> assertTrue(out.contains("| wsrelay / nginx | 1.25x |"), out),
                () -> assertTrue(out.contains("| wsrelay / direct | 0.63x |"), out),
                () -> assertTrue(out.contains("throughput at least nginx's on every window workload: **met** (w 1.25x)"), out),
                () -> assertTrue(out.contains("p99 no worse than nginx's: **met** (w 0.50x)"), out));
    }

    @Test
    void judgesMemoryOnSlopeRunsAndSessionsOnTheLargeRun() throws IOException {
        String out = summarize(
                hold("wsrelay", "mem", 2000, 200, 2000, 12.5), hold("nginx", "mem", 2000, 200, 2000, 17.0),
                hold("wsrelay", "cap", 9000, 0, 8990, 90.0));

        assertAll(
                () -> assertTrue(out.contains("| wsrelay / nginx |  |  |  | 0.74x |"), out),
                () -> assertTrue(out.contains("per idle relayed connection (hold runs with base connections): **met** (mem 12.5 KiB)"), out),
                () -> assertTrue(out.contains("9,000 concurrent sessions: **not met** (cap: 8990 of 9000 verified"), out));
    }

    @Test
    void leavesFixedRateWorkloadsOutOfTheThroughputGoal() throws IOException {
        String out = summarize(echo("nginx", 100, 900), echo("wsrelay", 150, 400),
                echo("nginx", 50, 100).replace("\"w\"", "\"r\"").replace("window", "rate"),
                echo("wsrelay", 40, 90).replace("\"w\"", "\"r\"").replace("window", "rate"));

        assertAll(
                () -> assertTrue(out.contains("every window workload: **met** (w 1.50x)"), out),
                () -> assertTrue(out.contains("p99 no worse than nginx's: **met** (w 0.44x, r 0.90x)"), out));
    }

    @Test
    void skipsLinesThatAreNotResults() throws IOException {
        String out = summarize("not json", "{\"target\":\"nginx\"}", echo("nginx", 1, 1));

        assertTrue(out.contains("(2 lines of"), out);
    }

    private String summarize(String... lines) throws IOException {
        Path results = Files.write(dir.resolve("results.jsonl"), List.of(lines));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int status = CompareSummary.run(new PrintStream(out, true, StandardCharsets.UTF_8), System.err, results.toString());
        assertEquals(0, status);
        return out.toString(StandardCharsets.UTF_8);
    }

    private static String echo(String target, double msgsPerS, double p99) {
        return "{\"target\":\"" + target + "\",\"workload\":\"w\",\"result\":{\"mode\":\"window\",\"size\":64,"
                + "\"binary\":false,\"conns\":32,\"window\":4,\"secs\":5.0,\"msgs_per_s\":" + msgsPerS
                + ",\"mb_per_s\":" + msgsPerS * 64 / 1e6 + ",\"p50_us\":100,\"p99_us\":" + p99
                + ",\"p999_us\":1000,\"errors\":0}}";
    }

    private static String hold(String target, String workload, int asked, int base, int verified, double kib) {
        return "{\"target\":\"" + target + "\",\"workload\":\"" + workload + "\",\"result\":{\"mode\":\"hold\","
                + "\"asked\":" + asked + ",\"base\":" + base + ",\"opened\":" + asked + ",\"verified\":" + verified
                + ",\"still_open\":" + verified + ",\"kib_per_conn\":" + kib + ",\"open_ms\":100,\"errors\":0}}";
    }
}
