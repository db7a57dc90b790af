package io.wsrelay.relay.browser;

import io.wsrelay.relay.Timeouts;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

class InterceptorScriptHandlerTest {

    private static final Duration TIMEOUT = Timeouts.MESSAGE;
    private static final String NEXT = "next handler";

    private static final InterceptorScript SCRIPT = InterceptorScript.load();
    private static Server server;
    private static HttpClient client;
    private static URI base;

    /** Stands behind the script handler as the relay's upgrade handler will: answers 404. */
    private static final class NextHandler extends Handler.Abstract.NonBlocking {
        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            response.setStatus(HttpStatus.NOT_FOUND_404);
            response.write(true, ByteBuffer.wrap(NEXT.getBytes(StandardCharsets.UTF_8)), callback);
            return true;
        }
    }

    @BeforeAll
    static void startServer() throws Exception {
        server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(new Handler.Sequence(InterceptorScriptHandler.create(SCRIPT), new NextHandler()));
        server.start();
        base = URI.create("http://127.0.0.1:" + connector.getLocalPort());
        client = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    }

    @AfterAll
    static void stopServer() throws Exception {
        client.close();
        server.stop();
    }

    private static HttpResponse<byte[]> send(HttpRequest.Builder request) throws Exception {
        return client.send(request.timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static HttpRequest.Builder get(String path) {
        return HttpRequest.newBuilder(base.resolve(path)).GET();
    }

    private static byte[] resourceBytes() throws Exception {
        try (InputStream in = InterceptorScript.class.getResourceAsStream(InterceptorScript.RESOURCE)) {
            return in.readAllBytes();
        }
    }

    private static String header(HttpResponse<?> response, String name) {
        return response.headers().firstValue(name).orElse("<absent>");
    }

    @Test
    void servesScriptWithJavaScriptContentTypeAndCacheHeaders() throws Exception {
        HttpResponse<byte[]> response = send(get(InterceptorScript.PATH));

        assertAll(
                () -> assertEquals(200, response.statusCode()),
                () -> assertEquals("text/javascript; charset=utf-8", header(response, "Content-Type")),
                () -> assertEquals("public, max-age=3600", header(response, "Cache-Control")),
                () -> assertEquals(SCRIPT.etag(), header(response, "ETag")),
                () -> assertEquals("nosniff", header(response, "X-Content-Type-Options")),
                () -> assertEquals("cross-origin", header(response, "Cross-Origin-Resource-Policy")),
                () -> assertArrayEquals(resourceBytes(), response.body()));
    }

    @Test
    void servesScriptWhateverTheQuery() throws Exception {
        HttpResponse<byte[]> response = send(get(InterceptorScript.PATH + "?v=2"));

        assertEquals(200, response.statusCode());
        assertArrayEquals(resourceBytes(), response.body());
    }

    @Test
    void answersHeadWithHeadersAndNoBody() throws Exception {
        HttpResponse<byte[]> response = send(HttpRequest.newBuilder(base.resolve(InterceptorScript.PATH))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()));

        assertAll(
                () -> assertEquals(200, response.statusCode()),
                () -> assertEquals("text/javascript; charset=utf-8", header(response, "Content-Type")),
                () -> assertEquals(String.valueOf(SCRIPT.length()), header(response, "Content-Length")),
                () -> assertEquals(SCRIPT.etag(), header(response, "ETag")),
                () -> assertEquals(0, response.body().length));
    }

    @ParameterizedTest
    @ValueSource(strings = {"current", "W/current", "\"other\", current", "*"})
    void answersNotModifiedWhenIfNoneMatchNamesTheCurrentScript(String ifNoneMatch) throws Exception {
        String value = ifNoneMatch.replace("current", SCRIPT.etag());

        HttpResponse<byte[]> response = send(get(InterceptorScript.PATH).header("If-None-Match", value));

        assertAll(
                () -> assertEquals(304, response.statusCode()),
                () -> assertEquals(SCRIPT.etag(), header(response, "ETag")),
                () -> assertEquals("public, max-age=3600", header(response, "Cache-Control")),
                () -> assertEquals(0, response.body().length));
    }

    @Test
    void servesScriptWhenIfNoneMatchNamesAnotherVersion() throws Exception {
        HttpResponse<byte[]> response = send(get(InterceptorScript.PATH).header("If-None-Match", "\"older\""));

        assertEquals(200, response.statusCode());
        assertArrayEquals(resourceBytes(), response.body());
    }

    @Test
    void refusesOtherMethodsWithMethodNotAllowed() throws Exception {
        HttpResponse<byte[]> response = send(HttpRequest.newBuilder(base.resolve(InterceptorScript.PATH))
                .POST(HttpRequest.BodyPublishers.ofString("x")));

        assertEquals(405, response.statusCode());
        assertEquals("GET, HEAD", header(response, "Allow"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/ws-proxy/interceptor.jsx", "/ws-proxy/chat", "/interceptor.js", "/ws-proxy/"})
    void leavesOtherPathsToTheNextHandler(String path) throws Exception {
        HttpResponse<byte[]> response = send(get(path));

        assertEquals(404, response.statusCode());
        assertEquals(NEXT, new String(response.body(), StandardCharsets.UTF_8));
    }

    @Test
    void leavesWebSocketUpgradeOfTheScriptPathToTheNextHandler() {
        URI ws = URI.create("ws://" + base.getAuthority() + InterceptorScript.PATH);

        ExecutionException failure = assertThrows(ExecutionException.class, () -> client.newWebSocketBuilder()
                .connectTimeout(TIMEOUT)
                .buildAsync(ws, new WebSocket.Listener() { })
                .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));

        WebSocketHandshakeException rejected = assertInstanceOf(WebSocketHandshakeException.class, failure.getCause());
        assertEquals(404, rejected.getResponse().statusCode());
    }
}
