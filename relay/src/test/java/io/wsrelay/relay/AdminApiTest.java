package io.wsrelay.relay;

import io.wsrelay.relay.ops.AdminHandler;
import com.fasterxml.jackson.databind.JsonNode;
import io.wsrelay.relay.spi.Endpoint;
import io.wsrelay.relay.spi.EndpointStatus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The admin API for endpoints, over HTTP against a running relay, and what its changes do to upgrades. */
class AdminApiTest {
    private static final String TOKEN = "t0ken-for-tests-0123456789abcdef";
    private static final String SECRET = "k-secret-value-never-returned";
    private static RelayHarness harness;
    private static FlakyStore store;

    @BeforeAll
    static void startRelay() throws Exception {
        harness = RelayHarness.withOperations(Map.of("relay.admin.token", TOKEN), memory -> store = new FlakyStore(memory));
    }

    @AfterAll
    static void stopRelay() throws Exception {
        harness.close();
    }

    @BeforeEach
    void onlyE1() {
        store.down(false);
        harness.store.list().stream().map(Endpoint::id).filter(id -> !id.equals("e1")).forEach(harness.store::remove);
    }

    private static HttpResponse<String> call(String method, String path, String body) throws Exception {
        return TestHttp.send(harness.admin(path), method, body, TOKEN);
    }

    private static JsonNode json(HttpResponse<String> response) throws Exception {
        return Json.MAPPER.readTree(response.body());
    }

    private static String a1(String extra) {
        return "{\"id\":\"a1\",\"destinationUrl\":\"" + harness.upstream.uri() + "\"" + extra + "}";
    }

    @Test
    void adminApiIsOffWithoutAConfiguredToken() throws Exception {
        try (RelayHarness plain = RelayHarness.withOperations(Map.of())) {
            assertEquals(404, TestHttp.send(plain.admin("/admin/endpoints"), "GET", null, "anything").statusCode());
            assertEquals(404, TestHttp.send(plain.admin("/admin/endpoints"), "GET", null, "").statusCode());
        }
    }

    @ParameterizedTest(name = "Authorization: {0}")
    @ValueSource(strings = {"", "Bearer", "Bearer wrong-token", "Basic dDBrZW4=", "Bearer " + TOKEN + "x"})
    void missingOrWrongTokenIsUnauthorized(String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(harness.admin("/admin/endpoints")).timeout(Timeouts.MESSAGE);
        if (!authorization.isEmpty()) {
            request.header("Authorization", authorization);
        }
        HttpResponse<String> response = HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertAll(
                () -> assertEquals(401, response.statusCode()),
                () -> assertEquals("Bearer realm=\"wsrelay-admin\"", response.headers().firstValue("WWW-Authenticate").orElse("")),
                () -> assertEquals("unauthorized", json(response).get("error").asText()));
    }

    @Test
    void unauthorizedCallsChangeNothing() throws Exception {
        HttpResponse<String> response = TestHttp.send(harness.admin("/admin/endpoints/e1"), "DELETE", null, "wrong");
        assertEquals(401, response.statusCode());
        assertTrue(harness.store.lookup("e1").isPresent());
    }

    @Test
    void createdEndpointRelaysAtOnceWithItsHeaders() throws Exception {
        HttpResponse<String> created = call("POST", "/admin/endpoints", a1(",\"upstreamHeaders\":{\"X-Api-Key\":\"" + SECRET + "\"}"));
        JsonNode body = json(created);
        assertAll(
                () -> assertEquals(201, created.statusCode()),
                () -> assertEquals("/admin/endpoints/a1", created.headers().firstValue("Location").orElse("")),
                () -> assertEquals("ACTIVE", body.get("status").asText()),
                () -> assertEquals("X-Api-Key", body.get("upstreamHeaderNames").get(0).asText()),
                () -> assertFalse(created.body().contains(SECRET), "header values never leave the relay"));
        harness.upstream.handshakes().clear();
        try (TestClient client = TestClient.open(harness.uri("/echo?endpointId=a1"))) {
            client.sendText("via admin");
            assertEquals("via admin", client.nextMessage(Timeouts.MESSAGE).text());
        }
        TestUpstream.Handshake seen = harness.upstream.handshakes().poll(Timeouts.MESSAGE.toSeconds(), TimeUnit.SECONDS);
        assertEquals(List.of(SECRET), seen.headers().get("x-api-key"));
    }

    @Test
    void getAndListShowHeaderNamesButNeverValues() throws Exception {
        call("POST", "/admin/endpoints", a1(",\"upstreamHeaders\":{\"X-Api-Key\":\"" + SECRET + "\"}"));
        HttpResponse<String> one = call("GET", "/admin/endpoints/a1", null);
        HttpResponse<String> all = call("GET", "/admin/endpoints", null);
        assertAll(
                () -> assertEquals(200, one.statusCode()),
                () -> assertEquals("a1", json(one).get("id").asText()),
                () -> assertEquals(200, all.statusCode()),
                () -> assertEquals(2, json(all).get("endpoints").size()),
                () -> assertEquals("a1", json(all).get("endpoints").get(0).get("id").asText(), "ordered by id"),
                () -> assertFalse(one.body().contains(SECRET)),
                () -> assertFalse(all.body().contains(SECRET)));
    }

    @Test
    void patchedStatusDecidesTheNextUpgrade() throws Exception {
        call("POST", "/admin/endpoints", a1(""));
        HttpResponse<String> off = call("PATCH", "/admin/endpoints/a1", "{\"status\":\"INACTIVE\"}");
        assertAll(
                () -> assertEquals(200, off.statusCode()),
                () -> assertEquals("INACTIVE", json(off).get("status").asText()));
        assertEquals(403, TestClient.refusal(harness.uri("/echo?endpointId=a1")));
        assertEquals(200, call("PATCH", "/admin/endpoints/a1", "{\"status\":\"active\"}").statusCode());
        try (TestClient client = TestClient.open(harness.uri("/echo?endpointId=a1"))) {
            client.sendText("back");
            assertEquals("back", client.nextMessage(Timeouts.MESSAGE).text());
        }
    }

    @Test
    void patchedSettingsApplyAndHeaderValuesAreKept() throws Exception {
        call("POST", "/admin/endpoints", a1(",\"upstreamHeaders\":{\"X-Api-Key\":\"" + SECRET + "\"}"));
        HttpResponse<String> patched = call("PATCH", "/admin/endpoints/a1",
                "{\"allowedOrigins\":[\"https://app.example\"],\"maxConnections\":5}");
        assertEquals(200, patched.statusCode());
        Endpoint stored = harness.store.lookup("a1").orElseThrow();
        assertAll(
                () -> assertEquals(List.of("https://app.example"), stored.allowedOrigins()),
                () -> assertEquals(5, stored.maxConnections()),
                () -> assertEquals(Map.of("X-Api-Key", SECRET), stored.upstreamHeaders()),
                () -> assertEquals(EndpointStatus.ACTIVE, stored.status()));
        assertEquals(403, TestClient.refusal(harness.uri("/echo?endpointId=a1")), "no Origin, not allowed any more");
    }

    @Test
    void whatWasReadCanBeSentBack() throws Exception {
        call("POST", "/admin/endpoints", a1(",\"upstreamHeaders\":{\"X-Api-Key\":\"" + SECRET + "\"}"));
        String read = call("GET", "/admin/endpoints/a1", null).body();
        assertEquals(200, call("PATCH", "/admin/endpoints/a1", read).statusCode());
        assertEquals(Map.of("X-Api-Key", SECRET), harness.store.lookup("a1").orElseThrow().upstreamHeaders());
    }

    @Test
    void deletedEndpointIsGoneForTheNextUpgrade() throws Exception {
        call("POST", "/admin/endpoints", a1(""));
        HttpResponse<String> deleted = call("DELETE", "/admin/endpoints/a1", null);
        assertAll(
                () -> assertEquals(204, deleted.statusCode()),
                () -> assertEquals("", deleted.body()),
                () -> assertEquals(404, call("GET", "/admin/endpoints/a1", null).statusCode()),
                () -> assertEquals(404, TestClient.refusal(harness.uri("/echo?endpointId=a1"))));
    }

    @Test
    void creatingAnExistingIdIsAConflict() throws Exception {
        assertEquals(201, call("POST", "/admin/endpoints", a1("")).statusCode());
        HttpResponse<String> again = call("POST", "/admin/endpoints", a1(""));
        assertAll(
                () -> assertEquals(409, again.statusCode()),
                () -> assertEquals("endpoint_exists", json(again).get("error").asText()));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "not JSON                 | {nope                                                       | invalid_json",
            "not an object            | [1,2]                                                       | invalid_endpoint",
            "missing id               | {\"destinationUrl\":\"ws://127.0.0.1:1\"}                   | invalid_endpoint",
            "unknown field            | {\"id\":\"b\",\"destinationUrl\":\"ws://127.0.0.1:1\",\"colour\":1} | invalid_endpoint",
            "unusable destination     | {\"id\":\"b\",\"destinationUrl\":\"ftp://127.0.0.1/x\"}      | invalid_endpoint",
            "bad status               | {\"id\":\"b\",\"destinationUrl\":\"ws://127.0.0.1:1\",\"status\":\"MAYBE\"} | invalid_endpoint",
            "negative max connections | {\"id\":\"b\",\"destinationUrl\":\"ws://127.0.0.1:1\",\"maxConnections\":-1} | invalid_endpoint",
            "header value not text    | {\"id\":\"b\",\"destinationUrl\":\"ws://127.0.0.1:1\",\"upstreamHeaders\":{\"X\":1}} | invalid_endpoint"})
    void invalidBodiesAreRefusedWith400(String what, String body, String error) throws Exception {
        HttpResponse<String> response = call("POST", "/admin/endpoints", body);
        assertAll(
                () -> assertEquals(400, response.statusCode(), response.body()),
                () -> assertEquals(error, json(response).get("error").asText()),
                () -> assertFalse(harness.store.lookup("b").isPresent()));
    }

    @Test
    void oversizedBodyIsRefusedWith413() throws Exception {
        String huge = a1(",\"allowedHosts\":[\"" + "h".repeat(AdminHandler.MAX_BODY_BYTES) + "\"]");
        assertEquals(413, call("POST", "/admin/endpoints", huge).statusCode());
    }

    @ParameterizedTest(name = "{0} of an unknown id")
    @CsvSource({"GET,", "PATCH,{\"status\":\"ACTIVE\"}", "PATCH,{\"maxConnections\":1}", "DELETE,"})
    void unknownIdIs404(String method, String body) throws Exception {
        HttpResponse<String> response = call(method, "/admin/endpoints/nope", body);
        assertAll(
                () -> assertEquals(404, response.statusCode()),
                () -> assertEquals("endpoint_not_found", json(response).get("error").asText()));
    }

    @Test
    void otherMethodsAre405() throws Exception {
        HttpResponse<String> response = call("PUT", "/admin/endpoints/e1", "{}");
        assertAll(
                () -> assertEquals(405, response.statusCode()),
                () -> assertEquals("GET, PATCH, DELETE", response.headers().firstValue("Allow").orElse("")));
        assertEquals(405, call("DELETE", "/admin/endpoints", null).statusCode());
    }

    @Test
    void unreachableStoreIs503() throws Exception {
        store.down(true);
        HttpResponse<String> response = call("GET", "/admin/endpoints", null);
        assertAll(
                () -> assertEquals(503, response.statusCode()),
                () -> assertEquals("store_unavailable", json(response).get("error").asText()));
    }

    @Test
    void adminApiIsNotServedUnderTheRelayPath() throws Exception {
        URI underRelay = harness.http("/ws-proxy/admin/endpoints");
        HttpResponse<String> response = TestHttp.send(underRelay, "GET", null, TOKEN);
        assertAll(
                () -> assertEquals(400, response.statusCode()),
                () -> assertEquals("not_an_upgrade", json(response).get("error").asText()));
    }
}
