package io.wsrelay.relay.ops;

import io.wsrelay.relay.Json;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.util.List;

/**
 * Puts the operations handlers (probes, metrics, admin API) on the operations port.
 *
 * <p>Without a separate admin port it tries them, in order, on every request and passes what
 * none takes on to the relay's handlers. With one, it answers every request that arrives on the
 * admin connector (404 for paths no operations handler serves, WebSocket upgrades included) and
 * declines every request on the relay's port, so each port serves only its own paths.
 * Thread-safe.
 */
public final class OperationsRouter extends Handler.Sequence {
    private final String adminConnector;

    /**
     * @param handlers       the operations handlers, tried in order
     * @param adminConnector name of the separate admin connector, or null when the operations
     *                       handlers share the relay's port
     */
    public OperationsRouter(List<Handler> handlers, String adminConnector) {
        super(handlers);
        this.adminConnector = adminConnector;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if (adminConnector == null) {
            return super.handle(request, response, callback);
        }
        if (!adminConnector.equals(request.getConnectionMetaData().getConnector().getName())) {
            return false;
        }
        if (!super.handle(request, response, callback)) {
            Json.writeError(response, callback, 404, "not_found", "the admin port serves only the operations paths");
        }
        return true;
    }
}
