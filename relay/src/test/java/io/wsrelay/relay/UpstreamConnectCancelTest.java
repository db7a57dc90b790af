package io.wsrelay.relay;

import io.wsrelay.relay.spi.Endpoint;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A client that leaves while the relay still waits for a hanging upstream must not keep the
 * upstream socket and its session slot for the rest of the connect timeout.
 */
class UpstreamConnectCancelTest {
    /** Far longer than the test may take: whatever is released comes from the cancellation. */
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);
    /** How soon after the client left everything must be released. */
    private static final Duration RELEASED_WITHIN = Duration.ofSeconds(3);
    private static final int CLIENTS = 5;

    @Test
    void clientThatLeavesDuringAHangingConnectReleasesTheUpstreamSocketAndItsSlot() throws Exception {
        try (SilentUpstream silent = new SilentUpstream();
             RelayHarness harness = RelayHarness.withOperations(Map.of(
                     "relay.upstream.connect-timeout", CONNECT_TIMEOUT.toSeconds() + "s",
                     "relay.limits.max-sessions", String.valueOf(CLIENTS)))) {
            harness.store.insert(Endpoint.of("silent", silent.uri().toString()));
            List<RawClient> clients = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                RawClient c = RawClient.connect(harness.relay.port());
                c.write(("GET /ws-proxy/x?endpointId=silent HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                        + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                        + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                clients.add(c);
            }
            await().atMost(Timeouts.MESSAGE).until(() -> silent.accepted().size() == CLIENTS);
            // Every slot is taken by a connect that hangs: a new client is refused for now.
            try (RawClient c = RawClient.connect(harness.relay.port())) {
                assertEquals(503, c.upgrade("/ws-proxy/echo?endpointId=e1", Map.of()).status());
            }

            long left = System.nanoTime();
            clients.forEach(RawClient::close);
            for (Socket upstream : silent.accepted()) {
                assertTrue(closedByPeer(upstream, RELEASED_WITHIN), "the relay closed its upstream socket");
            }
            await().atMost(RELEASED_WITHIN).until(() -> {
                try (RawClient c = RawClient.connect(harness.relay.port())) {
                    return c.upgrade("/ws-proxy/echo?endpointId=e1", Map.of()).status() == 101;
                }
            });
            Duration took = Duration.ofNanos(System.nanoTime() - left);
            assertTrue(took.compareTo(RELEASED_WITHIN) < 0, "released in " + took.toMillis() + " ms");
        }
    }

    /** Reads what the relay sent on {@code socket} until it closes; false if it is still open after {@code within}. */
    private static boolean closedByPeer(Socket socket, Duration within) throws IOException {
        socket.setSoTimeout((int) within.toMillis());
        InputStream in = socket.getInputStream();
        byte[] sink = new byte[4096];
        try {
            while (in.read(sink) >= 0) {
                // the relay's handshake request
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (java.net.SocketException e) {
            return true; // reset
        }
    }
}
