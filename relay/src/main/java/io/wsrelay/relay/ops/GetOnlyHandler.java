package io.wsrelay.relay.ops;

import io.wsrelay.relay.Json;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.util.Set;

/**
 * An operations handler for a few fixed paths that answers {@code GET} only: other methods on
 * its paths get {@code 405} with {@code Allow: GET}, other paths pass to the next handler.
 * Subclasses write the answer; they may block (Jetty runs them on a virtual thread).
 */
abstract class GetOnlyHandler extends Handler.Abstract {
    private final Set<String> paths;

    GetOnlyHandler(String... paths) {
        this.paths = Set.of(paths);
    }

    @Override
    public final boolean handle(Request request, Response response, Callback callback) {
        String path = Request.getPathInContext(request);
        if (!paths.contains(path)) {
            return false;
        }
        if (!HttpMethod.GET.is(request.getMethod())) {
            response.getHeaders().put(HttpHeader.ALLOW, "GET");
            Json.writeError(response, callback, 405, "method_not_allowed", path + " answers GET only");
        } else {
            answer(path, response, callback);
        }
        return true;
    }

    /** Writes the answer to a {@code GET} of {@code path} and completes {@code callback}. */
    abstract void answer(String path, Response response, Callback callback);
}
