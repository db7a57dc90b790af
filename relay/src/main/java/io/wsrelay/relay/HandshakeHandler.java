package io.wsrelay.relay;

import io.wsrelay.relay.ops.Readiness;
import io.wsrelay.relay.ops.RelayMetrics;
import io.wsrelay.relay.policy.Admission;
import io.wsrelay.relay.policy.DestinationGuard;
import io.wsrelay.relay.policy.HeaderPolicy;
import io.wsrelay.relay.policy.OriginPolicy;
import io.wsrelay.relay.spi.Endpoint;
import io.wsrelay.relay.spi.EndpointLookup;
import io.wsrelay.relay.spi.StoreException;
import io.wsrelay.relay.spi.StoreUnavailableException;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.server.ServerUpgradeRequest;
import org.eclipse.jetty.websocket.server.ServerUpgradeResponse;
import org.eclipse.jetty.websocket.server.WebSocketCreator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.http.WebSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Decides each opening handshake on {@code /ws-proxy/*}: looks the endpoint up, checks it,
 * opens the upstream WebSocket, and only then lets Jetty answer the client with {@code 101}.
 *
 * <p>Refusals happen before any {@code 101}, with a JSON body
 * {@code {"error": "...", "detail": "..."}}, checked in this order: upgrade rate of the client
 * address 429 (with {@code Retry-After}); no {@code endpointId} 400; a malformed
 * {@code Sec-WebSocket-Protocol} list 400 {@code bad_subprotocol}; sessions of the client
 * address 429; relay-wide session limit 503; store unreachable 503; unknown id 404; endpoint
 * not {@code ACTIVE} 403; Origin not allowed 403 ({@link OriginPolicy}); endpoint's session
 * limit 503; host not on the endpoint's list 403; destination address refused 403
 * ({@link DestinationGuard}); upstream refused, failed TLS or answered other than {@code 101}
 * 502; upstream handshake past the connect timeout 504; draining for shutdown 503. No refusal
 * before the last three contacts the upstream. A client that closes its connection while the
 * upstream is still being opened cancels that connect (its upstream socket closes, its slots
 * are released at once). The {@code 101} never accepts an extension: permessage-deflate is
 * off on the client leg.
 *
 * <p>Jetty calls {@link #createWebSocket} on a virtual thread, so the store lookup, DNS and the
 * upstream connect block that thread only. Thread-safe.
 */
final class HandshakeHandler implements WebSocketCreator {
    private static final Logger LOG = LoggerFactory.getLogger(HandshakeHandler.class);

    /** The path prefix the relay serves; the rest of the path goes upstream. */
    static final String PREFIX = "/ws-proxy";

    private final EndpointLookup lookup;
    private final UpstreamConnector connector;
    private final SessionRegistry sessions;
    private final Admission admission;
    private final OriginPolicy origins;
    private final HeaderPolicy headers;
    private final DestinationGuard guard;
    private final RelayMetrics metrics;
    private final Readiness readiness;
    private final SessionTap.Factory taps;
    private final AtomicLong ids = new AtomicLong();

    HandshakeHandler(EndpointLookup lookup, UpstreamConnector connector, SessionRegistry sessions, Admission admission,
                     OriginPolicy origins, HeaderPolicy headers, DestinationGuard guard, RelayMetrics metrics,
                     Readiness readiness, SessionTap.Factory taps) {
        this.taps = taps;
        this.metrics = metrics;
        this.readiness = readiness;
        this.lookup = lookup;
        this.connector = connector;
        this.sessions = sessions;
        this.admission = admission;
        this.origins = origins;
        this.headers = headers;
        this.guard = guard;
    }

    @Override
    public Object createWebSocket(ServerUpgradeRequest request, ServerUpgradeResponse response, Callback callback) {
        String address = Request.getRemoteAddr(request);
        String client = address + ":" + Request.getRemotePort(request);
        String endpointId = null;
        Admission.Ticket clientSlot = null;
        Admission.Ticket endpointSlot = null;
        boolean permit = false;
        boolean handedOver = false;
        Endpoint endpoint = null;
        try {
            if (readiness.isDraining()) {
                throw new UpgradeRejectedException(503, "shutting_down",
                        "the relay is shutting down; connect again to reach another node");
            }
            admission.checkRate(address);
            String rawPath = request.getHttpURI().getPath();
            String rawQuery = request.getHttpURI().getQuery();
            endpointId = UpstreamUri.parameter(rawQuery, UpstreamUri.ENDPOINT_ID).map(String::strip)
                    .filter(id -> !id.isEmpty())
                    .orElseThrow(() -> new UpgradeRejectedException(400, "missing_endpoint_id",
                            "the query parameter " + UpstreamUri.ENDPOINT_ID + " is required"));
            List<String> offered = subprotocols(request);
            clientSlot = admission.admitClient(address);
            if (!sessions.tryAcquire()) {
                throw new UpgradeRejectedException(503, "too_many_sessions",
                        "the relay is at its limit of " + sessions.limit() + " sessions");
            }
            permit = true;
            endpoint = find(endpointId);
            origins.check(endpoint, request.getHeaders().get(HttpHeader.ORIGIN), host(request));
            endpointSlot = admission.admitEndpoint(endpoint);
            // Assigned first, so that a refusal by the cluster still gives the node's slot back.
            endpointSlot = both(endpointSlot, admission.admitCluster(address, endpoint));
            URI upstreamUri = UpstreamUri.resolve(endpoint, rawPath.substring(PREFIX.length()), rawQuery);
            guard.check(upstreamUri);
            Map<String, String> upstreamHeaders = headers.upstreamHeaders(clientRequest(request, address), endpoint);
            Admission.Ticket slots = both(clientSlot, endpointSlot);
            RelaySession session = sessions.newSession(ids.incrementAndGet(), endpoint.id(), client, upstreamUri, slots::close);
            WebSocket upstream;
            ClientWatch watch = ClientWatch.start(request);
            try {
                upstream = connect(upstreamUri, offered, upstreamHeaders, endpoint, session, watch.outcome());
            } catch (ClientGoneException e) {
                if (watch.outcome().getNow(ClientWatch.Outcome.GONE) == ClientWatch.Outcome.EARLY_DATA) {
                    throw new UpgradeRejectedException(400, "bad_request", "the client sent data before the response "
                            + "to its opening handshake (RFC 6455 section 4.1)");
                }
                throw e;
            } finally {
                watch.stop();
            }
            String chosen = upstream.getSubprotocol();
            if (chosen != null && !chosen.isEmpty()) {
                if (!offered.contains(chosen)) {
                    upstream.abort();
                    throw new UpstreamConnectException(502, "upstream_rejected",
                            "upstream chose a subprotocol the client did not offer", null);
                }
                response.setAcceptedSubProtocol(chosen);
            }
            // No extension on the client leg: the JDK client cannot compress towards the upstream,
            // so accepting permessage-deflate would mean inflating, unbounded, all the client sends.
            response.setExtensions(List.of());
            if (endpoint.capture().isOn()) {
                session.tap(taps.open(new SessionTap.Opening(session.id(), endpoint, rawPath.substring(PREFIX.length()),
                        rawQuery, offered, chosen, 101, null)));
            }
            session.upstreamConnected(upstream);
            sessions.opened(session, endpoint.liveSessions());
            handedOver = true;
            return session.downstreamListener();
        } catch (UpgradeRejectedException e) {
            if (endpoint != null && endpoint.capture().isOn()) {
                taps.refused(new SessionTap.Opening(0, endpoint,
                        request.getHttpURI().getPath().substring(PREFIX.length()), request.getHttpURI().getQuery(),
                        request.getSubProtocols(), null, e.status(), e.error()));
            }
            reject(response, callback, e, endpointId, client);
            return null;
        } catch (ClientGoneException e) {
            // Nobody reads the answer; counted with the refusals (499, nginx's "client closed request").
            metrics.upgradeRefused(499, "client_gone");
            LOG.debug("client {} left during the upstream connect of endpoint {}; connect cancelled",
                    client, LogText.safe(endpointId));
            Json.writeError(response, callback, 499, "client_gone", "the client closed its connection");
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            reject(response, callback, new UpgradeRejectedException(503, "shutting_down", "the relay is stopping"),
                    endpointId, client);
            return null;
        } finally {
            if (!handedOver) {
                if (permit) {
                    sessions.release();
                }
                both(clientSlot, endpointSlot).close();
            }
        }
    }

    private WebSocket connect(URI uri, List<String> offered, Map<String, String> upstreamHeaders, Endpoint endpoint,
                              RelaySession session, CompletableFuture<?> clientGone) throws InterruptedException {
        long start = System.nanoTime();
        boolean ok = false;
        boolean counted = true;
        try {
            WebSocket upstream = connector.connect(uri, offered, upstreamHeaders, endpoint.trustedCa(),
                    session.upstreamListener(), clientGone);
            ok = true;
            return upstream;
        } catch (ClientGoneException e) {
            counted = false; // the client's doing, not the upstream's
            throw e;
        } finally {
            if (counted) {
                metrics.upstreamConnected(System.nanoTime() - start, ok);
            }
        }
    }

    /**
     * The client's offered subprotocols, in order. RFC 6455 §4.1: each is a token (RFC 9110
     * §5.6.2) and they are distinct; empty list elements are ignored (RFC 9110 §5.6.1).
     *
     * @throws UpgradeRejectedException 400 {@code bad_subprotocol} otherwise (the JDK client
     *         would refuse to offer them upstream)
     */
    static List<String> subprotocols(ServerUpgradeRequest request) {
        List<String> values = request.getHeaders().getValuesList(HttpHeader.SEC_WEBSOCKET_SUBPROTOCOL);
        if (values.isEmpty()) {
            return List.of();
        }
        List<String> offered = new ArrayList<>();
        for (String value : values) {
            for (String element : value.split(",", -1)) {
                String token = element.strip();
                if (token.isEmpty()) {
                    continue;
                }
                if (!isToken(token) || offered.contains(token)) {
                    throw new UpgradeRejectedException(400, "bad_subprotocol", "Sec-WebSocket-Protocol must list "
                            + "distinct tokens separated by commas (RFC 6455 section 4.1)");
                }
                offered.add(token);
            }
        }
        return offered;
    }

    /** RFC 9110 §5.6.2: {@code token = 1*tchar}. */
    private static boolean isToken(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean tchar = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!tchar) {
                return false;
            }
        }
        return true;
    }

    private static Admission.Ticket both(Admission.Ticket first, Admission.Ticket second) {
        return () -> {
            if (first != null) {
                first.close();
            }
            if (second != null) {
                second.close();
            }
        };
    }

    /** The Host the client addressed (for the same-origin rule); null when absent. */
    private static String host(ServerUpgradeRequest request) {
        String host = request.getHeaders().get(HttpHeader.HOST);
        return host != null ? host : request.getHttpURI().getAuthority();
    }

    private static HeaderPolicy.ClientRequest clientRequest(ServerUpgradeRequest request, String address) {
        Map<String, List<String>> all = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (HttpField field : request.getHeaders()) {
            all.computeIfAbsent(field.getName(), k -> new ArrayList<>()).add(field.getValue());
        }
        if (!all.containsKey("Host") && request.getHttpURI().getAuthority() != null) {
            all.put("Host", List.of(request.getHttpURI().getAuthority()));
        }
        return new HeaderPolicy.ClientRequest(all, address,
                request.getConnectionMetaData().getConnection().getEndPoint().getRemoteSocketAddress(),
                request.isSecure());
    }

    private Endpoint find(String endpointId) {
        Optional<Endpoint> found;
        try {
            found = lookup.lookup(endpointId);
        } catch (StoreUnavailableException e) {
            // The store logs its outages itself, judged by its database: an answer from a cache
            // in front says nothing about whether the database is back.
            throw new UpgradeRejectedException(503, "store_unavailable", "the endpoint store is unreachable", e);
        } catch (StoreException e) {
            LOG.warn("endpoint store failed: {}", e.getClass().getSimpleName());
            throw new UpgradeRejectedException(503, "store_unavailable", "the endpoint store failed", e);
        }
        Endpoint endpoint = found.orElseThrow(() -> new UpgradeRejectedException(404, "endpoint_not_found",
                "no endpoint " + Json.quoteForDetail(endpointId)));
        if (!endpoint.isActive()) {
            throw new UpgradeRejectedException(403, "endpoint_inactive",
                    "endpoint " + endpoint.id() + " is " + endpoint.status());
        }
        return endpoint;
    }

    private void reject(ServerUpgradeResponse response, Callback callback, UpgradeRejectedException e,
                        String endpointId, String client) {
        metrics.upgradeRefused(e.status(), e.error());
        LOG.info("upgrade refused: status={} error={} endpoint={} client={} detail={}",
                e.status(), e.error(), LogText.safe(endpointId), client, LogText.safe(e.detail()));
        if (e.retryAfterSeconds() > 0) {
            response.getHeaders().put(HttpHeader.RETRY_AFTER, e.retryAfterSeconds());
        }
        Json.writeError(response, callback, e.status(), e.error(), e.detail());
    }
}
