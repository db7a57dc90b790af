package io.wsrelay.relay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Opening handshakes that a hostile or careless client shapes by hand (raw sockets, so every
 * header byte is the test's): a compression offer, a malformed subprotocol list, a forged
 * {@code Host} for the same-origin rule, non-ASCII header bytes, a page's own relay-named
 * query parameters.
 */
class HandshakeDefectsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static RelayHarness harness;

    @BeforeAll
    static void startRelay() throws Exception {
        harness = RelayHarness.withOperations(Map.of());
    }

    @AfterAll
    static void stopRelay() throws Exception {
        harness.close();
    }

    @BeforeEach
    void forgetHandshakes() {
        harness.upstream.handshakes().clear();
    }

    /** Writes an opening handshake whose every header (Host included) is {@code headers}, bytes as given. */
    private static RawClient.Response handshake(RawClient c, String pathQuery, Map<String, byte[]> headers)
            throws Exception {
        byte[] key = new byte[16];
        ThreadLocalRandom.current().nextBytes(key);
        ByteArrayOutputStream req = new ByteArrayOutputStream();
        req.writeBytes(("GET /ws-proxy" + pathQuery + " HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: " + Base64.getEncoder().encodeToString(key) + "\r\n"
                + "Sec-WebSocket-Version: 13\r\n").getBytes(StandardCharsets.US_ASCII));
        for (Map.Entry<String, byte[]> h : headers.entrySet()) {
            req.writeBytes((h.getKey() + ": ").getBytes(StandardCharsets.US_ASCII));
            req.writeBytes(h.getValue());
            req.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        req.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        c.write(req.toByteArray());
        return c.readResponse();
    }

    private static Map<String, byte[]> headers(String... nameValue) {
        Map<String, byte[]> m = new LinkedHashMap<>();
        m.put("Host", ("127.0.0.1:" + harness.relay.port()).getBytes(StandardCharsets.US_ASCII));
        for (int i = 0; i < nameValue.length; i += 2) {
            m.put(nameValue[i], nameValue[i + 1].getBytes(StandardCharsets.UTF_8));
        }
        return m;
    }

    @Test
    void permessageDeflateOfferedByTheClientIsNotAccepted() throws Exception {
        try (RawClient c = RawClient.connect(harness.relay.port())) {
            RawClient.Response r = handshake(c, "/echo?endpointId=e1", headers(
                    "Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits, x-webkit-deflate-frame"));
            assertEquals(101, r.status(), r.head());
            assertNull(r.header("Sec-WebSocket-Extensions"), "no extension in the 101: " + r.head());
            // Uncompressed frames flow; a frame with RSV1 set would now be a protocol error.
            c.sendFrame(RawClient.TEXT, "plain".getBytes(StandardCharsets.UTF_8));
            RawClient.Frame echo = c.readFrame();
            assertEquals(RawClient.TEXT, echo.opcode());
            assertEquals("plain", new String(echo.payload(), StandardCharsets.UTF_8));
            c.sendClose(CloseCodes.NORMAL);
        }
        TestUpstream.Handshake up = harness.upstream.handshakes().poll(Timeouts.MESSAGE.toSeconds(), TimeUnit.SECONDS);
        assertNotNull(up);
        assertNull(up.headers().get("sec-websocket-extensions"), "the JDK client offers none upstream either");
    }

    @Test
    void malformedSubprotocolOfferIsTheClientsError() throws Exception {
        Scrape before = Scrape.from(harness.admin("/metrics"));
        for (String offer : List.of("chat, a b", "chat, chat", "ch@t", "a\tb")) {
            try (RawClient c = RawClient.connect(harness.relay.port())) {
                RawClient.Response r = handshake(c, "/echo?endpointId=e1", headers("Sec-WebSocket-Protocol", offer));
                JsonNode body = JSON.readTree(r.body());
                assertAll(offer,
                        () -> assertEquals(400, r.status(), r.head() + r.body()),
                        () -> assertEquals("bad_subprotocol", body.path("error").asText()),
                        () -> assertFalse(r.body().contains("Exception") || r.body().contains("java."), r.body()));
            }
        }
        assertNull(harness.upstream.handshakes().poll(), "no upstream contact");
        Scrape after = Scrape.from(harness.admin("/metrics"));
        assertEquals(before.value("wsrelay_upstream_connect_seconds_count", "outcome=failed"),
                after.value("wsrelay_upstream_connect_seconds_count", "outcome=failed"),
                "not counted as an upstream failure");
    }

    @Test
    void validSubprotocolListsStillPass() throws Exception {
        try (RawClient c = RawClient.connect(harness.relay.port())) {
            RawClient.Response r = handshake(c, "/echo?endpointId=e1&pick=b", headers("Sec-WebSocket-Protocol", "a,b , c"));
            assertEquals(101, r.status(), r.head());
            assertEquals("b", r.header("Sec-WebSocket-Protocol"));
        }
    }

    @Test
    void sameOriginRuleDoesNotTrustAHostHeaderTheClientChose() throws Exception {
        try (RawClient c = RawClient.connect(harness.relay.port())) {
            Map<String, byte[]> h = headers("Origin", "http://evil.example");
            h.put("Host", "evil.example".getBytes(StandardCharsets.US_ASCII));
            RawClient.Response r = handshake(c, "/echo?endpointId=e1", h);
            assertEquals(403, r.status(), "DNS rebinding: the page's own name in Host is no proof: " + r.head());
            assertEquals("origin_not_allowed", JSON.readTree(r.body()).path("error").asText());
        }
        try (RawClient c = RawClient.connect(harness.relay.port())) {
            String self = "127.0.0.1:" + harness.relay.port();
            RawClient.Response r = handshake(c, "/echo?endpointId=e1", headers("Origin", "http://" + self));
            assertEquals(101, r.status(), "a page served from the relay's address itself: " + r.head());
        }
    }

    @Test
    void nonAsciiUserAgentIsNeverMangledUpstream() throws Exception {
        String agent = "Mozilla/5.0 (X11; Linux) Größe-App/1.0 日本";
        try (RawClient c = RawClient.connect(harness.relay.port())) {
            RawClient.Response r = handshake(c, "/echo?endpointId=e1", headers("User-Agent", agent,
                    "Accept-Language", "de-DE"));
            assertEquals(101, r.status(), r.head());
        }
        TestUpstream.Handshake up = harness.upstream.handshakes().poll(Timeouts.MESSAGE.toSeconds(), TimeUnit.SECONDS);
        assertNotNull(up);
        List<String> seen = up.headers().get("user-agent");
        // The JDK client writes header values as ASCII; without the client's value it sends its own.
        boolean relaysOwn = seen != null && seen.size() == 1 && seen.getFirst().startsWith("Java-http-client/");
        assertTrue(relaysOwn || seen.equals(List.of(agent)) || seen.equals(List.of(latin1(agent))),
                "the upstream gets the client's bytes or none of them, never a corrupted copy: " + seen);
        assertEquals(List.of("de-DE"), up.headers().get("accept-language"), "the other forwarded header still goes");
    }

    @Test
    void asciiUserAgentStillGoesUpstream() throws Exception {
        try (RawClient c = RawClient.connect(harness.relay.port())) {
            assertEquals(101, handshake(c, "/echo?endpointId=e1", headers("User-Agent", "curl/8.5.0")).status());
        }
        TestUpstream.Handshake up = harness.upstream.handshakes().poll(Timeouts.MESSAGE.toSeconds(), TimeUnit.SECONDS);
        assertNotNull(up);
        assertEquals(List.of("curl/8.5.0"), up.headers().get("user-agent"));
    }

    /** {@code text}'s UTF-8 bytes read as ISO-8859-1 (one char per byte), as HTTP's obs-text historically was. */
    private static String latin1(String text) {
        return new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
    }

    @Test
    void pagesOwnRelayNamedParametersBeforeTheScriptsGroupGoUpstream() throws Exception {
        for (String page : List.of("endpointScheme=foo", "endpointHost=elsewhere.example", "endpointScheme=wss&x=1",
                "endpointId=theirs&endpointHost=h&endpointScheme=ws")) {
            try (RawClient c = RawClient.connect(harness.relay.port())) {
                RawClient.Response r = handshake(c, "/echo?" + page + "&endpointId=e1", headers());
                assertEquals(101, r.status(), page + ": " + r.head() + r.body());
            }
            TestUpstream.Handshake up = harness.upstream.handshakes().poll(Timeouts.MESSAGE.toSeconds(), TimeUnit.SECONDS);
            assertNotNull(up, page);
            assertEquals("/echo?" + page, up.pathQuery(), "the page's query reaches the upstream byte for byte");
        }
    }
}
