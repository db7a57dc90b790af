package io.wsrelay.relay;

import io.wsrelay.relay.cli.RelayMain;
import com.fasterxml.jackson.databind.JsonNode;
import io.wsrelay.relay.spi.Endpoint;
import io.wsrelay.relay.spi.LiveSessionPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Live sessions under the operator's control on one node (issue 13, item 2): what INACTIVE and
 * removal do to open sessions, per endpoint; listing and closing sessions through the admin API
 * and {@code wsrelay sessions}.
 */
class LiveSessionsTest {
    private static final String TOKEN = "live-sessions-token-0123456789";
    /** The bound: every node closes the sessions within 1 s of the change. */
    private static final Duration WITHIN = Duration.ofSeconds(1);
    private RelayHarness harness;

    @BeforeEach
    void start() throws Exception {
        harness = RelayHarness.withOperations(Map.of("relay.admin.token", TOKEN));
    }

    @AfterEach
    void stop() throws Exception {
        harness.close();
    }

    private HttpResponse<String> call(String method, String path, String body) throws Exception {
        return TestHttp.send(harness.admin(path), method, body, TOKEN);
    }

    private TestClient echoing(String endpoint) throws Exception {
        TestClient client = TestClient.open(harness.uri("/echo?endpointId=" + endpoint));
        client.sendText("hello");
        assertEquals("hello", client.nextMessage(Timeouts.MESSAGE).text());
        return client;
    }

    @Test
    void settingAnEndpointInactiveClosesItsSessionsWithin1sByDefault() throws Exception {
        try (TestClient client = echoing("e1")) {
            long start = System.nanoTime();
            assertEquals(200, call("PATCH", "/admin/endpoints/e1", "{\"status\":\"INACTIVE\"}").statusCode());
            TestClient.Closed closed = client.closed().get(WITHIN.toMillis(), TimeUnit.MILLISECONDS);
            assertEquals(new TestClient.Closed(1008, "endpoint e1 is INACTIVE"), closed,
                    "after " + Duration.ofNanos(System.nanoTime() - start).toMillis() + " ms");
            assertEquals(1001, harness.upstream.closes().poll(Timeouts.MESSAGE.toSeconds(), TimeUnit.SECONDS).code());
        }
    }

    @Test
    void removingAnEndpointClosesItsSessionsWithin1s() throws Exception {
        try (TestClient client = echoing("e1")) {
            assertEquals(204, call("DELETE", "/admin/endpoints/e1", null).statusCode());
            assertEquals(new TestClient.Closed(1008, "endpoint e1 was removed"),
                    client.closed().get(WITHIN.toMillis(), TimeUnit.MILLISECONDS));
        }
    }

    @Test
    void anEndpointThatKeepsLiveSessionsOnlyRefusesNewUpgrades() throws Exception {
        harness.store.update(harness.store.lookup("e1").orElseThrow().withLiveSessions(LiveSessionPolicy.KEEP));
        try (TestClient client = echoing("e1")) {
            assertEquals(200, call("PATCH", "/admin/endpoints/e1", "{\"status\":\"INACTIVE\"}").statusCode());
            assertEquals(403, TestClient.refusal(harness.uri("/echo?endpointId=e1")));
            assertThrows(TimeoutException.class, () -> client.closed().get(2 * WITHIN.toMillis(), TimeUnit.MILLISECONDS));
            client.sendText("still relayed");
            assertEquals("still relayed", client.nextMessage(Timeouts.MESSAGE).text());
        }
    }

    @Test
    void theLiveSessionsPolicyIsSetAndShownThroughTheAdminApi() throws Exception {
        HttpResponse<String> patched = call("PATCH", "/admin/endpoints/e1", "{\"liveSessions\":\"keep\"}");
        assertEquals(200, patched.statusCode(), patched.body());
        assertAll(
                () -> assertEquals("KEEP", Json.MAPPER.readTree(patched.body()).path("liveSessions").asText()),
                () -> assertEquals(LiveSessionPolicy.KEEP, harness.store.lookup("e1").orElseThrow().liveSessions()),
                () -> assertEquals(400, call("PATCH", "/admin/endpoints/e1", "{\"liveSessions\":\"sometimes\"}").statusCode()),
                () -> assertEquals("CLOSE", Json.MAPPER.readTree(call("POST", "/admin/endpoints",
                        "{\"id\":\"e2\",\"destinationUrl\":\"ws://127.0.0.1:1\"}").body()).path("liveSessions").asText(),
                        "the default"));
    }

    @Test
    void sessionsAreListedWithEndpointClientAgeAndBytes() throws Exception {
        harness.store.insert(Endpoint.of("e2", harness.upstream.uri().toString()));
        try (TestClient one = echoing("e1"); TestClient two = echoing("e2")) {
            JsonNode all = Json.MAPPER.readTree(call("GET", "/admin/sessions", null).body());
            JsonNode onlyE2 = Json.MAPPER.readTree(call("GET", "/admin/sessions?endpoint=e2", null).body());
            JsonNode first = all.path("sessions").get(0);
            assertAll(
                    () -> assertEquals(2, all.path("sessions").size()),
                    () -> assertEquals("node", all.path("scope").asText()),
                    () -> assertEquals("e1", first.path("endpoint").asText()),
                    () -> assertTrue(first.path("id").asText().startsWith(all.path("node").asText() + ":"), first.toString()),
                    () -> assertTrue(first.path("client").asText().startsWith("127.0.0.1:"), first.toString()),
                    () -> assertEquals(5, first.path("bytesToUpstream").asLong(), "hello"),
                    () -> assertEquals(5, first.path("bytesToClient").asLong()),
                    () -> assertTrue(first.path("ageSeconds").asLong() >= 0),
                    () -> assertEquals(1, onlyE2.path("sessions").size()),
                    () -> assertEquals("e2", onlyE2.path("sessions").get(0).path("endpoint").asText()),
                    () -> assertEquals(401, TestHttp.send(harness.admin("/admin/sessions"), "GET", null, "wrong").statusCode()));
        }
    }

    @Test
    void anOperatorClosesOneSessionOrAllOfAnEndpoints() throws Exception {
        try (TestClient one = echoing("e1"); TestClient two = echoing("e1"); TestClient three = echoing("e1")) {
            String id = Json.MAPPER.readTree(call("GET", "/admin/sessions", null).body()).path("sessions").get(0)
                    .path("id").asText();
            assertEquals(202, call("DELETE", "/admin/sessions/" + id, null).statusCode());
            assertEquals(new TestClient.Closed(1008, "closed by an operator"), one.awaitClose(Timeouts.CLOSE));
            two.sendText("not closed");
            assertEquals("not closed", two.nextMessage(Timeouts.MESSAGE).text());

            HttpResponse<String> all = call("DELETE", "/admin/sessions?endpoint=e1", null);
            assertEquals(202, all.statusCode());
            assertEquals(2, Json.MAPPER.readTree(all.body()).path("closedOnThisNode").asInt());
            assertEquals(1008, two.awaitClose(Timeouts.CLOSE).code());
            assertEquals(1008, three.awaitClose(Timeouts.CLOSE).code());
            assertAll(
                    () -> assertEquals(404, call("DELETE", "/admin/sessions/" + id, null).statusCode(), "already gone"),
                    () -> assertEquals(404, call("DELETE", "/admin/sessions/nobody:1", null).statusCode()),
                    () -> assertEquals(400, call("DELETE", "/admin/sessions", null).statusCode()));
        }
    }

    @Test
    void aSessionStillInItsClosingHandshakeIsNeitherClosedAgainNorCounted() throws Exception {
        // An upstream that never answers the relay's close keeps its session listed, closing, for
        // the close timeout (5 s): closing the endpoint's sessions meanwhile closes and counts none.
        try (RawUpstream mute = new RawUpstream(RawUpstream.Mode.SILENT)) {
            harness.store.insert(Endpoint.of("mute", mute.uri().toString()));
            try (TestClient client = TestClient.open(harness.uri("/echo?endpointId=mute"))) {
                String id = Json.MAPPER.readTree(call("GET", "/admin/sessions?endpoint=mute", null).body())
                        .path("sessions").get(0).path("id").asText();
                assertEquals(202, call("DELETE", "/admin/sessions/" + id, null).statusCode());
                assertEquals(1008, client.awaitClose(Timeouts.CLOSE).code());
                assertEquals(1, Json.MAPPER.readTree(call("GET", "/admin/sessions?endpoint=mute", null).body())
                        .path("sessions").size(), "still listed while the upstream's close is awaited");

                HttpResponse<String> all = call("DELETE", "/admin/sessions?endpoint=mute", null);
                assertEquals(202, all.statusCode());
                assertEquals(0, Json.MAPPER.readTree(all.body()).path("closedOnThisNode").asInt(), all.body());
                assertEquals(404, call("DELETE", "/admin/sessions/" + id, null).statusCode(), "already closing");
            }
        }
    }

    @Test
    void theSessionsCommandListsAndClosesThroughTheAdminApi() throws Exception {
        try (TestClient client = echoing("e1")) {
            Map<String, String> env = Map.of("WSRELAY_ADMIN_TOKEN", TOKEN);
            String url = "http://127.0.0.1:" + harness.relay.adminPort();
            Cli list = Cli.run(env, "sessions", "list", "--url", url, "--endpoint", "e1");
            assertEquals(0, list.status, list.err);
            String[] lines = list.out.strip().split("\n");
            assertEquals(2, lines.length, list.out);
            String id = lines[1].split("\\s+")[0];
            assertTrue(lines[1].contains(" e1 "), lines[1]);

            Cli close = Cli.run(env, "sessions", "close", id, "--url", url);
            assertEquals(0, close.status, close.err);
            assertEquals(1008, client.awaitClose(Timeouts.CLOSE).code());

            Cli again = Cli.run(env, "sessions", "close", id, "--url", url);
            Cli noToken = Cli.run(Map.of(), "sessions", "list", "--url", url);
            Cli wrongToken = Cli.run(Map.of("WSRELAY_ADMIN_TOKEN", "wrong-token"), "sessions", "list", "--url", url);
            assertAll(
                    () -> assertEquals(1, again.status, "no such session any more"),
                    () -> assertTrue(again.err.contains("404"), again.err),
                    () -> assertEquals(2, noToken.status, noToken.err),
                    () -> assertEquals(1, wrongToken.status),
                    () -> assertTrue(!wrongToken.err.contains("wrong-token") && !wrongToken.out.contains("wrong-token"),
                            "the token is never printed"));
        }
    }

    /** One {@code wsrelay} command line run in this JVM. */
    private record Cli(int status, String out, String err) {
        static Cli run(Map<String, String> env, String... args) {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int status = RelayMain.run(env, new PrintWriter(out, true), new PrintWriter(err, true), args);
            return new Cli(status, out.toString(), err.toString());
        }
    }
}
