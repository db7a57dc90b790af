package io.wsrelay.relay;

import io.wsrelay.relay.policy.DestinationGuard;
import io.wsrelay.relay.policy.HeaderPolicy;
import io.wsrelay.relay.spi.Endpoint;
import io.wsrelay.relay.spi.EndpointStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Origin allow-list, destination guard and header policy through a running relay. */
public class RelaySecurityTest {
    private static final Map<String, String> GUARDED = Map.of("relay.upstream.allow-private-addresses", "false");

    // --- Origin -------------------------------------------------------------------------------

    @Test
    void refusesCrossOriginPageWith403BeforeContactingUpstream() throws Exception {
        try (RelayHarness h = RelayHarness.start()) {
            RawClient.Response r = upgrade(h, "/echo?endpointId=e1", Map.of("Origin", "https://evil.example"));
            assertAll(() -> assertEquals(403, r.status()),
                    () -> assertTrue(r.body().contains("\"origin_not_allowed\""), r.body()),
                    () -> assertEquals(0, h.upstream.handshakes().size(), "the upstream was never contacted"));
        }
    }

    @Test
    void allowsOriginOnTheRelayWideList() throws Exception {
        try (RelayHarness h = RelayHarness.start(Map.of("relay.origins.allowed", "https://app.example.com,https://*.other.example"))) {
            assertEquals(101, upgrade(h, "/echo?endpointId=e1", Map.of("Origin", "https://app.example.com")).status());
            assertEquals(101, upgrade(h, "/echo?endpointId=e1", Map.of("Origin", "https://x.other.example")).status());
            assertEquals(403, upgrade(h, "/echo?endpointId=e1", Map.of("Origin", "https://other.example")).status());
        }
    }

    @Test
    void endpointOriginsReplaceTheRelayWideList() throws Exception {
        try (RelayHarness h = RelayHarness.start(Map.of("relay.origins.allowed", "https://app.example.com"))) {
            h.store.insert(endpoint("own", h.upstream.uri().toString(), List.of(), List.of("https://own.example"), Map.of(), ""));
            assertEquals(101, upgrade(h, "/echo?endpointId=own", Map.of("Origin", "https://own.example")).status());
            assertEquals(403, upgrade(h, "/echo?endpointId=own", Map.of("Origin", "https://app.example.com")).status());
        }
    }

    @Test
    void allowsPagesFromTheRelaysOwnOrigin() throws Exception {
        try (RelayHarness h = RelayHarness.start()) {
            String self = "http://127.0.0.1:" + h.relay.port();
            assertEquals(101, upgrade(h, "/echo?endpointId=e1", Map.of("Origin", self)).status());
        }
    }

    @Test
    void refusesClientsWithoutOriginWhenTheOperatorSaysSo() throws Exception {
        try (RelayHarness h = RelayHarness.start(Map.of("relay.origins.allow-missing", "false"))) {
            assertEquals(403, upgrade(h, "/echo?endpointId=e1", Map.of()).status());
        }
    }

    // --- Destination guard ----------------------------------------------------------------------

    @Test
    void refusesLoopbackUpstreamByDefaultWithoutConnecting() throws Exception {
        try (RelayHarness h = RelayHarness.start(GUARDED)) {
            RawClient.Response r = upgrade(h, "/echo?endpointId=e1", Map.of());
            assertAll(() -> assertEquals(403, r.status()),
                    () -> assertTrue(r.body().contains("destination_not_allowed"), r.body()),
                    () -> assertEquals(0, h.upstream.handshakes().size(), "the upstream was never contacted"));
        }
    }

    @ParameterizedTest(name = "{0} is refused with 403")
    @ValueSource(strings = {"ws://localhost:1", "ws://[::1]:1", "ws://[::ffff:127.0.0.1]:1", "ws://169.254.169.254",
            "wss://10.0.0.1", "ws://192.168.0.1:80", "ws://[fe80::1]:80", "ws://0.0.0.0:1", "ws://[fd00:ec2::254]"})
    void refusesPrivateLoopbackLinkLocalAndMetadataDestinations(String destination) throws Exception {
        try (RelayHarness h = RelayHarness.start(GUARDED)) {
            h.store.insert(Endpoint.of("internal", destination));
            long start = System.nanoTime();
            assertEquals(403, upgrade(h, "/x?endpointId=internal", Map.of()).status());
            // Refused before any connect: far quicker than the connect timeout of an unroutable address.
            assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(Duration.ofSeconds(5)) < 0);
        }
    }

    @Test
    void keepsCloudMetadataClosedEvenWhenPrivateAddressesAreAllowed() throws Exception {
        try (RelayHarness h = RelayHarness.start()) {
            h.store.insert(Endpoint.of("meta", "ws://169.254.169.254/latest/meta-data"));
            assertEquals(403, upgrade(h, "/x?endpointId=meta", Map.of()).status());
        }
    }

    @Test
    void allowedNetworksOpenAnOtherwiseRefusedUpstream() throws Exception {
        try (RelayHarness h = RelayHarness.start(Map.of("relay.upstream.allow-private-addresses", "false",
                "relay.upstream.allowed-networks", "127.0.0.1/32"))) {
            try (TestClient client = TestClient.open(h.uri("/echo?endpointId=e1"))) {
                client.sendText("through");
                assertEquals("through", client.nextMessage(Timeouts.MESSAGE).text());
            }
        }
    }

    @Test
    void refusesHostNotOnTheEndpointsList() throws Exception {
        try (RelayHarness h = RelayHarness.start()) {
            RawClient.Response r = upgrade(h, "/x?endpointId=e1&endpointHost=internal.example:80", Map.of());
            assertEquals(403, r.status());
            assertTrue(r.body().contains("host_not_allowed"), r.body());
        }
    }

    @Test
    void refusesAnAllowedHostWhoseAddressIsPrivate() throws Exception {
        try (RelayHarness h = RelayHarness.start(GUARDED)) {
            h.store.insert(endpoint("pub", "ws://93.184.216.34", List.of("10.0.0.1:80"), List.of(), Map.of(), ""));
            RawClient.Response r = upgrade(h, "/x?endpointId=pub&endpointHost=10.0.0.1:80", Map.of());
            assertEquals(403, r.status());
            assertTrue(r.body().contains("destination_not_allowed"), r.body());
        }
    }

    @Test
    void refusesDestinationsThatAreNotWebSockets() throws Exception {
        try (RelayHarness h = RelayHarness.start()) {
            h.store.insert(Endpoint.of("ftp", "ftp://files.example/x"));
            assertEquals(502, upgrade(h, "/x?endpointId=ftp", Map.of()).status());
            h.store.insert(endpoint("multi", h.upstream.uri().toString(), List.of("127.0.0.1:1"), List.of(), Map.of(), ""));
            assertEquals(400, upgrade(h, "/x?endpointId=multi&endpointHost=127.0.0.1:1&endpointScheme=gopher", Map.of()).status());
        }
    }

    /**
     * The connect itself is guarded, not only the check before it: a host name resolved at
     * connect time to a refused address is never connected, as after a DNS rebinding. The
     * machine's own host name (never looked up before in this JVM) resolves to loopback here.
     */
    @Test
    void guardsTheAddressTheJdkClientResolvesAtConnectTime() throws Exception {
        String hostname = Files.readString(Path.of("/etc/hostname")).strip();
        // Machines of this project map their host name to 127.0.0.1 in /etc/hosts; fail, not skip, if not.
        assertTrue(Files.readAllLines(Path.of("/etc/hosts")).stream()
                        .anyMatch(l -> l.startsWith("127.") && List.of(l.split("\\s+")).contains(hostname)),
                "this test needs the host name " + hostname + " mapped to loopback in /etc/hosts");
        try (TestUpstream upstream = TestUpstream.start();
             UpstreamConnector connector = new UpstreamConnector(Duration.ofSeconds(5), 1,
                     new DestinationGuard(false, List.of()))) {
            URI uri = URI.create("ws://" + hostname + ":" + upstream.uri().getPort() + "/echo");
            UpgradeRejectedException e = assertThrows(UpgradeRejectedException.class, () -> connector.connect(uri,
                    List.of(), Map.of(), "", new WebSocket.Listener() { }));
            assertEquals(403, e.status(), e.getMessage());
            assertNull(upstream.handshakes().poll(100, TimeUnit.MILLISECONDS), "never connected");
        }
    }

    // --- Headers --------------------------------------------------------------------------------

    @Test
    void forwardsOnlyTheAllowedClientHeadersAndNamesTheClient() throws Exception {
        try (RelayHarness h = RelayHarness.start()) {
            RawClient.Response r = upgrade(h, "/echo?endpointId=e1", Map.of(
                    "User-Agent", "Browser/1.0", "Accept-Language", "fr-CH, fr;q=0.9", "Cookie", "session=secret",
                    "Authorization", "Bearer secret", "X-Wsrelay-Admin-Token", "secret", "X-Forwarded-For", "6.6.6.6",
                    "X-Other", "x"));
            assertEquals(101, r.status());
            Map<String, List<String>> seen = nextHandshake(h).headers();
            assertAll(
                    () -> assertEquals(List.of("Browser/1.0"), seen.get("user-agent")),
                    () -> assertEquals(List.of("fr-CH, fr;q=0.9"), seen.get("accept-language")),
                    () -> assertNull(seen.get("cookie")),
                    () -> assertNull(seen.get("authorization")),
                    () -> assertNull(seen.get("x-wsrelay-admin-token")),
                    () -> assertNull(seen.get("x-other")),
                    () -> assertEquals(List.of("127.0.0.1"), seen.get("x-forwarded-for"), "a client's own chain is not believed"),
                    () -> assertEquals(List.of("for=127.0.0.1;proto=http;host=\"127.0.0.1:" + h.relay.port() + "\""),
                            seen.get("forwarded")),
                    () -> assertEquals(List.of("http://127.0.0.1:" + h.upstream.uri().getPort()), seen.get("origin"),
                            "by default the origin of the endpoint's destination"));
        }
    }

    @Test
    void addsEndpointHeadersUpstreamAndNeverShowsThemToTheClient() throws Exception {
        try (RelayHarness h = RelayHarness.start()) {
            h.store.insert(endpoint("keyed", h.upstream.uri().toString(), List.of(), List.of(),
                    Map.of("X-Api-Key", "k-123", "User-Agent", "relay-ua"), ""));
            RawClient.Response r = upgrade(h, "/echo?endpointId=keyed", Map.of("User-Agent", "Browser/1.0"));
            Map<String, List<String>> seen = nextHandshake(h).headers();
            assertAll(
                    () -> assertEquals(List.of("k-123"), seen.get("x-api-key")),
                    () -> assertEquals(List.of("relay-ua"), seen.get("user-agent"), "the endpoint's headers win"),
                    () -> assertTrue(!r.head().contains("k-123"), r.head()));
        }
    }

    @ParameterizedTest(name = "rule \"{0}\"")
    @ValueSource(strings = {"client", "none", "https://fixed.example"})
    void sendsTheOriginTheEndpointsRuleNames(String rule) throws Exception {
        try (RelayHarness h = RelayHarness.start(Map.of("relay.origins.allowed", "https://page.example"))) {
            h.store.insert(endpoint("o", h.upstream.uri().toString(), List.of(), List.of(), Map.of(), rule));
            upgrade(h, "/echo?endpointId=o", Map.of("Origin", "https://page.example"));
            List<String> origin = nextHandshake(h).headers().get("origin");
            List<String> expected = switch (rule) {
                case "client" -> List.of("https://page.example");
                case "none" -> null;
                default -> List.of(rule);
            };
            assertEquals(expected, origin);
        }
    }

    @Test
    void behindATrustedProxyKeepsItsChainAndCountsTheRealClient() throws Exception {
        try (RelayHarness h = RelayHarness.start(Map.of("relay.headers.trust-forwarded", "true",
                "relay.limits.max-sessions-per-client", "1"))) {
            try (RawClient first = RawClient.connect(h.relay.port())) {
                assertEquals(101, first.upgrade("/ws-proxy/echo?endpointId=e1", Map.of("X-Forwarded-For", "203.0.113.7")).status());
                assertEquals(List.of("203.0.113.7, 127.0.0.1"), nextHandshake(h).headers().get("x-forwarded-for"));
                assertEquals(101, upgrade(h, "/echo?endpointId=e1", Map.of("X-Forwarded-For", "203.0.113.8")).status(),
                        "another client behind the same proxy has its own limit");
                assertEquals(429, upgrade(h, "/echo?endpointId=e1", Map.of("X-Forwarded-For", "203.0.113.7")).status());
            }
        }
    }

    @Test
    void refusesConfigurationThatForwardsCredentials() {
        for (String header : List.of("Cookie", "authorization", "X-Wsrelay-Admin-Token", "Host", "Sec-WebSocket-Key")) {
            assertThrows(IllegalArgumentException.class, () -> new HeaderPolicy(List.of(header), true, false), header);
        }
    }

    // --- helpers --------------------------------------------------------------------------------

    static RawClient.Response upgrade(RelayHarness h, String pathQuery, Map<String, String> headers) throws Exception {
        try (RawClient c = RawClient.connect(h.relay.port())) {
            return c.upgrade("/ws-proxy" + pathQuery, headers);
        }
    }

    private static TestUpstream.Handshake nextHandshake(RelayHarness h) throws InterruptedException {
        TestUpstream.Handshake seen = h.upstream.handshakes().poll(Timeouts.MESSAGE.toSeconds(), TimeUnit.SECONDS);
        if (seen == null) {
            throw new AssertionError("the upstream saw no handshake");
        }
        return seen;
    }

    static Endpoint endpoint(String id, String url, List<String> hosts, List<String> origins, Map<String, String> headers,
                             String upstreamOrigin) {
        Instant now = Instant.now();
        return new Endpoint(id, url, EndpointStatus.ACTIVE, hosts, origins, 0, headers, upstreamOrigin, "", now, now);
    }
}
