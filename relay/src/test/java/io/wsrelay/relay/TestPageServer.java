package io.wsrelay.relay;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Map;
import java.util.Objects;

/**
 * Serves fixed pages and scripts on {@code 127.0.0.1:0}, as a proxying app serves proxied pages
 * to the browser (JDK {@code HttpServer}). Unknown paths get 404. Closes with the test.
 */
final class TestPageServer implements AutoCloseable {

    /** One response: status 200, these headers (Content-Type among them), this body. */
    record Resource(Map<String, String> headers, byte[] body) {
        Resource {
            headers = Map.copyOf(headers);
            Objects.requireNonNull(body, "body");
        }
    }

    private final HttpServer server;

    private TestPageServer(Map<String, Resource> resources) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        Map<String, Resource> byPath = Map.copyOf(resources);
        server.createContext("/", exchange -> {
            try (exchange) {
                respond(exchange, byPath.get(exchange.getRequestURI().getPath()));
            }
        });
        server.start();
    }

    /** Starts serving {@code resources} by request path (the query is ignored). */
    static TestPageServer start(Map<String, Resource> resources) throws IOException {
        return new TestPageServer(resources);
    }

    /** {@code http://127.0.0.1:<port>}; a path and query are appended to it. */
    URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + pathAndQuery);
    }

    private static void respond(HttpExchange exchange, Resource resource) throws IOException {
        if (resource == null) {
            exchange.sendResponseHeaders(404, -1);
            return;
        }
        resource.headers().forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
        exchange.sendResponseHeaders(200, resource.body().length);
        try (OutputStream body = exchange.getResponseBody()) {
            body.write(resource.body());
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
