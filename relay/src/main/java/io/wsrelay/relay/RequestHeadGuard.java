package io.wsrelay.relay;

import io.wsrelay.relay.config.RelayConfig;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.server.ConnectionMetaData;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Bounds the connections that have not finished their HTTP request head, against slow-header
 * (slowloris) floods that would otherwise hold every file descriptor:
 * <ul>
 * <li>a <b>deadline</b>: a connection must deliver its whole request head within
 *     {@code relay.handshake-timeout} of its opening (TLS handshake included), or of the end of
 *     its previous request when kept alive; bytes that trickle in do not extend it (nginx's
 *     {@code client_header_timeout}). Past it the connection is closed.</li>
 * <li><b>limits</b>: at most {@code relay.limits.max-pending-heads-per-client} such connections
 *     per client address (the connecting peer) and {@code relay.limits.max-pending-heads} in
 *     all. A new connection past either limit makes room by closing the <em>oldest</em> pending
 *     one (of that address, or overall): a new client, {@code /healthz} and {@code /readyz}
 *     probes included, always gets its turn, and a client that sends its head at once (as
 *     browsers, proxies and probes do) is never the oldest for long.</li>
 * </ul>
 * Closings are logged once per episode (WARN when the first happens, INFO with the totals once
 * none happened for a deadline's length), never per connection, and counted in
 * {@code wsrelay_request_heads_closed_total}.
 *
 * <p>Jetty tells the guard of each connection's opening and closing ({@link Connection.Listener},
 * registered on the connectors), and {@link #handler} tells it when a request head has arrived
 * (a request reaches the handlers) and when a kept-alive connection waits for its next one.
 * Cost: per connection, a map insert and removal under one lock; per request, one map removal;
 * no cost per WebSocket message. A timer sweeps the deadlines every
 * {@code handshake-timeout / 10} (at least 50 ms, at most 1 s), visiting only expired ones.
 *
 * <p>Thread-safe.
 */
final class RequestHeadGuard implements Connection.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(RequestHeadGuard.class);

    /** A connection waiting for (the rest of) a request head. */
    private record Pending(EndPoint endPoint, InetAddress client, long since) {
    }

    private final long deadlineNanos;
    private final int maxPending;
    private final int maxPendingPerClient;
    private final ReentrantLock lock = new ReentrantLock();
    /** Oldest first: insertion order is the order of {@link Pending#since}. Guarded by lock. */
    private final LinkedHashMap<EndPoint, Pending> pending = new LinkedHashMap<>();
    /** Pending connections per client address. Guarded by lock. */
    private final Map<InetAddress, Integer> perClient = new HashMap<>();
    /** Network endpoints of open, not yet upgraded HTTP connections. */
    private final Set<EndPoint> open = ConcurrentHashMap.newKeySet();

    // Episode of closings, guarded by lock.
    private boolean inEpisode;
    private long episodeStart;
    private long lastClosing;
    private long closedAtDeadline;
    private long closedForLimits;
    private int mostPending;
    // Since the start, for the metrics; guarded by lock.
    private long totalAtDeadline;
    private long totalForLimits;

    RequestHeadGuard(Duration deadline, int maxPending, int maxPendingPerClient, ScheduledExecutorService timer) {
        this.deadlineNanos = deadline.toNanos();
        this.maxPending = maxPending;
        this.maxPendingPerClient = maxPendingPerClient;
        long sweepMillis = Math.clamp(deadline.toMillis() / 10, 50, 1000);
        timer.scheduleWithFixedDelay(this::sweep, sweepMillis, sweepMillis, TimeUnit.MILLISECONDS);
    }

    static RequestHeadGuard create(RelayConfig config, ScheduledExecutorService timer) {
        return new RequestHeadGuard(config.handshakeTimeout(), config.limits().maxPendingHeads(),
                config.limits().maxPendingHeadsPerClient(), timer);
    }

    /** Connections now waiting for a request head (all connectors together). */
    int pending() {
        lock.lock();
        try {
            return pending.size();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Exports {@code wsrelay_request_heads_pending} (connections waiting for a request head now)
     * and {@code wsrelay_request_heads_closed_total{reason="deadline"|"limit"}}, read at each scrape.
     */
    void bindTo(MeterRegistry registry) {
        Gauge.builder("wsrelay.request.heads.pending", this, RequestHeadGuard::pending)
                .description("Connections that have not finished their request head yet").register(registry);
        FunctionCounter.builder("wsrelay.request.heads.closed", this, g -> g.total(true))
                .description("Connections closed before finishing their request head: at the deadline, or to stay "
                        + "within the pending-head limits").tag("reason", "deadline").register(registry);
        FunctionCounter.builder("wsrelay.request.heads.closed", this, g -> g.total(false))
                .description("Connections closed before finishing their request head: at the deadline, or to stay "
                        + "within the pending-head limits").tag("reason", "limit").register(registry);
    }

    private double total(boolean atDeadline) {
        lock.lock();
        try {
            return atDeadline ? totalAtDeadline : totalForLimits;
        } finally {
            lock.unlock();
        }
    }

    /** Open HTTP connections not (yet) upgraded to WebSocket, all connectors together. */
    int httpConnections() {
        return open.size();
    }

    @Override
    public void onOpened(Connection connection) {
        EndPoint endPoint = connection.getEndPoint();
        // The outermost connection of a socket: plain HTTP/1.1, or TLS (whose deadline then
        // covers the TLS handshake too). The HTTP connection inside TLS shares its entry.
        if (connection instanceof SslConnection
                || (isHttp(connection) && !(endPoint instanceof EndPoint.Wrapper))) {
            open.add(endPoint);
            arm(endPoint);
        }
    }

    @Override
    public void onClosed(Connection connection) {
        // Any closing on the socket ends the wait: the connection closed, or its HTTP connection
        // was upgraded to a WebSocket (which Jetty reports as the HTTP connection's closing).
        if (connection instanceof SslConnection || isHttp(connection)) {
            EndPoint endPoint = network(connection.getEndPoint());
            open.remove(endPoint);
            disarm(endPoint);
        }
    }

    /** A handler, to be the server's first, that tells this guard of request heads arriving and requests ending. */
    Handler handler(Handler next) {
        return new Handler.Wrapper(next) {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                Connection connection = request.getConnectionMetaData().getConnection();
                EndPoint endPoint = network(connection.getEndPoint());
                if (!open.contains(endPoint)) {
                    return super.handle(request, response, callback);
                }
                disarm(endPoint);
                return super.handle(request, response, new Callback.Nested(callback) {
                    @Override
                    public void completed() {
                        // A kept-alive connection now waits for its next head, with a new deadline.
                        if (response.getStatus() != HttpStatus.SWITCHING_PROTOCOLS_101
                                && connection.getEndPoint().getConnection() == connection
                                && connection.getEndPoint().isOpen() && open.contains(endPoint)) {
                            arm(endPoint);
                        }
                    }
                });
            }
        };
    }

    /** An HTTP/1.1 server connection (Jetty's describes itself as its own metadata); not a WebSocket one. */
    private static boolean isHttp(Connection connection) {
        return connection instanceof ConnectionMetaData;
    }

    private static EndPoint network(EndPoint endPoint) {
        EndPoint e = endPoint;
        while (e instanceof EndPoint.Wrapper w && w.unwrap() != null && w.unwrap() != e) {
            e = w.unwrap();
        }
        return e;
    }

    private static InetAddress clientOf(EndPoint endPoint) {
        return endPoint.getRemoteSocketAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
    }

    /** Starts the deadline of {@code endPoint}'s next head; closes the oldest pending ones past a limit. */
    private void arm(EndPoint endPoint) {
        InetAddress client = clientOf(endPoint);
        List<Pending> evicted = new ArrayList<>(2);
        lock.lock();
        try {
            if (pending.containsKey(endPoint)) {
                return;
            }
            pending.put(endPoint, new Pending(endPoint, client, System.nanoTime()));
            int ofClient = perClient.merge(client, 1, Integer::sum);
            if (ofClient > maxPendingPerClient) {
                evicted.add(removeOldest(client));
            }
            if (pending.size() > maxPending) {
                evicted.add(removeOldest(null));
            }
            mostPending = Math.max(mostPending, pending.size());
        } finally {
            lock.unlock();
        }
        for (Pending p : evicted) {
            close(p, false);
        }
    }

    private void disarm(EndPoint endPoint) {
        lock.lock();
        try {
            Pending p = pending.remove(endPoint);
            if (p != null) {
                forget(p);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Removes the oldest pending connection of {@code client}, or of anyone when null. Under lock. */
    private Pending removeOldest(InetAddress client) {
        for (Iterator<Pending> it = pending.values().iterator(); it.hasNext(); ) {
            Pending p = it.next();
            if (client == null || client.equals(p.client())) {
                it.remove();
                forget(p);
                return p;
            }
        }
        throw new IllegalStateException("no pending connection to remove");
    }

    private void forget(Pending p) {
        perClient.computeIfPresent(p.client(), (k, n) -> n == 1 ? null : n - 1);
    }

    /** Closes the connections past their deadline and ends a quiet episode. Runs on the timer. */
    private void sweep() {
        List<Pending> expired = new ArrayList<>();
        String summary = null;
        long now = System.nanoTime();
        lock.lock();
        try {
            for (Iterator<Pending> it = pending.values().iterator(); it.hasNext(); ) {
                Pending p = it.next();
                if (now - p.since() < deadlineNanos) {
                    break;
                }
                it.remove();
                forget(p);
                expired.add(p);
            }
            if (inEpisode && expired.isEmpty() && now - lastClosing >= deadlineNanos) {
                inEpisode = false;
                summary = "request heads: episode over after " + Duration.ofNanos(now - episodeStart).toMillis()
                        + " ms: " + closedAtDeadline + " connections closed at the " + deadlineNanos / 1_000_000
                        + " ms deadline, " + closedForLimits + " closed to stay within the limits; at most "
                        + mostPending + " unfinished heads at once";
            }
        } finally {
            lock.unlock();
        }
        for (Pending p : expired) {
            close(p, true);
        }
        if (summary != null) {
            LOG.info(summary);
        }
    }

    private void close(Pending p, boolean atDeadline) {
        boolean first;
        lock.lock();
        try {
            first = !inEpisode;
            if (first) {
                inEpisode = true;
                episodeStart = System.nanoTime();
                closedAtDeadline = 0;
                closedForLimits = 0;
                mostPending = pending.size();
            }
            lastClosing = System.nanoTime();
            if (atDeadline) {
                closedAtDeadline++;
                totalAtDeadline++;
            } else {
                closedForLimits++;
                totalForLimits++;
            }
        } finally {
            lock.unlock();
        }
        if (first) {
            LOG.warn("request heads: closing connections that do not send their whole request head within {} ms "
                            + "(relay.handshake-timeout) or exceed {} unfinished heads per client address / {} in all "
                            + "(relay.limits.max-pending-heads-per-client / max-pending-heads); first {} from {}. "
                            + "Slow or stalled clients, or a slow-header flood; one line per episode, a summary at its end",
                    deadlineNanos / 1_000_000, maxPendingPerClient, maxPending, atDeadline ? "at the deadline" : "for the limits",
                    p.client() == null ? "?" : p.client().getHostAddress());
        } else {
            LOG.debug("request head {}: closing connection from {}", atDeadline ? "deadline" : "limit", p.client());
        }
        // Expire it through Jetty's own idle path (the fill interest fails on the connection's
        // thread) instead of closing the endpoint from this one: a close racing the connection's
        // read released its request buffer twice ("already released", seen in HostilePeersTest).
        p.endPoint().setIdleTimeout(1);
    }
}
