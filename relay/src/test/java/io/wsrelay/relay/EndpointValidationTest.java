package io.wsrelay.relay;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import io.wsrelay.relay.spi.Endpoint;
import io.wsrelay.relay.spi.EndpointStatus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Endpoint ids and upstream headers are checked when written through the admin API; a bad
 * endpoint that got into the store some other way never leaks its header values, to the client
 * or to the log; operator- and client-supplied text in log lines is escaped.
 */
class EndpointValidationTest {
    private static final String TOKEN = "t0ken-for-validation-tests-0123456789";
    /** A header value as pasted from a dashboard, with its trailing newline. */
    private static final String SECRET = "sk-live-4f9c2b7e1d";
    private static RelayHarness harness;

    private final ListAppender<ILoggingEvent> captured = new ListAppender<>();
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);

    @BeforeAll
    static void startRelay() throws Exception {
        harness = RelayHarness.withOperations(Map.of("relay.admin.token", TOKEN));
    }

    @AfterAll
    static void stopRelay() throws Exception {
        harness.close();
    }

    @BeforeEach
    void capture() {
        harness.store.list().stream().map(Endpoint::id).filter(id -> !id.equals("e1")).forEach(harness.store::remove);
        captured.start();
        root.addAppender(captured);
    }

    @AfterEach
    void release() {
        root.detachAppender(captured);
    }

    private static HttpResponse<String> call(String method, String path, String body) throws Exception {
        return TestHttp.send(harness.admin(path), method, body, TOKEN);
    }

    /** Every captured line as an operator would read it: message, key-values and stack traces. */
    private List<String> logText() {
        List<String> out = new ArrayList<>();
        for (ILoggingEvent e : List.copyOf(captured.list)) {
            out.add(e.getFormattedMessage());
            if (e.getKeyValuePairs() != null) {
                e.getKeyValuePairs().forEach(kv -> out.add(String.valueOf(kv.value)));
            }
            for (IThrowableProxy t = e.getThrowableProxy(); t != null; t = t.getCause()) {
                out.add(t.getClassName() + ": " + t.getMessage());
                for (IThrowableProxy s : t.getSuppressed()) {
                    out.add(s.getClassName() + ": " + s.getMessage());
                }
            }
        }
        return out;
    }

    private void assertNoLogLineContains(String text) {
        List<String> leaking = logText().stream().filter(l -> l != null && l.contains(text)).toList();
        assertTrue(leaking.isEmpty(), "log lines leak '" + text + "': " + leaking);
    }

    private static String endpointJson(String id, String headersJson) {
        return "{\"id\":" + Json.MAPPER.valueToTree(id) + ",\"destinationUrl\":\"" + harness.upstream.uri() + "\""
                + (headersJson == null ? "" : ",\"upstreamHeaders\":" + headersJson) + "}";
    }

    private static Endpoint withHeaders(String id, Map<String, String> headers) {
        Instant now = Instant.now();
        return new Endpoint(id, harness.upstream.uri().toString(), EndpointStatus.ACTIVE, List.of(), List.of(), 0,
                headers, now, now);
    }

    @ParameterizedTest(name = "value {0}")
    @ValueSource(strings = {SECRET + "\n", SECRET + "\r\nX-Injected: 1", " " + SECRET, SECRET + "\t", SECRET + "\u0000",
            SECRET + "\u20ac", SECRET + "\u00e9", SECRET + "\u0080"})
    void createRefusesABadHeaderValueNamingTheHeaderButNotTheValue(String value) throws Exception {
        HttpResponse<String> r = call("POST", "/admin/endpoints",
                endpointJson("a1", "{\"X-Api-Key\":" + Json.MAPPER.valueToTree(value) + "}"));
        assertAll(
                () -> assertEquals(400, r.statusCode(), r.body()),
                () -> assertEquals("invalid_endpoint", Json.MAPPER.readTree(r.body()).get("error").asText()),
                () -> assertTrue(r.body().contains("X-Api-Key"), r.body()),
                () -> assertFalse(r.body().contains(SECRET), r.body()),
                () -> assertTrue(harness.store.lookup("a1").isEmpty(), "nothing stored"));
        assertNoLogLineContains(SECRET);
    }

    @ParameterizedTest(name = "name {0}")
    @ValueSource(strings = {"Host", "connection", "Upgrade", "Sec-WebSocket-Key", "sec-websocket-protocol",
            "Sec-WebSocket-Extensions", "Content-Length", "Transfer-Encoding", "Keep-Alive", "TE", "Proxy-Connection"})
    void createRefusesHopByHopAndHandshakeHeaders(String name) throws Exception {
        HttpResponse<String> r = call("POST", "/admin/endpoints",
                endpointJson("a1", "{\"" + name + "\":\"" + SECRET + "\"}"));
        assertAll(
                () -> assertEquals(400, r.statusCode(), r.body()),
                () -> assertTrue(r.body().contains(name), r.body()),
                () -> assertFalse(r.body().contains(SECRET), r.body()));
    }

    @ParameterizedTest(name = "name {0}")
    @ValueSource(strings = {"X Api Key", "X-Api-Key:", "", "X-Api-Key\n", "Ключ", "(x)"})
    void createRefusesHeaderNamesThatAreNotTokens(String name) throws Exception {
        HttpResponse<String> r = call("POST", "/admin/endpoints",
                endpointJson("a1", "{" + Json.MAPPER.valueToTree(name) + ":\"" + SECRET + "\"}"));
        assertAll(
                () -> assertEquals(400, r.statusCode(), r.body()),
                () -> assertTrue(r.body().contains("upstreamHeaders"), r.body()),
                () -> assertFalse(r.body().contains(SECRET), r.body()));
    }

    @Test
    void aPastedNameAndValueKeepsTheValueOutOfTheAnswer() throws Exception {
        HttpResponse<String> r = call("POST", "/admin/endpoints",
                endpointJson("a1", "{\"X-Api-Key: " + SECRET + "\":\"x\"}"));
        assertEquals(400, r.statusCode(), r.body());
        assertFalse(r.body().contains(SECRET), r.body());
        assertTrue(r.body().contains("X-Api-Key"), r.body());
    }

    @Test
    void goodHeadersAreAccepted() throws Exception {
        HttpResponse<String> r = call("POST", "/admin/endpoints",
                endpointJson("a1", "{\"X-Api-Key\":\"" + SECRET + "\",\"Authorization\":\"Bearer a b\",\"X-Empty\":\"\","
                        + "\"X-Ascii\":\"~!\\t#\"}"));
        assertEquals(201, r.statusCode(), r.body());
    }

    @Test
    void patchRefusesABadHeaderValueAndKeepsTheOldOne() throws Exception {
        assertEquals(201, call("POST", "/admin/endpoints", endpointJson("a1", "{\"X-Api-Key\":\"old\"}")).statusCode());
        HttpResponse<String> r = call("PATCH", "/admin/endpoints/a1",
                "{\"upstreamHeaders\":{\"X-Api-Key\":\"" + SECRET + "\\n\"}}");
        assertEquals(400, r.statusCode(), r.body());
        assertFalse(r.body().contains(SECRET), r.body());
        assertEquals(Map.of("X-Api-Key", "old"), harness.store.lookup("a1").orElseThrow().upstreamHeaders());
        assertNoLogLineContains(SECRET);
    }

    @ParameterizedTest(name = "header {0}")
    @ValueSource(strings = {"X-Api-Key", "X Api Key", "Sec-WebSocket-Key", "Host"})
    void aBadHeaderWrittenPastTheChecksNeverReachesTheClientOrTheLog(String name) throws Exception {
        harness.store.insert(withHeaders("bad", Map.of(name, SECRET + "\n")));
        try (RawClient c = RawClient.connect(harness.relay.port())) {
            RawClient.Response r = c.upgrade("/ws-proxy/echo?endpointId=bad", Map.of());
            assertAll(
                    () -> assertEquals(502, r.status(), r.head() + r.body()),
                    () -> assertFalse(r.body().contains(SECRET), r.body()),
                    () -> assertFalse(r.body().contains("invalid header"), "no JDK text: " + r.body()));
        }
        await().atMost(Timeouts.MESSAGE).until(() -> logText().stream().anyMatch(l -> l.contains("upgrade refused")));
        assertNoLogLineContains(SECRET);
    }

    @ParameterizedTest(name = "id {0}")
    @ValueSource(strings = {"a/b", "a b", "a\nb", "a%2Fb", "a?b", "a#b", "é", "a&endpointId=b",
            "0123456789012345678901234567890123456789012345678901234567890123456789"})
    void createRefusesIdsOutsideTheSyntax(String id) throws Exception {
        HttpResponse<String> r = call("POST", "/admin/endpoints", endpointJson(id, null));
        assertEquals(400, r.statusCode(), r.body());
        assertTrue(r.body().contains("id"), r.body());
        assertTrue(harness.store.list().stream().noneMatch(e -> e.id().equals(id)));
    }

    @ParameterizedTest(name = "id {0}")
    @ValueSource(strings = {"a", "A-Z_a.z~0-9", "0123456789012345678901234567890123456789012345678901234567890123"})
    void createAcceptsIdsInTheSyntax(String id) throws Exception {
        assertEquals(201, call("POST", "/admin/endpoints", endpointJson(id, null)).statusCode());
    }

    @ParameterizedTest(name = "path {1}")
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {"a/b|a%2Fb", "a b|a%20b", "50%|50%25", "a?b|a%3Fb"})
    void anOddIdWrittenPastTheChecksCanStillBeReadAndDeleted(String id, String encoded) throws Exception {
        harness.store.insert(withHeaders(id, Map.of()));
        HttpResponse<String> got = call("GET", "/admin/endpoints/" + encoded, null);
        assertEquals(200, got.statusCode(), got.body());
        assertEquals(id, Json.MAPPER.readTree(got.body()).get("id").asText());
        HttpResponse<String> deleted = call("DELETE", "/admin/endpoints/" + encoded, null);
        assertEquals(204, deleted.statusCode(), deleted.body());
        assertTrue(harness.store.lookup(id).isEmpty());
        harness.store.insert(withHeaders(id, Map.of()));
        assertEquals(204, call("DELETE", "/admin/endpoints?id=" + encoded, null).statusCode());
        assertTrue(harness.store.lookup(id).isEmpty());
    }

    @Test
    void anIdWithALineBreakIsEscapedInEveryLogLine() throws Exception {
        String id = "x\nFORGED session opened";
        harness.store.insert(withHeaders(id, Map.of()));
        try (TestClient client = TestClient.open(harness.uri("/echo?endpointId=x%0AFORGED%20session%20opened"))) {
            client.sendText("hi");
            client.nextMessage(Timeouts.MESSAGE);
        }
        await().atMost(Timeouts.MESSAGE).until(() -> logText().stream().anyMatch(l -> l.startsWith("session closed")));
        assertEquals(204, call("DELETE", "/admin/endpoints?id=x%0AFORGED%20session%20opened", null).statusCode());
        List<String> forged = captured.list.stream().map(ILoggingEvent::getFormattedMessage)
                .filter(l -> l.contains("\n")).toList();
        assertTrue(forged.isEmpty(), "lines with a raw line break: " + forged);
        List<String> kv = captured.list.stream().filter(e -> e.getKeyValuePairs() != null)
                .flatMap(e -> e.getKeyValuePairs().stream()).map(p -> String.valueOf(p.value))
                .filter(v -> v.contains("\n")).toList();
        assertTrue(kv.isEmpty(), "key-values with a raw line break: " + kv);
    }

    @Test
    void aDestinationWithUserInformationIsRefusedWithoutEchoingThePassword() throws Exception {
        String body = "{\"id\":\"a1\",\"destinationUrl\":\"wss://user:UrlPwEp12@example.com/\"}";
        HttpResponse<String> created = call("POST", "/admin/endpoints", body);
        assertEquals(201, call("POST", "/admin/endpoints", endpointJson("a2", null)).statusCode());
        HttpResponse<String> patched = call("PATCH", "/admin/endpoints/a2",
                "{\"destinationUrl\":\"wss://user:UrlPwEp12@example.com/\"}");
        for (HttpResponse<String> r : List.of(created, patched)) {
            assertAll(
                    () -> assertEquals(400, r.statusCode(), r.body()),
                    () -> assertEquals("invalid_endpoint", Json.MAPPER.readTree(r.body()).get("error").asText()),
                    () -> assertTrue(r.body().contains("destinationUrl must not carry user information"), r.body()),
                    () -> assertFalse(r.body().contains("UrlPwEp12"), r.body()));
        }
        assertTrue(harness.store.lookup("a1").isEmpty(), "nothing stored");
        assertEquals(harness.upstream.uri().toString(), harness.store.lookup("a2").orElseThrow().destinationUrl());
        assertNoLogLineContains("UrlPwEp12");
    }

    @Test
    void aStoredDestinationWithUserInformationIsShownMasked() throws Exception {
        Instant now = Instant.now();
        Endpoint stored = new Endpoint("old", "wss://user:UrlPwEp12@example.com/", EndpointStatus.ACTIVE, List.of(),
                List.of(), 0, Map.of(), now, now);
        harness.store.insert(stored);
        HttpResponse<String> got = call("GET", "/admin/endpoints/old", null);
        HttpResponse<String> list = call("GET", "/admin/endpoints", null);
        assertAll(
                () -> assertEquals("wss://user:***@example.com/", Json.MAPPER.readTree(got.body()).get("destinationUrl").asText()),
                () -> assertFalse(list.body().contains("UrlPwEp12"), list.body()),
                () -> assertFalse(stored.toString().contains("UrlPwEp12"), stored.toString()),
                () -> assertTrue(stored.toString().contains("destination=wss://user:***@example.com/"), stored.toString()));
    }

    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
            "upstreamOrigin|\"https://a.example\\r\\nX-Injected: 1\"",
            "upstreamOrigin|\"not an origin\"",
            "allowedOrigins|[\"app.example\"]",
            "allowedOrigins|[\"https://app.example/x\"]",
            "allowedHosts|[\"http://x.example/\"]",
            "allowedHosts|[\"x.example:99999\"]",
            "destinationUrl|\"ws://127.0.0.1:99999/\"",
            "destinationUrl|\"ws://127.0.0.1:0/\""})
    void fieldsThatCanNeverWorkAreRefusedOnCreateAndPatch(String field, String json) throws Exception {
        String destination = field.equals("destinationUrl") ? "" : ",\"destinationUrl\":\"" + harness.upstream.uri() + "\"";
        HttpResponse<String> created = call("POST", "/admin/endpoints",
                "{\"id\":\"a1\"" + destination + ",\"" + field + "\":" + json + "}");
        assertEquals(201, call("POST", "/admin/endpoints", endpointJson("a2", null)).statusCode());
        HttpResponse<String> patched = call("PATCH", "/admin/endpoints/a2", "{\"" + field + "\":" + json + "}");
        for (HttpResponse<String> r : List.of(created, patched)) {
            assertAll(
                    () -> assertEquals(400, r.statusCode(), r.body()),
                    () -> assertEquals("invalid_endpoint", Json.MAPPER.readTree(r.body()).get("error").asText()),
                    () -> assertTrue(Json.MAPPER.readTree(r.body()).get("detail").asText().startsWith(field), r.body()));
        }
        assertTrue(harness.store.lookup("a1").isEmpty(), "nothing stored");
    }
}
