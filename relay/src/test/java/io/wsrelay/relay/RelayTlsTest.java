package io.wsrelay.relay;

import io.wsrelay.relay.policy.UpstreamTrust;
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
    void tlsHandshakeTricklingInIsCutAtTheRequestHeadDeadline() throws Exception {
        try (RelayHarness secure = RelayHarness.start(Map.of("relay.tls.keystore", relayCert.keystore().toString(),
                "relay.tls.keystore-password", TestCertificates.PASSWORD, "relay.handshake-timeout", "1s"));
             java.net.Socket raw = new java.net.Socket("127.0.0.1", secure.relay.port())) {
            // A TLS handshake record announcing 16 KiB, then its body a byte at a time.
            raw.getOutputStream().write(new byte[] {0x16, 0x03, 0x01, 0x40, 0x00, 0x01});
            long start = System.nanoTime();
            boolean cut = false;
            for (int i = 0; i < 40 && !cut; i++) {
                try {
                    raw.getOutputStream().write(0);
                    raw.getOutputStream().flush();
                    TimeUnit.MILLISECONDS.sleep(100); // the trickle's pace, not a wait for state
                } catch (java.io.IOException e) {
                    cut = true;
                }
                if (!cut) {
                    raw.setSoTimeout(1);
                    try {
                        cut = raw.getInputStream().read() < 0;
                    } catch (java.net.SocketTimeoutException e) {
                        // still open
                    } catch (java.io.IOException e) {
                        cut = true;
                    }
                }
            }
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            assertTrue(cut && tookMs < 2500, "cut after " + tookMs + " ms of trickling (deadline 1000 ms)");
        }
    }

    @Test
    void clientThatLeavesDuringAHangingConnectOverTlsReleasesTheUpstreamSocket() throws Exception {
        try (SilentUpstream silent = new SilentUpstream();
             RelayHarness secure = RelayHarness.start(Map.of("relay.tls.keystore", relayCert.keystore().toString(),
                     "relay.tls.keystore-password", TestCertificates.PASSWORD, "relay.upstream.connect-timeout", "30s"))) {
            secure.store.insert(Endpoint.of("silent", silent.uri().toString()));
            javax.net.ssl.SSLSocket tls = (javax.net.ssl.SSLSocket) UpstreamTrust.sslContext(relayCert.pem())
                    .getSocketFactory().createSocket("localhost", secure.relay.port());
            tls.getOutputStream().write(("GET /ws-proxy/x?endpointId=silent HTTP/1.1\r\nHost: localhost\r\n"
                    + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            tls.getOutputStream().flush();
            org.awaitility.Awaitility.await().atMost(Timeouts.MESSAGE).until(() -> silent.accepted().size() == 1);
            tls.close();
            java.net.Socket upstream = silent.accepted().getFirst();
            upstream.setSoTimeout(3000);
            boolean closed;
            try (java.io.InputStream in = upstream.getInputStream()) {
                byte[] sink = new byte[4096];
                while (in.read(sink) >= 0) {
                    // the relay's handshake request
                }
                closed = true;
            } catch (java.net.SocketTimeoutException e) {
                closed = false;
            } catch (java.io.IOException e) {
                closed = true;
            }
            assertTrue(closed, "the relay closed its upstream socket within 3 s of the client leaving");
            org.awaitility.Awaitility.await().atMost(Timeouts.CLOSE).until(() -> secure.relay.activeSessions() == 0);
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
