package io.wsrelay.relay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wsrelay.relay.spi.Endpoint;
import io.wsrelay.relay.spi.EndpointStatus;
import io.wsrelay.relay.spi.StoreUnavailableException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocketHandshakeException;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Opening handshakes the relay refuses before any 101, each with its status and JSON body. */
class RelayHandshakeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static RelayHarness harness;

    @BeforeAll
    static void startRelay() throws Exception {
        harness = RelayHarness.start(Map.of("relay.upstream.connect-timeout", "500ms"));
        harness.store.insert(Endpoint.of("off", harness.upstream.uri().toString()).withStatus(EndpointStatus.INACTIVE));
        harness.store.insert(Endpoint.of("refused", "ws://127.0.0.1:1"));
    }

    @AfterAll
    static void stopRelay() throws Exception {
        harness.close();
    }

    /** The refusal the client saw: status and parsed JSON body. */
    private record Refusal(int status, JsonNode body) {
    }

    private static Refusal refusal(URI uri) throws Exception {
        ExecutionException e = assertThrows(ExecutionException.class, () -> TestClient.open(uri).close());
        WebSocketHandshakeException h = assertInstanceOf(WebSocketHandshakeException.class, e.getCause());
        return new Refusal(h.getResponse().statusCode(), JSON.readTree(String.valueOf(h.getResponse().body())));
    }

    private static void assertRefused(int status, String error, Refusal refusal) {
        assertEquals(status, refusal.status());
        assertEquals(error, refusal.body().path("error").asText());
        assertTrue(refusal.body().path("detail").isTextual(), "a detail explains it");
    }

    @Test
    void rejectsUpgradeWithoutEndpointIdWith400() throws Exception {
        assertRefused(400, "missing_endpoint_id", refusal(harness.uri("/echo?x=1")));
        assertRefused(400, "missing_endpoint_id", refusal(harness.uri("/echo?endpointId=%20")));
    }

    @Test
    void rejectsUpgradeForUnknownEndpointWith404() throws Exception {
        assertRefused(404, "endpoint_not_found", refusal(harness.uri("/echo?endpointId=nope")));
    }

    @Test
    void rejectsUpgradeForInactiveEndpointWith403() throws Exception {
        assertRefused(403, "endpoint_inactive", refusal(harness.uri("/echo?endpointId=off")));
    }

    @Test
    void rejectsUpgradeWith503WhenTheStoreIsUnreachable() throws Exception {
        try (RelayHarness down = RelayHarness.start(Map.of(), id -> {
            throw new StoreUnavailableException("connection refused");
        })) {
            assertRefused(503, "store_unavailable", refusal(down.uri("/echo?endpointId=e1")));
        }
    }

    @Test
    void rejectsUpgradeWith502WhenUpstreamAnswersWithoutSwitchingProtocols() throws Exception {
        Refusal refusal = refusal(harness.uri("/reject?status=403&endpointId=e1"));
        assertRefused(502, "upstream_rejected", refusal);
        assertTrue(refusal.body().path("detail").asText().contains("403"), "the upstream's status is named");
    }

    @Test
    void doesNotFollowAnUpstreamRedirect() throws Exception {
        assertRefused(502, "upstream_rejected", refusal(harness.uri("/reject?status=302&endpointId=e1")));
    }

    @Test
    void rejectsUpgradeWith502WhenUpstreamRefusesTheConnection() throws Exception {
        assertRefused(502, "upstream_unreachable", refusal(harness.uri("/echo?endpointId=refused")));
    }

    @Test
    void rejectsUpgradeWith504WhenUpstreamStaysSilentPastTheConnectTimeout() throws Exception {
        try (SilentUpstream silent = new SilentUpstream()) {
            harness.store.insert(Endpoint.of("silent", silent.uri().toString()));
            try {
                long start = System.nanoTime();
                assertRefused(504, "upstream_timeout", refusal(harness.uri("/echo?endpointId=silent")));
                long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertTrue(millis < 5_000, "answered within the connect timeout plus margin, took " + millis + " ms");
            } finally {
                harness.store.remove("silent");
            }
        }
    }

    @Test
    void refusesAnotherHostThanTheEndpointsWith403() throws Exception {
        assertRefused(403, "host_not_allowed",
                refusal(harness.uri("/echo?endpointId=e1&endpointHost=" + "127.0.0.2:" + harness.upstream.uri().getPort())));
    }

    @Test
    void refusesOriginNotOnTheEndpointsList() throws Exception {
        harness.store.insert(new Endpoint("strict", harness.upstream.uri().toString(), EndpointStatus.ACTIVE,
                java.util.List.of(), java.util.List.of("https://app.example"), 0, Map.of(),
                java.time.Instant.now(), java.time.Instant.now()));
        try {
            // The JDK client sends no Origin header: a list that is set must be matched.
            assertRefused(403, "origin_not_allowed", refusal(harness.uri("/echo?endpointId=strict")));
        } finally {
            harness.store.remove("strict");
        }
    }

    @Test
    void answersPlainHttpRequestToTheRelayPathWith400() throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(harness.http("/ws-proxy/echo?endpointId=e1"))
                    .timeout(Timeouts.MESSAGE).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(400, response.statusCode());
            assertEquals("not_an_upgrade", JSON.readTree(response.body()).path("error").asText());
        }
    }

    @Test
    void requestHeadOverTheLimitIsRefusedWith431InJson() throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(harness.http("/ws-proxy/echo?endpointId=e1"))
                    .header("X-Big", "b".repeat(16 * 1024)).timeout(Timeouts.MESSAGE).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(431, response.statusCode());
            assertEquals("request_header_fields_too_large", JSON.readTree(response.body()).path("error").asText());
        }
    }

    @Test
    void encodedSlashInThePathReachesTheUpstreamAsSent() throws Exception {
        harness.upstream.handshakes().clear();
        try (TestClient client = TestClient.open(harness.uri("/a%2Fb/c%25d?x=1&endpointId=e1"))) {
            TestUpstream.Handshake seen = harness.upstream.handshakes().poll(Timeouts.MESSAGE.toSeconds(), TimeUnit.SECONDS);
            assertEquals("/a%2Fb/c%25d?x=1", seen.pathQuery());
        }
    }

    @Test
    void refusedUpgradesLeaveNoSessionOrPermitBehind() throws Exception {
        for (int i = 0; i < 20; i++) {
            refusal(harness.uri("/reject?status=500&endpointId=e1"));
        }
        assertEquals(0, harness.relay.activeSessions());
        try (TestClient client = TestClient.open(harness.uri("/echo?endpointId=e1"))) {
            client.sendText("still relaying");
            assertEquals("still relaying", client.nextMessage(Timeouts.MESSAGE).text());
        }
    }

    @Test
    void rejectsUpgradeWith503WhenTheSessionLimitIsReached() throws Exception {
        try (RelayHarness small = RelayHarness.start(Map.of("relay.limits.max-sessions", "1"));
             TestClient first = TestClient.open(small.uri("/echo?endpointId=e1"))) {
            assertRefused(503, "too_many_sessions", refusal(small.uri("/echo?endpointId=e1")));
            first.sendText("first still works");
            assertEquals("first still works", first.nextMessage(Timeouts.MESSAGE).text());
        }
    }
}
