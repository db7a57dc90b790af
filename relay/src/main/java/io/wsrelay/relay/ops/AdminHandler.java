package io.wsrelay.relay.ops;

import io.wsrelay.relay.LogText;
import io.wsrelay.relay.Json;
import io.wsrelay.relay.RelayException;
import io.wsrelay.relay.SessionControl;
import io.wsrelay.relay.UpgradeRejectedException;
import io.wsrelay.relay.UpstreamUri;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wsrelay.relay.spi.Endpoint;
import io.wsrelay.relay.spi.EndpointRules;
import io.wsrelay.relay.spi.EndpointStore;
import io.wsrelay.relay.spi.StoreException;
import io.wsrelay.relay.spi.StoreUnavailableException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Promise;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Serial;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The admin API for endpoints, under {@value #PREFIX}, in JSON ({@link EndpointJson}):
 * <ul>
 * <li>{@code GET /admin/endpoints}: {@code 200 {"endpoints": [...]}}, ordered by id</li>
 * <li>{@code POST /admin/endpoints}: create; {@code 201} with {@code Location}, {@code 409} if the
 *     id exists</li>
 * <li>{@code GET /admin/endpoints/{id}}: {@code 200} or {@code 404}</li>
 * <li>{@code PATCH /admin/endpoints/{id}}: change the given fields (status, destination,
 *     settings); {@code 200} with the result or {@code 404}</li>
 * <li>{@code DELETE /admin/endpoints/{id}}: {@code 204} or {@code 404}; open sessions are closed
 *     on every node unless the endpoint's {@code liveSessions} is {@code KEEP}, as after setting
 *     it {@code INACTIVE}</li>
 * <li>{@code /admin/sessions}: live sessions, see {@link SessionsApi}</li>
 * </ul>
 * The {@code {id}} segment is percent-decoded ({@code a%2Fb} is the id {@code a/b});
 * {@code /admin/endpoints?id=...} addresses any id as well, even one a path cannot carry, so
 * that an id written past {@link EndpointRules} (by SQL, by an older version) can be removed.
 * New endpoints must have an id in {@link EndpointRules#ID_SYNTAX} and headers that pass
 * {@link EndpointRules#headerProblem}.
 * Every request under {@value #PREFIX} needs {@code Authorization: Bearer <relay.admin.token>};
 * without it, or with another token, the answer is {@code 401} whatever the path. Invalid bodies
 * get {@code 400}, bodies over {@value #MAX_BODY_BYTES} bytes {@code 413}, an unreachable store
 * {@code 503}; errors carry {@code {"error": "...", "detail": "..."}}. Header values are never
 * returned or logged.
 *
 * <p>Only installed when a token is configured; otherwise {@value #PREFIX} is a plain 404.
 * Blocks on the store (on a virtual thread); thread-safe.
 */
public final class AdminHandler extends Handler.Abstract {
    private static final Logger LOG = LoggerFactory.getLogger(AdminHandler.class);

    public static final String PREFIX = "/admin";
    static final String ENDPOINTS = PREFIX + "/endpoints";
    /** An endpoint with every setting filled in is a few KiB; more is a mistake or an attack. */
    public static final int MAX_BODY_BYTES = 64 * 1024;
    /** Longest wait for a request body to arrive. */
    private static final long BODY_TIMEOUT_SECONDS = 10;

    private final EndpointStore store;
    private final BearerToken token;
    private final SessionControl control;
    private final SessionsApi sessions;

    private AdminHandler(EndpointStore store, String token, SessionControl control) {
        this.store = store;
        this.token = BearerToken.of(token);
        this.control = control;
        this.sessions = new SessionsApi(control);
    }

    /**
     * The admin API over {@code store} and the live sessions {@code control} reaches, guarded by
     * {@code token}. Each endpoint write is passed to {@code control}, which applies the
     * endpoint's live-session policy.
     *
     * @throws IllegalArgumentException if {@code token} is empty (an admin API nobody configured
     *                                  must not exist)
     */
    static AdminHandler create(EndpointStore store, String token, SessionControl control) {
        if (token.isEmpty()) {
            throw new IllegalArgumentException("the admin API needs a token (relay.admin.token)");
        }
        return new AdminHandler(store, token, control);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        String path = Request.getPathInContext(request);
        if (!path.equals(PREFIX) && !path.startsWith(PREFIX + "/")) {
            return false;
        }
        try {
            if (!token.matches(request)) {
                response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer realm=\"wsrelay-admin\"");
                throw new AdminError(401, "unauthorized", "a valid Authorization: Bearer token is required");
            }
            route(path, request, response, callback);
        } catch (AdminError e) {
            Json.writeError(response, callback, e.status, e.error, e.getMessage());
        } catch (StoreUnavailableException e) {
            LOG.warn("admin: endpoint store unreachable: {}", LogText.safe(e.getMessage()));
            Json.writeError(response, callback, 503, "store_unavailable", "the endpoint store is unreachable");
        } catch (StoreException e) {
            LOG.warn("admin: endpoint store failed: {}", LogText.safe(e.getMessage()));
            Json.writeError(response, callback, 503, "store_failed", "the endpoint store failed");
        }
        return true;
    }

    private void route(String path, Request request, Response response, Callback callback) {
        if (SessionsApi.serves(path)) {
            sessions.handle(path, request, response, callback);
            return;
        }
        String method = request.getMethod();
        Optional<String> byQuery = path.equals(ENDPOINTS) ? idParameter(request) : Optional.empty();
        if (path.equals(ENDPOINTS) && byQuery.isEmpty()) {
            if (HttpMethod.GET.is(method)) {
                ObjectNode body = Json.MAPPER.createObjectNode();
                ArrayNode list = body.putArray("endpoints");
                store.list().forEach(e -> list.add(EndpointJson.toJson(e)));
                Json.write(response, callback, 200, body);
            } else if (HttpMethod.POST.is(method)) {
                create(request, response, callback);
            } else {
                throw notAllowed(response, "GET, POST");
            }
            return;
        }
        String id = byQuery.orElseGet(() -> path.startsWith(ENDPOINTS + "/") ? endpointId(request) : "");
        if (id.isEmpty()) {
            throw new AdminError(404, "not_found", "no such admin path");
        }
        if (HttpMethod.GET.is(method)) {
            Endpoint endpoint = store.lookup(id).orElseThrow(() -> notFound(id));
            Json.write(response, callback, 200, EndpointJson.toJson(endpoint));
        } else if (HttpMethod.PATCH.is(method)) {
            update(id, request, response, callback);
        } else if (HttpMethod.DELETE.is(method)) {
            if (!store.remove(id)) {
                throw notFound(id);
            }
            LOG.info("admin: removed endpoint {} ({})", LogText.safe(id), client(request));
            control.endpointChanged(id);
            response.setStatus(204);
            response.write(true, null, callback);
        } else {
            throw notAllowed(response, "GET, PATCH, DELETE");
        }
    }

    private void create(Request request, Response response, Callback callback) {
        JsonNode body = body(request);
        Endpoint endpoint = validEndpoint(() -> {
            Endpoint created = EndpointJson.create(body);
            EndpointRules.checkNew(created);
            return created;
        });
        if (!store.insert(endpoint)) {
            throw new AdminError(409, "endpoint_exists", "endpoint " + Json.quoteForDetail(endpoint.id()) + " exists");
        }
        LOG.info("admin: created endpoint {} ({})", LogText.safe(endpoint.toString()), client(request));
        response.getHeaders().put(HttpHeader.LOCATION, ENDPOINTS + "/" + endpoint.id());
        Json.write(response, callback, 201, EndpointJson.toJson(store.lookup(endpoint.id()).orElse(endpoint)));
    }

    private void update(String id, Request request, Response response, Callback callback) {
        JsonNode patch = body(request);
        boolean changed;
        if (EndpointJson.isStatusOnly(patch)) {
            changed = store.setStatus(id, orBadRequest(() -> EndpointJson.status(patch.get("status"))));
        } else {
            Endpoint current = store.lookup(id).orElseThrow(() -> notFound(id));
            changed = store.update(validEndpoint(() -> {
                Endpoint merged = EndpointJson.merge(current, patch);
                EndpointRules.check(merged);
                return merged;
            }));
        }
        if (!changed) {
            throw notFound(id);
        }
        control.endpointChanged(id);
        Endpoint now = store.lookup(id).orElseThrow(() -> notFound(id));
        LOG.info("admin: updated endpoint {} ({})", LogText.safe(now.toString()), client(request));
        Json.write(response, callback, 200, EndpointJson.toJson(now));
    }

    /** Runs {@code parse}, turning invalid input into a 400. */
    private static <T> T orBadRequest(Supplier<T> parse) {
        try {
            return parse.get();
        } catch (IllegalArgumentException e) {
            throw new AdminError(400, "invalid_endpoint", e.getMessage());
        }
    }

    /** Parses an endpoint and refuses, with a 400, a destination the relay could never use (as the CLI does). */
    private static Endpoint validEndpoint(Supplier<Endpoint> parse) {
        Endpoint endpoint = orBadRequest(parse);
        try {
            UpstreamUri.destination(endpoint);
        } catch (UpgradeRejectedException e) {
            throw new AdminError(400, "invalid_endpoint", e.getMessage());
        }
        return endpoint;
    }

    /**
     * The id in {@code /admin/endpoints/{id}}, percent-decoded from the raw path, so that an id
     * written past {@link EndpointRules} (say {@code a/b}, sent as {@code a%2Fb}) can still be
     * read and removed; empty when the path has no id or more than one segment after the prefix.
     */
    private static String endpointId(Request request) {
        String raw = request.getHttpURI().getPath();
        String prefix = ENDPOINTS + "/";
        int at = raw == null ? -1 : raw.indexOf(prefix);
        if (at < 0) {
            return "";
        }
        String segment = raw.substring(at + prefix.length());
        if (segment.isEmpty() || segment.indexOf('/') >= 0 || segment.indexOf(';') >= 0) {
            return "";
        }
        try {
            return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new AdminError(400, "bad_request", "the endpoint id in the path is badly percent-encoded");
        }
    }

    /**
     * The {@code id} query parameter of {@code /admin/endpoints?id=...}, percent-decoded: the
     * form that reaches any id, even one with characters a path cannot carry (a line break).
     */
    private static Optional<String> idParameter(Request request) {
        try {
            return UpstreamUri.parameter(request.getHttpURI().getQuery(), "id");
        } catch (UpgradeRejectedException e) {
            throw new AdminError(400, "bad_request", "the id parameter is badly percent-encoded");
        }
    }

    private static JsonNode body(Request request) {
        if (request.getLength() > MAX_BODY_BYTES) {
            throw tooLarge();
        }
        byte[] bytes;
        try {
            CompletableFuture<byte[]> read = new CompletableFuture<>();
            Content.Source.asByteArrayAsync(request, MAX_BODY_BYTES, Promise.Invocable.toPromise(read));
            bytes = read.get(BODY_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw tooLarge();
        } catch (TimeoutException e) {
            throw new AdminError(408, "body_timeout", "the request body did not arrive in time");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AdminError(503, "shutting_down", "the relay is stopping");
        }
        try {
            return Json.MAPPER.readTree(new String(bytes, StandardCharsets.UTF_8));
        } catch (JacksonException e) {
            throw new AdminError(400, "invalid_json", "the body is not valid JSON");
        }
    }

    private static String client(Request request) {
        return Request.getRemoteAddr(request) + ":" + Request.getRemotePort(request);
    }

    private static AdminError notFound(String id) {
        return new AdminError(404, "endpoint_not_found", "no endpoint " + Json.quoteForDetail(id));
    }

    private static AdminError tooLarge() {
        return new AdminError(413, "body_too_large", "the body is over " + MAX_BODY_BYTES + " bytes");
    }

    private static AdminError notAllowed(Response response, String allow) {
        response.getHeaders().put(HttpHeader.ALLOW, allow);
        return new AdminError(405, "method_not_allowed", "allowed: " + allow);
    }

    /** A refusal with its HTTP status and error name; the message is the detail. */
    private static final class AdminError extends RelayException {
        @Serial
        private static final long serialVersionUID = 1L;
        private final int status;
        private final String error;

        AdminError(int status, String error, String detail) {
            super(detail);
            this.status = status;
            this.error = error;
        }
    }

    @Override
    public String toString() {
        return "AdminHandler{" + ENDPOINTS + ", store=" + store + "}";
    }
}
