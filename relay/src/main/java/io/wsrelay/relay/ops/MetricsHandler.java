package io.wsrelay.relay.ops;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * {@code GET /metrics}: every meter of the relay in the Prometheus text format (0.0.4). Other
 * methods on the path get {@code 405}; other paths pass to the next handler. Thread-safe.
 */
public final class MetricsHandler extends GetOnlyHandler {
    static final String PATH = "/metrics";
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final RelayMetrics metrics;

    MetricsHandler(RelayMetrics metrics) {
        super(PATH);
        this.metrics = Objects.requireNonNull(metrics, "metrics");
    }

    @Override
    void answer(String path, Response response, Callback callback) {
        byte[] body = metrics.scrape().getBytes(StandardCharsets.UTF_8);
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, CONTENT_TYPE);
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, ByteBuffer.wrap(body), callback);
    }
}
