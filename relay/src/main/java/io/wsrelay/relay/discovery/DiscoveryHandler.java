package io.wsrelay.relay.discovery;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.wsrelay.relay.LogText;
import io.wsrelay.relay.ops.BearerToken;
import io.wsrelay.relay.ops.VersionInfo;
import io.wsrelay.relay.spi.Endpoint;
import io.wsrelay.relay.spi.EndpointLookup;
import io.wsrelay.relay.spi.StoreException;
import io.wsrelay.relay.spi.StoreUnavailableException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The discovery admin API, under {@value #PREFIX}:
 * <ul>
 * <li>{@code GET /admin/discovery/{endpointId}}: the summary as JSON ({@code docs/discovery.md})</li>
 * <li>{@code GET /admin/discovery/{endpointId}/asyncapi}: an AsyncAPI 3.0 document (JSON)</li>
 * <li>{@code GET /admin/discovery/{endpointId}/har}: a HAR 1.2 log of recent sessions</li>
 * <li>{@code DELETE /admin/discovery/{endpointId}}: forgets what was learnt; {@code 204}</li>
 * </ul>
 * Each needs {@code Authorization: Bearer <relay.admin.token>} ({@code 401} otherwise). An id that
 * is neither a registered endpoint nor has data is {@code 404}; an unreachable or failing store
 * {@code 503}, and a {@code DELETE} answered so has forgotten nothing. Every view merges the shared
 * store (all nodes' flushes) with this node's unflushed learning. Blocks on the store, at most one
 * call of each store per request (on Jetty's virtual threads); thread-safe. Store outages are
 * logged by the stores and {@link Discovery}, once each, not per request.
 */
public final class DiscoveryHandler extends Handler.Abstract {
    private static final Logger LOG = LoggerFactory.getLogger(DiscoveryHandler.class);
    static final String PREFIX = "/admin/discovery/";

    private final Discovery discovery;
    private final EndpointLookup endpoints;
    private final BearerToken token;

    /**
     * @param token the admin token ({@code relay.admin.token}); must not be empty
     * @throws IllegalArgumentException if {@code token} is empty
     */
    public DiscoveryHandler(Discovery discovery, EndpointLookup endpoints, String token) {
        if (token.isEmpty()) {
            throw new IllegalArgumentException("the discovery API needs a token (relay.admin.token)");
        }
        this.discovery = discovery;
        this.endpoints = endpoints;
        this.token = BearerToken.of(token);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        String path = Request.getPathInContext(request);
        if (!path.startsWith(PREFIX)) {
            return false;
        }
        if (!token.matches(request)) {
            response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer realm=\"wsrelay-admin\"");
            error(response, callback, 401, "unauthorized", "a valid Authorization: Bearer token is required");
            return true;
        }
        String rest = path.substring(PREFIX.length());
        int slash = rest.indexOf('/');
        String id = slash < 0 ? rest : rest.substring(0, slash);
        String view = slash < 0 ? "" : rest.substring(slash + 1);
        if (id.isEmpty() || id.length() > Endpoint.MAX_ID_LENGTH || !(view.isEmpty() || view.equals("asyncapi")
                || view.equals("har"))) {
            error(response, callback, 404, "not_found", "no such discovery path");
            return true;
        }
        try {
            route(request.getMethod(), id, view, response, callback);
        } catch (StoreUnavailableException e) {
            // Logged once per outage by whoever found it: the endpoint store, or Discovery for its store.
            LOG.debug("discovery admin: store unreachable: {}", LogText.safe(e.getMessage()));
            error(response, callback, 503, "store_unavailable", "the store is unreachable");
        } catch (StoreException e) {
            LOG.debug("discovery admin: store failed: {}", LogText.safe(e.getMessage()));
            error(response, callback, 503, "store_failed", "the store failed");
        }
        return true;
    }

    private void route(String method, String id, String view, Response response, Callback callback) {
        if (HttpMethod.DELETE.is(method) && view.isEmpty()) {
            boolean had = discovery.clear(id);
            if (!had && lookup(id).isEmpty()) {
                error(response, callback, 404, "endpoint_not_found", "no endpoint and no discovery data for this id");
                return;
            }
            LOG.info("discovery admin: cleared endpoint {}", id);
            response.setStatus(204);
            response.write(true, null, callback);
            return;
        }
        if (!HttpMethod.GET.is(method)) {
            response.getHeaders().put(HttpHeader.ALLOW, view.isEmpty() ? "GET, DELETE" : "GET");
            error(response, callback, 405, "method_not_allowed", "allowed: " + (view.isEmpty() ? "GET, DELETE" : "GET"));
            return;
        }
        Optional<Endpoint> endpoint = lookup(id);
        Optional<EndpointAggregate> learnt = discovery.view(id);
        if (endpoint.isEmpty() && learnt.isEmpty()) {
            error(response, callback, 404, "endpoint_not_found", "no endpoint and no discovery data for this id");
            return;
        }
        EndpointAggregate a = learnt.orElseGet(() -> EndpointAggregate.of(id));
        Endpoint e = endpoint.orElse(null);
        JsonNode body = switch (view) {
            case "asyncapi" -> AsyncApiDocument.of(a, e);
            case "har" -> HarDocument.of(a, e, VersionInfo.current().version());
            default -> SummaryJson.of(a, e == null ? "unknown" : e.capture().label())
                    .put("node", discovery.node())
                    .put("nodeSessionsDropped", discovery.droppedSessions());
        };
        write(response, callback, 200, body);
    }

    private Optional<Endpoint> lookup(String id) {
        try {
            return endpoints.lookup(id);
        } catch (StoreUnavailableException e) {
            throw e;
        } catch (StoreException e) {
            // Not an outage, which the endpoint store logs itself, once.
            LOG.warn("discovery admin: endpoint store failed: {}", LogText.safe(e.getMessage()));
            throw e;
        }
    }

    private static void error(Response response, Callback callback, int status, String error, String detail) {
        write(response, callback, status, Aggregator.JSON.createObjectNode().put("error", error).put("detail", detail));
    }

    private static void write(Response response, Callback callback, int status, JsonNode body) {
        byte[] bytes;
        try {
            bytes = Aggregator.JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            callback.failed(e);
            return;
        }
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
        response.write(true, ByteBuffer.wrap(bytes), callback);
    }

    @Override
    public String toString() {
        return "DiscoveryHandler{" + PREFIX + ", " + discovery + "}";
    }
}
