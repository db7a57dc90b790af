package io.wsrelay.relay;

import io.wsrelay.relay.config.RelayConfig;
import io.wsrelay.relay.spi.Endpoint;
import io.wsrelay.relay.spi.EndpointStatus;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.wsrelay.relay.RelaySecurityTest.upgrade;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every limit: its documented default, and what a client or upstream over it gets. */
class RelayLimitsTest {

    @Test
    void defaultsAreTheDocumentedOnes() {
        RelayConfig c = RelayConfig.defaults();
        RelayConfig.Limits l = c.limits();
        RelayConfig.Security s = c.security();
        assertAll(
                () -> assertEquals(10_000, l.maxSessions()),
                () -> assertEquals(64L << 20, l.maxMessageBytes()),
                () -> assertEquals(16 << 20, l.maxFrameBytes()),
                () -> assertEquals(100, l.maxSessionsPerClient()),
                () -> assertEquals(0, l.maxSessionsPerEndpoint()),
                () -> assertEquals(600, l.upgradesPerMinutePerClient()),
                () -> assertEquals(8 << 10, l.maxRequestHeaderBytes()),
                () -> assertEquals(Duration.ofSeconds(10), c.connectTimeout()),
                () -> assertEquals(Duration.ofSeconds(10), c.handshakeTimeout()),
                () -> assertEquals(Duration.ofSeconds(120), c.idleTimeout()),
                () -> assertEquals(Duration.ofSeconds(120), c.upstreamIdleTimeout()),
                () -> assertEquals(Duration.ofSeconds(30), c.pingInterval()),
                () -> assertEquals(List.of(), s.allowedOrigins()),
                () -> assertTrue(s.allowMissingOrigin()),
                () -> assertTrue(s.allowSameOrigin()),
                () -> assertEquals(false, s.allowPrivateAddresses()),
                () -> assertEquals(List.of(), s.allowedNetworks()),
                () -> assertEquals(List.of("User-Agent", "Accept-Language"), s.forwardHeaders()),
                () -> assertTrue(s.addForwarded()),
                () -> assertEquals(false, s.trustForwarded()),
                () -> assertEquals(false, s.tls().isEnabled()));
    }

    @Test
    void listSettingsComeFromTheEnvironmentAsCommaSeparatedValues() {
        RelayConfig c = RelayConfig.load(Map.of(), Map.of("WSRELAY_ORIGINS_ALLOWED", "https://a.example, https://b.example",
                "WSRELAY_UPSTREAM_ALLOW_PRIVATE_ADDRESSES", "true"), java.util.Optional.empty());
        assertEquals(List.of("https://a.example", "https://b.example"), c.security().allowedOrigins());
        assertTrue(c.security().allowPrivateAddresses());
    }

    @Test
    void clientOverItsSessionLimitGets429UntilOneCloses() throws Exception {
        try (RelayHarness h = RelayHarness.start(Map.of("relay.limits.max-sessions-per-client", "2"))) {
            TestClient a = TestClient.open(h.uri("/echo?endpointId=e1"));
            try (TestClient b = TestClient.open(h.uri("/echo?endpointId=e1"))) {
                RawClient.Response over = upgrade(h, "/echo?endpointId=e1", Map.of());
                assertAll(() -> assertEquals(429, over.status()),
                        () -> assertTrue(over.body().contains("too_many_client_sessions"), over.body()));
                a.sendClose(1000, "");
                a.awaitClose(Timeouts.CLOSE);
                org.awaitility.Awaitility.await().atMost(Timeouts.MESSAGE)
                        .until(() -> upgradeAndClose(h) == 101);
            } finally {
                a.close();
            }
        }
    }

    @Test
    void upgradeRateOverTheLimitGets429WithRetryAfter() throws Exception {
        try (RelayHarness h = RelayHarness.start(Map.of("relay.limits.upgrades-per-minute-per-client", "2"))) {
            assertEquals(101, upgrade(h, "/echo?endpointId=e1", Map.of()).status());
            assertEquals(101, upgrade(h, "/echo?endpointId=e1", Map.of()).status());
            RawClient.Response limited = upgrade(h, "/echo?endpointId=e1", Map.of());
            assertAll(() -> assertEquals(429, limited.status()),
                    () -> assertTrue(limited.body().contains("rate_limited"), limited.body()),
                    () -> assertTrue(Integer.parseInt(limited.header("Retry-After")) >= 1, limited.head()),
                    () -> assertTrue(Integer.parseInt(limited.header("Retry-After")) <= 30, limited.head()));
        }
    }

    @Test
    void endpointOverItsOwnLimitGets503() throws Exception {
        try (RelayHarness h = RelayHarness.start()) {
            Instant now = Instant.now();
            h.store.insert(new Endpoint("one", h.upstream.uri().toString(), EndpointStatus.ACTIVE, List.of(), List.of(), 1,
                    Map.of(), now, now));
            try (TestClient first = TestClient.open(h.uri("/echo?endpointId=one"))) {
                RawClient.Response over = upgrade(h, "/echo?endpointId=one", Map.of());
                assertAll(() -> assertEquals(503, over.status()),
                        () -> assertTrue(over.body().contains("endpoint_at_capacity"), over.body()));
                assertEquals(101, upgrade(h, "/echo?endpointId=e1", Map.of()).status(), "other endpoints unaffected");
            }
        }
    }

    @Test
    void relayWideEndpointLimitAppliesToEndpointsWithoutTheirOwn() throws Exception {
        try (RelayHarness h = RelayHarness.start(Map.of("relay.limits.max-sessions-per-endpoint", "1"));
             TestClient first = TestClient.open(h.uri("/echo?endpointId=e1"))) {
            assertEquals(503, upgrade(h, "/echo?endpointId=e1", Map.of()).status());
        }
    }

    @Test
    void relayAtCapacityGets503() throws Exception {
        try (RelayHarness h = RelayHarness.start(Map.of("relay.limits.max-sessions", "1"));
             TestClient first = TestClient.open(h.uri("/echo?endpointId=e1"))) {
            RawClient.Response over = upgrade(h, "/echo?endpointId=e1", Map.of());
            assertEquals(503, over.status());
            assertTrue(over.body().contains("too_many_sessions"), over.body());
        }
    }

    @Test
    void clientMessageOverTheLimitGets1009AndTheUpstreamIsClosedCleanly() throws Exception {
        try (RelayHarness h = RelayHarness.start(Map.of("relay.limits.max-message-bytes", "1KiB"));
             TestClient client = TestClient.open(h.uri("/echo?endpointId=e1"))) {
            client.sendBinary(new byte[1024]);
            assertEquals(1024, client.nextMessage(Timeouts.MESSAGE).bytes().length, "at the limit passes");
            client.sendBinary(new byte[1025]);
            assertEquals(CloseCodes.MESSAGE_TOO_BIG, client.awaitClose(Timeouts.CLOSE).code());
            assertEquals(CloseCodes.GOING_AWAY, nextClose(h).code());
        }
    }

    /** Text is taken as raw frames (Jetty's text size check does not run): the relay counts its UTF-8 bytes itself. */
    @Test
    void clientTextOverTheLimitInUtf8BytesGets1009() throws Exception {
        try (RelayHarness h = RelayHarness.start(Map.of("relay.limits.max-message-bytes", "1KiB"));
             TestClient client = TestClient.open(h.uri("/echo?endpointId=e1"))) {
            String atLimit = "\u00e9".repeat(512); // 512 chars, 1024 bytes
            client.sendText(atLimit);
            assertEquals(atLimit, client.nextMessage(Timeouts.MESSAGE).text(), "at the limit passes");
            client.sendText("\u00e9".repeat(512) + "x"); // 513 chars, 1025 bytes
            assertEquals(CloseCodes.MESSAGE_TOO_BIG, client.awaitClose(Timeouts.CLOSE).code());
            assertEquals(CloseCodes.GOING_AWAY, nextClose(h).code());
        }
    }

    @Test
    void fragmentedClientTextOverTheLimitGets1009() throws Exception {
        try (RelayHarness h = RelayHarness.start(Map.of("relay.limits.max-message-bytes", "1KiB"));
             RawClient c = RawClient.open(h.relay.port(), "/ws-proxy/echo?endpointId=e1")) {
            c.sendFrame(false, 0, RawClient.TEXT, "a".repeat(600).getBytes(StandardCharsets.UTF_8), true);
            c.sendFrame(true, 0, RawClient.CONTINUATION, "b".repeat(600).getBytes(StandardCharsets.UTF_8), true);
            assertEquals(CloseCodes.MESSAGE_TOO_BIG, c.awaitCloseCode(Timeouts.CLOSE));
            assertEquals(CloseCodes.GOING_AWAY, nextClose(h).code());
        }
    }

    @Test
    void upstreamMessageOverTheLimitClosesTheUpstreamAndTellsTheClient() throws Exception {
        try (RelayHarness h = RelayHarness.start(Map.of("relay.limits.max-message-bytes", "1KiB"));
             TestClient client = TestClient.open(h.uri("/flood?size=2048&count=1&endpointId=e1"))) {
            assertEquals(CloseCodes.BAD_GATEWAY, client.awaitClose(Timeouts.CLOSE).code());
            // 1009 is one of the codes the JDK client cannot send; CloseCodes maps it to 1008.
            assertEquals(CloseCodes.POLICY_VIOLATION, nextClose(h).code());
        }
    }

    @Test
    void framesLargerThanTheFrameLimitAreRelayedIntactInParts() throws Exception {
        try (RelayHarness h = RelayHarness.start(Map.of("relay.limits.max-frame-bytes", "1KiB"));
             TestClient client = TestClient.open(h.uri("/sink?endpointId=e1"))) {
            byte[] payload = TestUpstream.patternBuffer(0, 10_000).array();
            client.sendBinary(payload); // one frame
            assertEquals("binary:10000:" + TestUpstream.sha256(payload), client.nextMessage(Timeouts.MESSAGE).text());
        }
    }

    @Test
    void requestHeadOverTheLimitGets431() throws Exception {
        try (RelayHarness h = RelayHarness.start()) {
            RawClient.Response r = upgrade(h, "/echo?endpointId=e1", Map.of("X-Big", "x".repeat(9000)));
            assertEquals(431, r.status());
            assertEquals(0, h.upstream.handshakes().size());
        }
    }

    @Test
    void upstreamThatNeverAnswersGets504WithinTheConnectTimeout() throws Exception {
        try (RelayHarness h = RelayHarness.start(Map.of("relay.upstream.connect-timeout", "500ms"));
             SilentUpstream silent = new SilentUpstream()) {
            h.store.insert(Endpoint.of("silent", silent.uri().toString()));
            long start = System.nanoTime();
            RawClient.Response r = upgrade(h, "/x?endpointId=silent", Map.of());
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertAll(() -> assertEquals(504, r.status()),
                    () -> assertTrue(millis >= 400 && millis < 3000, millis + " ms"));
        }
    }

    private static int upgradeAndClose(RelayHarness h) throws Exception {
        return upgrade(h, "/echo?endpointId=e1", Map.of()).status();
    }

    private static TestUpstream.Closed nextClose(RelayHarness h) throws InterruptedException {
        TestUpstream.Closed closed = h.upstream.closes().poll(Timeouts.MESSAGE.toMillis(), TimeUnit.MILLISECONDS);
        if (closed == null) {
            throw new AssertionError("the upstream saw no close");
        }
        return closed;
    }
}
