package io.wsrelay.relay;

import io.wsrelay.relay.spi.Endpoint;
import io.wsrelay.relay.spi.EndpointStatus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static io.wsrelay.relay.RelaySecurityTest.upgrade;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** wss:// on both hops: the relay's own listener, and upstream certificate verification and SNI. */
class RelayTlsTest {
    @TempDir
    static Path dir;
    private static TestCertificates.Issued relayCert;
    private static TestCertificates.Issued upstreamCert;
    private static TestUpstream tlsUpstream;
    private static RelayHarness harness;

    @BeforeAll
    static void start() throws Exception {
        relayCert = TestCertificates.selfSigned(dir, "relay", "dns:localhost,ip:127.0.0.1");
        // Only a DNS name: reached as 127.0.0.1, the name does not match.
        upstreamCert = TestCertificates.selfSigned(dir, "localhost", "dns:localhost");
        tlsUpstream = TestUpstream.startTls(upstreamCert.keystore(), TestCertificates.PASSWORD);
        harness = RelayHarness.start();
    }

    @AfterAll
    static void stop() throws Exception {
        harness.close();
        tlsUpstream.close();
    }

    @Test
    void refusesUpstreamWithAnUntrustedCertificateWith502() throws Exception {
        harness.store.insert(Endpoint.of("untrusted", tlsUpstream.uri().toString()));
        RawClient.Response r = upgrade(harness, "/echo?endpointId=untrusted", Map.of());
        assertEquals(502, r.status());
        assertTrue(r.body().contains("upstream_tls"), r.body());
        assertEquals(0, tlsUpstream.handshakes().size(), "no request went over the unverified connection");
    }

    @Test
    void relaysToUpstreamWhoseCaTheEndpointTrustsAndSendsSni() throws Exception {
        harness.store.insert(trusting("trusted", tlsUpstream.uri().toString()));
        try (TestClient client = TestClient.open(harness.uri("/echo?endpointId=trusted"))) {
            client.sendText("over tls");
            assertEquals("over tls", client.nextMessage(Timeouts.MESSAGE).text());
            assertEquals(List.of("localhost"), tlsUpstream.serverNames().poll(Timeouts.MESSAGE.toSeconds(), TimeUnit.SECONDS));
        }
    }

    @Test
    void trustedCaStillRequiresTheHostNameToMatch() throws Exception {
        harness.store.insert(trusting("by-ip", "wss://127.0.0.1:" + tlsUpstream.uri().getPort()));
        RawClient.Response r = upgrade(harness, "/echo?endpointId=by-ip", Map.of());
        assertEquals(502, r.status());
        assertTrue(r.body().contains("upstream_tls"), r.body());
    }

    @Test
    void servesWssWhenAKeystoreIsConfigured() throws Exception {
        try (RelayHarness secure = RelayHarness.start(Map.of("relay.tls.keystore", relayCert.keystore().toString(),
                "relay.tls.keystore-password", TestCertificates.PASSWORD))) {
            HttpClient http = HttpClient.newBuilder().sslContext(UpstreamTrust.sslContext(relayCert.pem()))
                    .executor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()).build();
            URI uri = URI.create("wss://localhost:" + secure.relay.port() + "/ws-proxy/echo?endpointId=e1");
            CompletableFuture<String> echoed = new CompletableFuture<>();
            WebSocket ws = http.newWebSocketBuilder().buildAsync(uri, new WebSocket.Listener() {
                @Override
                public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                    echoed.complete(data.toString());
                    return null;
                }
            }).get(Timeouts.MESSAGE.toSeconds(), TimeUnit.SECONDS);
            ws.sendText("secure", true);
            assertEquals("secure", echoed.get(Timeouts.MESSAGE.toSeconds(), TimeUnit.SECONDS));
            ws.abort();
            ExecutionException plain = assertThrows(ExecutionException.class, () -> TestClient.open(secure.uri("/echo?endpointId=e1")));
            assertTrue(!(plain.getCause() instanceof WebSocketHandshakeException h) || h.getResponse().statusCode() != 101);
            http.shutdownNow();
        }
    }

    @Test
    void unusableTrustedCaIsRefusedWhenTheEndpointIsAdded() {
        Endpoint bad = new Endpoint("bad", "wss://h", EndpointStatus.ACTIVE, List.of(), List.of(), 0, Map.of(), "",
                "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n", Instant.now(), Instant.now());
        assertInstanceOf(IllegalArgumentException.class, assertThrows(RuntimeException.class, () -> UpstreamTrust.check(bad)));
    }

    private static Endpoint trusting(String id, String url) {
        Instant now = Instant.now();
        return new Endpoint(id, url, EndpointStatus.ACTIVE, List.of(), List.of(), 0, Map.of(), "", upstreamCert.pem(), now, now);
    }
}
