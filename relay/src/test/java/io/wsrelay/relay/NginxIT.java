package io.wsrelay.relay;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shipped nginx site ({@code deploy/nginx/wsrelay.conf}), as shipped but for its ports, in a
 * real nginx in front of a running relay and a web app: one port serves the app at {@code /} and
 * the relay at {@code /ws-proxy/}.
 *
 * <p>The shipped site keeps nginx's default 60 s {@code proxy_read_timeout} and the relay pings
 * every 30 s. To prove the same thing in seconds, these tests set {@code proxy_read_timeout 3s}
 * in the http block (the site does not override it) and ping every second.
 */
class NginxIT {
    private static final Path SITE = Path.of("..", "deploy", "nginx", "wsrelay.conf");
    private static final String PAGE = "<!doctype html><title>web app</title>";
    private static final Duration PROXY_READ_TIMEOUT = Duration.ofSeconds(3);
    /** Longer than the read timeout by a wide margin: a session alive after it was kept alive. */
    private static final Duration IDLE = Duration.ofSeconds(8);

    @TempDir
    Path dir;
    private HttpServer webApp;

    @BeforeEach
    void startWebApp() throws Exception {
        webApp = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        webApp.createContext("/", exchange -> {
            byte[] body = PAGE.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        webApp.start();
    }

    @AfterEach
    void stopWebApp() {
        webApp.stop(0);
    }

    private Nginx nginxInFrontOf(RelayHarness relay) throws Exception {
        int port = Nginx.freePort();
        String site = Nginx.replaceOnce(Files.readString(SITE), Map.of(
                "listen 80;", "listen 127.0.0.1:" + port + ";",
                "server 127.0.0.1:3000;", "server 127.0.0.1:" + webApp.getAddress().getPort() + ";",
                "server 127.0.0.1:3001;", "server 127.0.0.1:" + relay.relay.port() + ";"));
        return Nginx.start(dir, site, port, "proxy_read_timeout " + PROXY_READ_TIMEOUT.toSeconds() + "s;");
    }

    @Test
    void onePortServesTheWebAppAtRootAndRelaysWebSocketsUnderWsProxy() throws Exception {
        try (RelayHarness relay = RelayHarness.withOperations(Map.of()); Nginx nginx = nginxInFrontOf(relay)) {
            HttpResponse<String> page = TestHttp.get(nginx.http("/"));
            HttpResponse<String> probe = TestHttp.get(nginx.http("/healthz"));
            assertAll(
                    () -> assertEquals(200, page.statusCode()),
                    () -> assertEquals(PAGE, page.body(), "the web app at /"),
                    () -> assertEquals(PAGE, probe.body(), "the relay's operations paths stay private"));
            relay.upstream.handshakes().clear();
            try (TestClient client = TestClient.open(nginx.ws("/ws-proxy/a/b?x=1&y=%2B%20&endpointId=e1&z=2"))) {
                client.sendText("through nginx");
                assertEquals("through nginx", client.nextMessage(Timeouts.MESSAGE).text());
                byte[] binary = TestUpstream.patternBuffer(0, 300_000).array();
                client.sendBinary(binary);
                assertArrayEquals(binary, client.nextMessage(Timeouts.MESSAGE).bytes());
                client.sendClose(4000, "bye");
                assertEquals(new TestClient.Closed(4000, "bye"), client.awaitClose(Timeouts.CLOSE));
            }
            assertEquals("/a/b?x=1&y=%2B%20&z=2",
                    relay.upstream.handshakes().poll(Timeouts.MESSAGE.toSeconds(), TimeUnit.SECONDS).pathQuery(),
                    "path and query byte for byte, endpointId removed");
        }
    }

    @Test
    void idleSessionOutlivesTheProxyReadTimeoutThanksToRelayPings() throws Exception {
        try (RelayHarness relay = RelayHarness.withOperations(Map.of("relay.ping-interval", "1s"));
             Nginx nginx = nginxInFrontOf(relay);
             TestClient client = TestClient.open(nginx.ws("/ws-proxy/echo?endpointId=e1"))) {
            client.sendText("before");
            assertEquals("before", client.nextMessage(Timeouts.MESSAGE).text());
            assertThrows(TimeoutException.class, () -> client.closed().get(IDLE.toMillis(), TimeUnit.MILLISECONDS),
                    "the session stayed open for " + IDLE + ", past nginx's " + PROXY_READ_TIMEOUT);
            client.sendText("after");
            assertEquals("after", client.nextMessage(Timeouts.MESSAGE).text());
        }
    }

    @Test
    void idleSessionWithoutPingsIsCutAtTheProxyReadTimeout() throws Exception {
        // The control: without the relay's pings the same setup does cut the session, so the
        // test above proves the pings, not a timeout that never fires.
        try (RelayHarness relay = RelayHarness.withOperations(Map.of("relay.ping-interval", "0s"));
             Nginx nginx = nginxInFrontOf(relay);
             TestClient client = TestClient.open(nginx.ws("/ws-proxy/echo?endpointId=e1"))) {
            client.sendText("before");
            client.nextMessage(Timeouts.MESSAGE);
            long start = System.nanoTime();
            client.closed().handle((closed, failure) -> null).get(IDLE.toMillis(), TimeUnit.MILLISECONDS);
            long cutAfter = Duration.ofNanos(System.nanoTime() - start).toMillis();
            assertTrue(cutAfter >= PROXY_READ_TIMEOUT.toMillis() - 500, "cut at the read timeout, after " + cutAfter + " ms");
        }
    }
}
