package io.wsrelay.relay.ops;

import io.wsrelay.relay.Json;
import io.wsrelay.relay.LogText;
import io.wsrelay.relay.SessionControl;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wsrelay.relay.spi.LiveSession;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The admin API for live sessions, under {@value #SESSIONS}, behind the admin token
 * ({@link AdminHandler} checks it first):
 * <ul>
 * <li>{@code GET /admin/sessions}: this node's sessions, {@code 200 {"node": ..., "scope": "node",
 *     "sessions": [...]}}; {@code ?scope=cluster} every node's (the others' as they last reported,
 *     at most a few seconds old); {@code ?endpoint=ID} only that endpoint's. Each session:
 *     {@code id} ({@code node:number}), {@code node}, {@code endpoint}, {@code client},
 *     {@code openedAt}, {@code ageSeconds}, {@code bytesToUpstream}, {@code bytesToClient}.</li>
 * <li>{@code DELETE /admin/sessions/{id}}: closes that session, on whichever node holds it;
 *     {@code 202} (the close is under way), {@code 404} if no node has it.</li>
 * <li>{@code DELETE /admin/sessions?endpoint=ID}: closes every session of the endpoint on every
 *     node; {@code 202 {"closedOnThisNode": n}}.</li>
 * </ul>
 * Closed sessions get 1008 "closed by an operator" ({@link SessionControl}). Blocks on the
 * cluster's store for the cluster scope; thread-safe.
 */
public final class SessionsApi {
    private static final Logger LOG = LoggerFactory.getLogger(SessionsApi.class);
    static final String SESSIONS = AdminHandler.PREFIX + "/sessions";

    private final SessionControl control;

    public SessionsApi(SessionControl control) {
        this.control = control;
    }

    /** Whether {@code path} is this API's. */
    public static boolean serves(String path) {
        return path.equals(SESSIONS) || path.startsWith(SESSIONS + "/");
    }

    /** Answers one authorized request under {@value #SESSIONS}. */
    public void handle(String path, Request request, Response response, Callback callback) {
        String method = request.getMethod();
        Fields query = Request.extractQueryParameters(request);
        String endpoint = query.getValue("endpoint");
        if (path.equals(SESSIONS)) {
            if (HttpMethod.GET.is(method)) {
                list(query.getValue("scope"), endpoint, response, callback);
            } else if (HttpMethod.DELETE.is(method)) {
                if (endpoint == null || endpoint.isBlank()) {
                    Json.writeError(response, callback, 400, "missing_endpoint",
                            "DELETE /admin/sessions needs ?endpoint=ID (or DELETE /admin/sessions/{id})");
                    return;
                }
                int here = control.closeEndpoint(endpoint);
                LOG.info("admin: close sessions of endpoint {} ({}); {} on this node", LogText.safe(endpoint),
                        client(request), here);
                Json.write(response, callback, 202, Json.MAPPER.createObjectNode().put("endpoint", endpoint)
                        .put("closedOnThisNode", here).put("cluster", control.isClustered()));
            } else {
                notAllowed(response, callback, "GET, DELETE");
            }
            return;
        }
        String id = path.substring(SESSIONS.length() + 1);
        if (id.isEmpty() || id.contains("/")) {
            Json.writeError(response, callback, 404, "not_found", "no such admin path");
        } else if (!HttpMethod.DELETE.is(method)) {
            notAllowed(response, callback, "DELETE");
        } else if (control.closeSession(id)) {
            LOG.info("admin: close session {} ({})", LogText.safe(id), client(request));
            Json.write(response, callback, 202, Json.MAPPER.createObjectNode().put("id", id));
        } else {
            Json.writeError(response, callback, 404, "session_not_found", "no live session " + Json.quoteForDetail(id));
        }
    }

    private void list(String scope, String endpoint, Response response, Callback callback) {
        boolean cluster;
        if (scope == null || scope.equals("node")) {
            cluster = false;
        } else if (scope.equals("cluster")) {
            cluster = true;
        } else {
            Json.writeError(response, callback, 400, "bad_scope", "scope must be node or cluster");
            return;
        }
        List<LiveSession> all = cluster ? control.clusterSessions() : control.localSessions();
        Instant now = Instant.now();
        ObjectNode body = Json.MAPPER.createObjectNode().put("node", control.node())
                .put("scope", cluster ? "cluster" : "node");
        ArrayNode list = body.putArray("sessions");
        for (LiveSession s : all) {
            if (endpoint != null && !endpoint.equals(s.endpointId())) {
                continue;
            }
            list.addObject().put("id", s.id()).put("node", s.node()).put("endpoint", s.endpointId())
                    .put("client", s.client()).put("openedAt", s.openedAt().toString())
                    .put("ageSeconds", Math.max(0, Duration.between(s.openedAt(), now).toSeconds()))
                    .put("bytesToUpstream", s.bytesToUpstream()).put("bytesToClient", s.bytesToClient());
        }
        Json.write(response, callback, 200, body);
    }

    private static void notAllowed(Response response, Callback callback, String allow) {
        response.getHeaders().put(HttpHeader.ALLOW, allow);
        Json.writeError(response, callback, 405, "method_not_allowed", "allowed: " + allow);
    }

    private static String client(Request request) {
        return Request.getRemoteAddr(request) + ":" + Request.getRemotePort(request);
    }
}
