package io.wsrelay.relay.ops;

import io.wsrelay.relay.Json;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.util.Objects;

/**
 * The probes, answered in JSON:
 * <ul>
 * <li>{@code GET /healthz}: the process is alive and serving HTTP; always {@code 200}
 *     {@code {"status":"up"}}.</li>
 * <li>{@code GET /readyz}: ready for new sessions, {@code 200}
 *     {@code {"status":"ready","store":"up","draining":false}}; else {@code 503} with
 *     {@code status} {@code not_ready}, {@code store} {@code down} (and a {@code detail}) or
 *     {@code draining} {@code true}.</li>
 * </ul>
 * Other methods on those paths get {@code 405}; other paths pass to the next handler.
 * {@code /readyz} blocks up to {@code relay.store.timeout} while it pings the store (probe
 * timeouts should be longer). Thread-safe.
 */
final class HealthHandler extends GetOnlyHandler {
    static final String HEALTH = "/healthz";
    static final String READY = "/readyz";

    private final Readiness readiness;

    HealthHandler(Readiness readiness) {
        super(HEALTH, READY);
        this.readiness = Objects.requireNonNull(readiness, "readiness");
    }

    @Override
    void answer(String path, Response response, Callback callback) {
        if (HEALTH.equals(path)) {
            Json.write(response, callback, 200, Json.MAPPER.createObjectNode().put("status", "up"));
            return;
        }
        Readiness.Status status = readiness.check();
        ObjectNode body = Json.MAPPER.createObjectNode()
                .put("status", status.isReady() ? "ready" : "not_ready")
                .put("store", status.store())
                .put("draining", status.draining());
        if (!status.storeError().isEmpty()) {
            body.put("detail", status.storeError());
        }
        Json.write(response, callback, status.isReady() ? 200 : 503, body);
    }
}
