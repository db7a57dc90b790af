package io.wsrelay.relay;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code wsrelay serve} as a real process: SIGTERM with open sessions, and the JSON log format.
 * Endpoints are created through the admin API of the process, as an operator would.
 */
class RelayProcessIT {
    private static final String TOKEN = "process-test-token-0123456789";
    private static final Duration DRAIN = Duration.ofSeconds(3);
    /** What the relay promises after the drain period: exit within it plus this. */
    private static final Duration EXIT_MARGIN = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    private static void addEndpoint(RelayProcess relay, String id, TestUpstream upstream, String extra) throws Exception {
        HttpResponse<String> created = TestHttp.send(relay.http("/admin/endpoints"), "POST",
                "{\"id\":\"" + id + "\",\"destinationUrl\":\"" + upstream.uri() + "\"" + extra + "}", TOKEN);
        assertEquals(201, created.statusCode(), created.body());
    }

    private static void echo(TestClient client, String text) throws Exception {
        client.sendText(text);
        assertEquals(text, client.nextMessage(Timeouts.MESSAGE).text());
    }

    @Test
    void sigtermDrainsOpenSessionsThenClosesBothSidesAndExits() throws Exception {
        try (TestUpstream upstream = TestUpstream.start();
             RelayProcess relay = RelayProcess.start(dir, Map.of("relay.admin.token", TOKEN,
                     "relay.shutdown.drain-period", DRAIN.toSeconds() + "s"))) {
            addEndpoint(relay, "e1", upstream, "");
            assertEquals(200, TestHttp.get(relay.http("/readyz")).statusCode());
            TestClient first = TestClient.open(relay.ws("/echo?endpointId=e1"));
            TestClient second = TestClient.open(relay.ws("/echo?endpointId=e1"));
            echo(first, "one");
            echo(second, "two");

            long sigterm = System.nanoTime();
            relay.terminate();

            await().atMost(Timeouts.MESSAGE).until(() -> TestHttp.get(relay.http("/readyz")).statusCode() == 503);
            JsonNode ready = Json.MAPPER.readTree(TestHttp.get(relay.http("/readyz")).body());
            assertTrue(ready.get("draining").asBoolean(), ready.toString());
            assertEquals(503, TestClient.refusal(relay.ws("/echo?endpointId=e1")), "new upgrades refused while draining");
            echo(first, "still relayed while draining");

            TestClient.Closed firstClosed = first.awaitClose(DRAIN.plus(EXIT_MARGIN));
            TestClient.Closed secondClosed = second.awaitClose(Timeouts.CLOSE);
            long closedAfter = Duration.ofNanos(System.nanoTime() - sigterm).toMillis();
            List<TestUpstream.Closed> upstreamCloses = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                upstreamCloses.add(upstream.closes().poll(Timeouts.CLOSE.toMillis(), TimeUnit.MILLISECONDS));
            }
            boolean exited = relay.awaitExit(DRAIN.plus(EXIT_MARGIN).minusMillis(closedAfter));
            long exitedAfter = Duration.ofNanos(System.nanoTime() - sigterm).toMillis();
            assertAll(
                    () -> assertEquals(CloseCodes.GOING_AWAY, firstClosed.code(), "client gets 1001"),
                    () -> assertEquals(CloseCodes.GOING_AWAY, secondClosed.code(), "client gets 1001"),
                    () -> assertTrue(closedAfter >= DRAIN.toMillis(), "closed only after the drain, at " + closedAfter + " ms"),
                    () -> assertEquals(List.of(CloseCodes.NORMAL, CloseCodes.NORMAL),
                            upstreamCloses.stream().map(c -> c == null ? -1 : c.code()).toList(), "a normal close upstream"),
                    () -> assertTrue(exited, "exited within drain + 5 s; still running after " + exitedAfter + " ms"),
                    () -> assertEquals(128 + 15, relay.process().exitValue(), "the exit status of a SIGTERM"));
            assertTrue(relay.output().contains("draining: new upgrades refused; 2 sessions open"), relay.output());
        }
    }

    @Test
    void jsonLogFormatWritesOneJsonObjectPerLineWithoutSecrets() throws Exception {
        Map<String, String> settings = new HashMap<>(Map.of("relay.admin.token", TOKEN, "relay.log.format", "json",
                "relay.shutdown.drain-period", "0s"));
        try (TestUpstream upstream = TestUpstream.start(); RelayProcess relay = RelayProcess.start(dir, settings)) {
            addEndpoint(relay, "e1", upstream, ",\"upstreamHeaders\":{\"X-Api-Key\":\"header-secret-4711\"}");
            try (TestClient client = TestClient.open(relay.ws("/echo?token=query-secret-4711&endpointId=e1"))) {
                echo(client, "payload-secret-4711");
                client.sendClose(1000, "bye");
                client.awaitClose(Timeouts.CLOSE);
            }
            await().atMost(Timeouts.MESSAGE).until(() -> relay.output().contains("session closed"));
            relay.terminate();
            assertTrue(relay.awaitExit(EXIT_MARGIN), "exited");

            String output = relay.output();
            assertFalse(output.contains("secret-4711"), "a secret reached the log:\n" + output);
            List<JsonNode> lines = new ArrayList<>();
            for (String line : output.split("\n")) {
                if (!line.isBlank()) {
                    lines.add(Json.MAPPER.readTree(line)); // fails on any line that is not JSON
                }
            }
            JsonNode closed = lines.stream()
                    .filter(l -> l.path("formattedMessage").asText().startsWith("session closed")).findFirst().orElseThrow();
            Map<String, String> fields = new HashMap<>();
            closed.get("kvpList").forEach(pair -> pair.properties().forEach(e -> fields.put(e.getKey(), e.getValue().asText())));
            assertAll(
                    () -> assertTrue(lines.size() >= 4, "start, admin, session lines: " + lines.size()),
                    () -> assertTrue(lines.stream().allMatch(l -> l.has("timestamp") && l.has("level") && l.has("loggerName"))),
                    () -> assertEquals("INFO", closed.get("level").asText()),
                    () -> assertEquals("e1", fields.get("endpoint")),
                    () -> assertEquals("19", fields.get("bytesToUpstream")),
                    () -> assertEquals("19", fields.get("bytesToClient")),
                    () -> assertEquals("1000", fields.get("closeToUpstream")),
                    () -> assertEquals("client", fields.get("closedBy")));
        }
    }
}
