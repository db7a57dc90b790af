package io.wsrelay.relay;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code /healthz}, {@code /readyz}, draining, and the separate admin port, over HTTP against a running relay. */
class HealthEndpointsTest {
    /** Long enough that a loaded machine still fits the checks made during the drain into it. */
    private static final Duration DRAIN = Duration.ofSeconds(5);

    /**
     * Starts {@link RelayServer#drainAndClose()} on a thread of its own, as the shutdown hook
     * does. Not on the common pool: on two cores it has one thread, which the JDK WebSocket
     * client also needs.
     */
    private static CompletableFuture<Void> drainAndCloseInBackground(RelayHarness harness) {
        return CompletableFuture.runAsync(harness.relay::drainAndClose, task -> Thread.ofPlatform().start(task));
    }

    private static JsonNode json(HttpResponse<String> response) throws Exception {
        assertEquals("application/json", response.headers().firstValue("Content-Type").orElse(""));
        return Json.MAPPER.readTree(response.body());
    }

    @Test
    void healthzAnswersUp() throws Exception {
        try (RelayHarness harness = RelayHarness.withOperations(Map.of())) {
            HttpResponse<String> response = TestHttp.get(harness.admin("/healthz"));
            assertAll(
                    () -> assertEquals(200, response.statusCode()),
                    () -> assertEquals("up", json(response).get("status").asText()));
        }
    }

    @Test
    void readyzIsReadyWhileTheStoreAnswers() throws Exception {
        try (RelayHarness harness = RelayHarness.withOperations(Map.of())) {
            HttpResponse<String> response = TestHttp.get(harness.admin("/readyz"));
            JsonNode body = json(response);
            assertAll(
                    () -> assertEquals(200, response.statusCode()),
                    () -> assertEquals("ready", body.get("status").asText()),
                    () -> assertEquals("up", body.get("store").asText()),
                    () -> assertFalse(body.get("draining").asBoolean()));
        }
    }

    @Test
    void readyzIsNotReadyWhileTheStoreIsUnreachable() throws Exception {
        FlakyStore[] store = new FlakyStore[1];
        try (RelayHarness harness = RelayHarness.withOperations(Map.of(), memory -> store[0] = new FlakyStore(memory))) {
            store[0].down(true);
            HttpResponse<String> down = TestHttp.get(harness.admin("/readyz"));
            JsonNode body = json(down);
            assertAll(
                    () -> assertEquals(503, down.statusCode()),
                    () -> assertEquals("not_ready", body.get("status").asText()),
                    () -> assertEquals("down", body.get("store").asText()),
                    () -> assertEquals("test store switched off", body.get("detail").asText()));
            assertEquals(200, TestHttp.get(harness.admin("/healthz")).statusCode(), "alive all the same");
            store[0].down(false);
            assertEquals(200, TestHttp.get(harness.admin("/readyz")).statusCode(), "ready again");
        }
    }

    @Test
    void drainingRefusesNewUpgradesThenClosesSessionsAfterTheDrainPeriod() throws Exception {
        try (RelayHarness harness = RelayHarness.withOperations(Map.of("relay.shutdown.drain-period", DRAIN.toSeconds() + "s"))) {
            TestClient client = TestClient.open(harness.uri("/echo?endpointId=e1"));
            client.sendText("before");
            client.nextMessage(Timeouts.MESSAGE);
            long start = System.nanoTime();
            CompletableFuture<Void> stopped = drainAndCloseInBackground(harness);

            await().atMost(Timeouts.MESSAGE).until(() -> TestHttp.get(harness.admin("/readyz")).statusCode() == 503);
            JsonNode ready = json(TestHttp.get(harness.admin("/readyz")));
            assertAll(
                    () -> assertEquals("not_ready", ready.get("status").asText()),
                    () -> assertTrue(ready.get("draining").asBoolean()));
            assertEquals(503, TestClient.refusal(harness.uri("/echo?endpointId=e1")), "new upgrades refused");
            client.sendText("during");
            assertEquals("during", client.nextMessage(Timeouts.MESSAGE).text(), "open sessions go on while draining");

            TestClient.Closed closed = client.awaitClose(Timeouts.MESSAGE);
            long closedAfterMs = Duration.ofNanos(System.nanoTime() - start).toMillis();
            assertAll(
                    () -> assertEquals(CloseCodes.GOING_AWAY, closed.code(), "client gets 1001"),
                    () -> assertTrue(closedAfterMs >= DRAIN.toMillis(), "closed after the drain period, was " + closedAfterMs + " ms"),
                    () -> assertEquals(CloseCodes.NORMAL,
                            harness.upstream.closes().poll(Timeouts.CLOSE.toMillis(), TimeUnit.MILLISECONDS).code(),
                            "upstream gets a normal close"));
            stopped.get(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void drainEndsAsSoonAsTheLastSessionHasClosed() throws Exception {
        try (RelayHarness harness = RelayHarness.withOperations(Map.of("relay.shutdown.drain-period", "60s"))) {
            TestClient client = TestClient.open(harness.uri("/echo?endpointId=e1"));
            CompletableFuture<Void> stopped = drainAndCloseInBackground(harness);
            await().atMost(Timeouts.MESSAGE).until(harness.relay.readiness()::isDraining);
            client.sendClose(1000, "done");
            client.awaitClose(Timeouts.CLOSE);
            stopped.get(Timeouts.MESSAGE.toSeconds(), TimeUnit.SECONDS);
        }
    }

    @Test
    void separateAdminPortServesOperationsPathsOnly() throws Exception {
        try (RelayHarness harness = RelayHarness.withOperations(Map.of("relay.admin.port", "0"))) {
            assertTrue(harness.relay.adminPort() != harness.relay.port(), "two ports");
            assertAll(
                    () -> assertEquals(200, TestHttp.get(harness.admin("/healthz")).statusCode()),
                    () -> assertEquals(200, TestHttp.get(harness.admin("/metrics")).statusCode()),
                    () -> assertEquals(404, TestHttp.get(harness.http("/healthz")).statusCode(), "not on the relay port"),
                    () -> assertEquals(404, TestHttp.get(harness.http("/metrics")).statusCode(), "not on the relay port"),
                    () -> assertEquals(404, TestClient.refusal(harness.admin("/ws-proxy/echo?endpointId=e1")
                            .resolve("ws://127.0.0.1:" + harness.relay.adminPort() + "/ws-proxy/echo?endpointId=e1")),
                            "no upgrades on the admin port"));
            try (TestClient client = TestClient.open(harness.uri("/echo?endpointId=e1"))) {
                client.sendText("relayed");
                assertEquals("relayed", client.nextMessage(Timeouts.MESSAGE).text());
            }
        }
    }

    @Test
    void probesAnswerGetOnly() throws Exception {
        try (RelayHarness harness = RelayHarness.withOperations(Map.of())) {
            HttpResponse<String> response = TestHttp.send(harness.admin("/readyz"), "POST", "{}", null);
            assertAll(
                    () -> assertEquals(405, response.statusCode()),
                    () -> assertEquals("GET", response.headers().firstValue("Allow").orElse("")));
        }
    }
}
