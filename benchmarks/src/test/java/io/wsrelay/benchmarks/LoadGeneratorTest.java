package io.wsrelay.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs the load generator for real, briefly, against an in-process echo server on loopback. */
@Timeout(20)
class LoadGeneratorTest {

    private static final List<String> ECHO_FIELDS = List.of("mode", "url", "conns", "opened", "size", "binary",
            "window", "rate", "warmup_secs", "secs", "msgs", "msgs_per_s", "mb_per_s", "p50_us", "p90_us",
            "p99_us", "p999_us", "max_us", "errors", "error_counts", "error_samples");

    private EchoUpstream upstream;

    @BeforeEach
    void startUpstream() throws Exception {
        upstream = EchoUpstream.start();
    }

    @AfterEach
    void stopUpstream() {
        upstream.close();
    }

    @ParameterizedTest
    @CsvSource({"64, false, 4", "4096, true, 2", "65536, true, 2"})
    void windowModeEchoesEveryMessageAndReportsRoundTrips(int size, boolean binary, int window) throws Exception {
        Result r = run(upstream.echoUri().toString(), "--conns", "4", "--size", "" + size, "--window", "" + window,
                "--secs", "1", "--warmup", "0.3", binary ? "--binary" : "--no-table");

        JsonNode json = r.json();
        assertAll(
                () -> assertEquals(0, r.status(), r.err()),
                () -> ECHO_FIELDS.forEach(f -> assertTrue(json.has(f), "missing field " + f + " in " + json)),
                () -> assertEquals("window", json.get("mode").asText()),
                () -> assertEquals(4, json.get("opened").asInt()),
                () -> assertEquals(binary, json.get("binary").asBoolean()),
                () -> assertTrue(json.get("msgs").asLong() > 0, "no message echoed: " + json),
                () -> assertTrue(json.get("msgs_per_s").asDouble() > 0),
                () -> assertTrue(json.get("p50_us").asDouble() > 0),
                () -> assertTrue(json.get("p99_us").asDouble() >= json.get("p50_us").asDouble()),
                () -> assertTrue(json.get("p999_us").asDouble() >= json.get("p99_us").asDouble()),
                () -> assertEquals(0, json.get("errors").asLong(), json.toString()),
                () -> json.get("error_counts").properties()
                        .forEach(e -> assertEquals(0, e.getValue().asLong(), e.getKey())));
    }

    @Test
    void rateModeSendsNearTheRequestedRate() throws Exception {
        Result r = run(upstream.echoUri().toString(), "--conns", "4", "--rate", "1000", "--secs", "1",
                "--warmup", "0.3");

        JsonNode json = r.json();
        double achieved = json.get("msgs_per_s").asDouble();
        assertAll(
                () -> assertEquals(0, r.status(), r.err()),
                () -> assertEquals("rate", json.get("mode").asText()),
                () -> assertEquals(1000.0, json.get("rate").asDouble()),
                () -> assertTrue(json.get("window").isNull()),
                // Loose on purpose: the test shares two cores with whatever else runs.
                () -> assertTrue(achieved > 500 && achieved < 1500, "achieved " + achieved + " msgs/s"),
                () -> assertEquals(0, json.get("errors").asLong(), json.toString()));
    }

    @Test
    void holdModeReportsResidentMemoryPerConnection() throws Exception {
        String self = Long.toString(ProcessHandle.current().pid());
        Result r = run(upstream.echoUri().toString(), "--hold", "50", "--base", "10", "--secs", "0.1", "--pid", self);

        JsonNode json = r.json();
        assertAll(
                () -> assertEquals(0, r.status(), r.err()),
                () -> assertEquals("hold", json.get("mode").asText()),
                () -> assertEquals(10, json.get("base_opened").asInt()),
                () -> assertEquals(10, json.get("base_verified").asInt()),
                () -> assertEquals(50, json.get("opened").asInt()),
                () -> assertEquals(50, json.get("verified").asInt()),
                () -> assertEquals(50, json.get("still_open").asInt()),
                () -> assertTrue(json.get("rss_before_kib").asLong() > 0),
                () -> assertTrue(json.get("rss_after_kib").asLong() > 0),
                () -> assertTrue(json.get("kib_per_conn").isNumber(), json.toString()),
                () -> assertEquals(0, json.get("errors").asLong(), json.toString()));
    }

    @Test
    void countsRefusedConnectionsAsErrorsAndStillReports() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        Result r = run("ws://127.0.0.1:" + closedPort + "/echo", "--conns", "3", "--secs", "0.1", "--warmup", "0");

        JsonNode json = r.json();
        assertAll(
                () -> assertEquals(1, r.status()),
                () -> assertEquals(0, json.get("opened").asInt()),
                () -> assertEquals(3, json.get("errors").asLong()),
                () -> assertEquals(3, json.get("error_counts").get("connect").asLong()),
                () -> assertNotNull(json.get("error_samples").get("connect")),
                () -> assertTrue(json.get("p99_us").isNull()));
    }

    @Test
    void churnModeCountsWholeSessionsAndTheirOpeningHandshakes() throws Exception {
        long self = ProcessHandle.current().pid();
        Result r = run(upstream.echoUri().toString(), "--churn", "--conns", "2", "--secs", "1", "--warmup", "0.2",
                "--cpu-pid", "" + self, "--no-table");

        JsonNode json = r.json();
        assertAll(
                () -> assertEquals(0, r.status(), r.err()),
                () -> assertEquals("churn", json.get("mode").asText()),
                () -> assertTrue(json.get("sessions").asLong() > 0, json.toString()),
                () -> assertTrue(json.get("sessions_per_s").asDouble() > 0),
                () -> assertTrue(json.get("open_p50_us").asDouble() > 0),
                () -> assertTrue(json.get("open_p99_us").asDouble() >= json.get("open_p50_us").asDouble()),
                () -> assertTrue(json.get("cpu_us_per_session").asDouble() > 0, json.toString()),
                () -> assertEquals(0, json.get("errors").asLong(), json.toString()));
    }

    @Test
    void cpuOfAProcessIsReportedPerEchoedMessage() throws Exception {
        long self = ProcessHandle.current().pid(); // this JVM runs the upstream, so it works for every echo
        Result r = run(upstream.echoUri().toString(), "--conns", "2", "--window", "2", "--secs", "1", "--warmup", "0.2",
                "--cpu-pid", "" + self, "--no-table");

        JsonNode json = r.json();
        assertAll(
                () -> assertEquals(0, r.status(), r.err()),
                () -> assertTrue(json.get("cpu_us").asLong() > 0, json.toString()),
                () -> assertEquals(json.get("cpu_us").asDouble() / json.get("msgs").asDouble(),
                        json.get("cpu_us_per_msg").asDouble(), 0.01));
    }

    @Test
    void printsHumanTableOnStderr() throws Exception {
        Result r = run(upstream.echoUri().toString(), "--conns", "1", "--secs", "0.2", "--warmup", "0");

        assertAll(
                () -> assertEquals(0, r.status(), r.err()),
                () -> assertTrue(r.err().contains("msgs/s"), r.err()),
                () -> assertTrue(r.err().contains("p99.9"), r.err()));
    }

    @Test
    void rejectsMessagesSmallerThanTheHeader() {
        Result r = run(upstream.echoUri().toString(), "--size", "8");

        assertAll(
                () -> assertEquals(2, r.status()),
                () -> assertTrue(r.err().contains("--size"), r.err()),
                () -> assertEquals("", r.out()));
    }

    private static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = LoadGenerator.run(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), args);
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private record Result(int status, String out, String err) {
        JsonNode json() throws Exception {
            String[] lines = out.strip().split("\n");
            assertEquals(1, lines.length, "expected one JSON line, got: " + out + "\nstderr: " + err);
            return new ObjectMapper().readTree(lines[0]);
        }
    }
}
