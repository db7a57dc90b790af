package io.wsrelay.relay;

import io.wsrelay.relay.config.RelayConfig;
import io.wsrelay.relay.ops.RelayMetrics;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.common.WebSocketSession;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * One relayed connection: the client's WebSocket (downstream, Jetty) paired with the upstream
 * WebSocket (JDK client), and the two {@link Pump}s between them, each on its own virtual thread
 * named {@code relay-<id>-up} / {@code relay-<id>-down}.
 *
 * <p>Lifecycle: created by the opening handshake before the upstream connects; the pumps start
 * when Jetty opens the client's side. Whoever closes first has its code and reason forwarded
 * (through {@link CloseCodes}); a side that does not answer a close frame within
 * {@code relay.close-timeout} is aborted. When both pumps have ended, both connections are
 * closed and the finish callback runs exactly once: threads, sockets and the session permit are
 * released on every path.
 *
 * <p>Thread-safe: pumps, library callbacks, timers and shutdown call in concurrently; each close
 * action runs at most once.
 */
final class RelaySession {
    private static final Logger LOG = LoggerFactory.getLogger(RelaySession.class);

    private final long id;
    private final String endpointId;
    private final String clientAddress;
    private final URI upstreamUri;
    private final RelayConfig config;
    private final ScheduledExecutorService scheduler;
    private final Consumer<RelaySession> onFinish;
    private final AtomicInteger pumpThreads;
    private final RelayMetrics metrics;

    private final Inbox toUpstream = new Inbox();
    private final Inbox toDownstream = new Inbox();
    private final CompletableFuture<Void> upstreamCloseAnswered = new CompletableFuture<>();
    private final DownstreamListener downstreamListener = new DownstreamListener(this, toUpstream);
    private final Keepalive keepalive;
    private final UpstreamListener upstreamListener;

    private final AtomicBoolean opened = new AtomicBoolean();
    private final AtomicBoolean upstreamCloseSent = new AtomicBoolean();
    private final AtomicBoolean downstreamCloseSent = new AtomicBoolean();
    private final AtomicBoolean finished = new AtomicBoolean();
    private final AtomicInteger pumpsRunning = new AtomicInteger(2);
    private final long startNanos = System.nanoTime();
    /** Who ended the session first: client, upstream or relay; set once. */
    private final AtomicReference<String> closedBy = new AtomicReference<>();

    private volatile WebSocket upstream;
    private volatile Session downstream;
    private volatile boolean upPumpDone;
    private volatile boolean downPumpDone;
    private volatile int codeToClient = -1;
    private volatile int codeToUpstream = -1;
    private volatile ScheduledFuture<?> pings;
    private volatile Pump upPump;
    private volatile Pump downPump;
    /** API discovery's tap, or null (capture off); set by the handshake before the pumps start. */
    private volatile SessionTap tap;

    RelaySession(long id, String endpointId, String clientAddress, URI upstreamUri, RelayConfig config,
                 ScheduledExecutorService scheduler, Consumer<RelaySession> onFinish, AtomicInteger pumpThreads,
                 RelayMetrics metrics) {
        this.pumpThreads = pumpThreads;
        this.metrics = metrics;
        this.id = id;
        this.endpointId = endpointId;
        this.clientAddress = clientAddress;
        this.upstreamUri = upstreamUri;
        this.config = config;
        this.scheduler = scheduler;
        this.onFinish = onFinish;
        this.keepalive = new Keepalive(config, toUpstream, toDownstream);
        this.upstreamListener = new UpstreamListener(toDownstream, upstreamCloseAnswered, keepalive);
    }

    long id() {
        return id;
    }

    /** Payload bytes both directions' hand-offs hold now (text in UTF-8). Any thread. */
    long heldBytes() {
        return toUpstream.bytes() + toDownstream.bytes();
    }

    String endpointId() {
        return endpointId;
    }

    /** The JDK listener to open the upstream with. */
    WebSocket.Listener upstreamListener() {
        return upstreamListener;
    }

    /** The Jetty endpoint object to return from the upgrade. */
    Session.Listener downstreamListener() {
        return downstreamListener;
    }

    Session downstream() {
        return downstream;
    }

    /**
     * The upstream is open; the client's {@code 101} is about to be sent. If Jetty has not
     * opened the client's side within the connect timeout (the client left during the upgrade),
     * the upstream is aborted and the session finished.
     */
    void upstreamConnected(WebSocket webSocket) {
        this.upstream = webSocket;
        scheduler.schedule(() -> {
            if (!opened.get()) {
                LOG.debug("{} client side never opened; aborting upstream", this);
                abandon();
            }
        }, config.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Sets API discovery's tap; called by the handshake, before the client's side opens. */
    void tap(SessionTap sessionTap) {
        this.tap = sessionTap;
    }

    /** Jetty opened the client's side: start both pumps and the keepalive timer. */
    void downstreamOpened(Session session) {
        if (finished.get() || !opened.compareAndSet(false, true)) {
            session.disconnect();
            return;
        }
        this.downstream = session;
        // The idle clocks start now, not when the session was created before a (maybe slow) upstream connect.
        keepalive.heardFromClient();
        keepalive.heardFromUpstream();
        WebSocket ws = upstream;
        SessionTap t = tap;
        Pump up = new Pump(Pump.Direction.UPSTREAM, toUpstream, session::demand,
                // Each side's writes are timed by that side's idle timeout: a stuck upstream by
                // relay.upstream.idle-timeout, a client that stops reading by relay.idle-timeout.
                tapped(new UpstreamSink(ws, config.upstreamIdleTimeout()), t == null ? null : t.toUpstream()),
                config.limits().maxMessageBytes(), this, metrics.traffic(Pump.Direction.UPSTREAM));
        Pump down = new Pump(Pump.Direction.DOWNSTREAM, toDownstream, () -> ws.request(1),
                tapped(new DownstreamSink(coreSession(session), config.idleTimeout()), t == null ? null : t.toDownstream()),
                config.limits().maxMessageBytes(), this, metrics.traffic(Pump.Direction.DOWNSTREAM));
        upPump = up;
        downPump = down;
        startThread(up, Pump.Direction.UPSTREAM);
        startThread(down, Pump.Direction.DOWNSTREAM);
        long period = keepalive.periodMillis();
        pings = scheduler.scheduleAtFixedRate(this::keepalive, period, period, TimeUnit.MILLISECONDS);
        LOG.debug("{} open", this);
    }

    /** The sink itself when capture is off ({@code tap} null), else the sink behind the tap. */
    private static Pump.Sink tapped(Pump.Sink sink, SessionTap.Messages tap) {
        return tap == null ? sink : Pump.tapped(sink, tap);
    }

    /**
     * Jetty's websocket-core session under the API {@code session}, which writes raw frames (text
     * from bytes, batched when asked); Jetty 12's API session is always a {@link WebSocketSession}.
     */
    private static CoreSession coreSession(Session session) {
        return ((WebSocketSession) session).getCoreSession();
    }

    /** Jetty reports a client-side error; the close that follows carries the code. */
    void downstreamError(Throwable cause) {
        LOG.debug("{} client side error: {}", this, cause.toString());
    }

    /** Called by a pump whose source sent a close frame, failed, or was stopped. */
    void sourceEnded(Pump.Direction direction, Inbox.Event event, Inbox inbox) {
        if (event == Inbox.Event.STOPPED) {
            return;
        }
        closedBy.compareAndSet(null, direction == Pump.Direction.UPSTREAM ? "client" : "upstream");
        if (direction == Pump.Direction.UPSTREAM) {
            // The client closed or failed.
            if (event == Inbox.Event.CLOSE && inbox.closeCode() != CloseCodes.ABNORMAL) {
                closeUpstream(CloseCodes.toUpstream(inbox.closeCode()), inbox.closeReason());
            } else {
                Throwable cause = inbox.failure() == null ? new java.io.EOFException("client connection lost") : inbox.failure();
                CloseCodes.Status status = CloseCodes.forFailure(cause, false);
                closeDownstream(status.code(), status.reason());
                closeUpstream(CloseCodes.toUpstream(status.code()), status.reason());
            }
        } else {
            // The upstream closed or failed.
            if (event == Inbox.Event.CLOSE && inbox.closeCode() != CloseCodes.ABNORMAL) {
                closeDownstream(CloseCodes.toDownstream(inbox.closeCode()), inbox.closeReason());
            } else {
                Throwable cause = inbox.failure() == null ? new java.io.EOFException("upstream connection lost") : inbox.failure();
                CloseCodes.Status status = CloseCodes.forFailure(cause, true);
                LOG.debug("{} upstream failed: {}", this, cause.toString());
                closeDownstream(status.code(), status.reason());
                abortUpstream();
            }
        }
    }

    /** Called by a pump whose write to its sink failed. */
    void sinkFailed(Pump.Direction direction, Throwable cause) {
        boolean upstreamFailed = direction == Pump.Direction.UPSTREAM;
        closedBy.compareAndSet(null, upstreamFailed ? "upstream" : "client");
        CloseCodes.Status status = CloseCodes.forFailure(cause, upstreamFailed);
        LOG.debug("{} write {} failed: {}", this, direction.label(), cause.toString());
        if (upstreamFailed) {
            closeDownstream(status.code(), status.reason());
            abortUpstream();
        } else {
            closeUpstream(CloseCodes.toUpstream(status.code()), status.reason());
            disconnectDownstream();
        }
    }

    /**
     * Called by a pump that refused what its source sent: a message over
     * {@code relay.limits.max-message-bytes} (the sender gets 1009) or text that is not valid
     * UTF-8 (1007). The other side is told why: a client's invalid text reaches the upstream as
     * the close code the client got, mapped for the JDK ({@link CloseCodes#toUpstream}), as when
     * Jetty refused it itself.
     */
    void sourceRefused(Pump.Direction direction, RelayException e) {
        CloseCodes.Status status = CloseCodes.forFailure(e, false);
        boolean tooBig = e instanceof CloseCodes.MessageTooBigException;
        closedBy.compareAndSet(null, "relay");
        if (direction == Pump.Direction.UPSTREAM) {
            closeDownstream(status.code(), status.reason());
            if (tooBig) {
                closeUpstream(CloseCodes.GOING_AWAY, "client message over the size limit");
            } else {
                closeUpstream(CloseCodes.toUpstream(status.code()), status.reason());
            }
        } else {
            closeUpstream(CloseCodes.toUpstream(status.code()), status.reason());
            closeDownstream(CloseCodes.BAD_GATEWAY, tooBig ? "upstream message over the size limit"
                    : "upstream sent invalid text");
        }
    }

    /** Called by each pump as it ends; the second call finishes the session. */
    void pumpFinished(Pump.Direction direction) {
        if (direction == Pump.Direction.UPSTREAM) {
            upPumpDone = true;
        } else {
            downPumpDone = true;
        }
        if (pumpsRunning.decrementAndGet() == 0) {
            finish();
        }
    }

    /**
     * Closes the client's side with {@code clientCode} and the upstream with {@code upstreamCode}
     * (1001 and 1000 when the relay shuts down). Returns at once; the pumps end when the close
     * handshakes complete or time out.
     */
    void close(int clientCode, int upstreamCode, String reason) {
        closedBy.compareAndSet(null, "relay");
        if (!opened.get()) {
            abandon();
            return;
        }
        // Claim both sides before sending either: a peer answering the first close at once
        // would otherwise have its own code forwarded to the other side instead of ours.
        boolean down = downstream != null && downstreamCloseSent.compareAndSet(false, true);
        boolean up = upstream != null && upstreamCloseSent.compareAndSet(false, true);
        if (down) {
            sendDownstreamClose(clientCode, reason);
        }
        if (up) {
            sendUpstreamClose(CloseCodes.toUpstream(upstreamCode), reason);
        }
    }

    /** Ends a session whose client side never opened. */
    void abandon() {
        closedBy.compareAndSet(null, "client");
        if (opened.compareAndSet(false, true)) {
            // Neither pump will run.
            abortUpstream();
            pumpsRunning.set(0);
            finish();
        }
    }

    private void closeUpstream(int code, String reason) {
        if (upstream != null && upstreamCloseSent.compareAndSet(false, true)) {
            sendUpstreamClose(code, reason);
        }
    }

    /** Sends the upstream a close frame; the caller has claimed {@code upstreamCloseSent}. */
    private void sendUpstreamClose(int code, String reason) {
        WebSocket ws = upstream;
        codeToUpstream = code;
        try {
            ws.sendClose(code, CloseCodes.truncate(reason)).whenComplete((w, x) -> upstreamCloseAnswered.complete(null));
        } catch (IllegalArgumentException e) {
            codeToUpstream = CloseCodes.NORMAL;
            ws.sendClose(CloseCodes.NORMAL, "").whenComplete((w, x) -> upstreamCloseAnswered.complete(null));
        }
        // The upstream must answer with its own close; if it does not, cut it off.
        scheduler.schedule(() -> {
            if (!downPumpDone || !ws.isInputClosed()) {
                LOG.debug("{} upstream did not answer close within {} ms; aborting", this, config.closeTimeout().toMillis());
                abortUpstream();
            }
        }, config.closeTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    private void closeDownstream(int code, String reason) {
        if (downstream != null && downstreamCloseSent.compareAndSet(false, true)) {
            sendDownstreamClose(code, reason);
        }
    }

    /** Sends the client a close frame; the caller has claimed {@code downstreamCloseSent}. */
    private void sendDownstreamClose(int code, String reason) {
        Session session = downstream;
        codeToClient = code;
        // 1005 means the upstream's close frame was empty: Jetty sends an empty close frame for it.
        session.close(code, code == CloseCodes.NO_STATUS ? null : CloseCodes.truncate(reason), Callback.NOOP);
        scheduler.schedule(() -> {
            if (!upPumpDone || session.isOpen()) {
                LOG.debug("{} client did not answer close within {} ms; disconnecting", this, config.closeTimeout().toMillis());
                disconnectDownstream();
            }
        }, config.closeTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    private void abortUpstream() {
        WebSocket ws = upstream;
        if (ws != null) {
            ws.abort();
        }
        upstreamCloseAnswered.complete(null);
        toDownstream.stop();
    }

    private void disconnectDownstream() {
        Session session = downstream;
        if (session != null) {
            session.disconnect();
        }
        closeUpstream(CloseCodes.GOING_AWAY, "client connection lost");
        toUpstream.stop();
    }

    /** A frame arrived from the client. */
    void heardFromClient() {
        keepalive.heardFromClient();
    }

    /** Runs on the timer: closes a session whose side went silent, else pings both sides. */
    private void keepalive() {
        if (finished.get() || downstreamCloseSent.get() || upstreamCloseSent.get()) {
            return;
        }
        switch (keepalive.check()) {
            case CLIENT_SILENT -> {
                LOG.debug("{} client silent for {} ms; closing", this, config.idleTimeout().toMillis());
                closeDownstream(CloseCodes.GOING_AWAY, "idle timeout");
                closeUpstream(CloseCodes.GOING_AWAY, "client idle timeout");
            }
            case UPSTREAM_SILENT -> {
                LOG.debug("{} upstream silent for {} ms; closing", this, config.upstreamIdleTimeout().toMillis());
                closeUpstream(CloseCodes.GOING_AWAY, "idle timeout");
                closeDownstream(CloseCodes.GOING_AWAY, "upstream idle timeout");
            }
            case ALIVE -> keepalive.ping(downstream, upstream);
        }
    }

    private void finish() {
        if (!finished.compareAndSet(false, true)) {
            return;
        }
        ScheduledFuture<?> p = pings;
        if (p != null) {
            p.cancel(false);
        }
        // A side whose close handshake is under way is left to finish it: the timer set when
        // its close was sent aborts it if it does not answer. Any other side still open is cut.
        WebSocket ws = upstream;
        if (ws != null && !upstreamCloseSent.get() && !(ws.isInputClosed() && ws.isOutputClosed())) {
            ws.abort();
        }
        upstreamCloseAnswered.complete(null);
        Session session = downstream;
        if (session != null && session.isOpen() && !downstreamCloseSent.get()) {
            session.disconnect();
        }
        toUpstream.stop();
        toDownstream.stop();
        Duration lasted = Duration.ofNanos(System.nanoTime() - startNanos);
        LOG.debug("{} closed after {} ms", this, lasted.toMillis());
        SessionTap t = tap;
        if (t != null) {
            String by = closedBy.get();
            t.ended(codeToClient, codeToUpstream, by == null ? "relay" : by, lasted);
        }
        onFinish.accept(this);
    }

    /** What the session did; complete once it has finished (the finish callback gets it then). */
    SessionSummary summary() {
        Pump up = upPump;
        Pump down = downPump;
        String by = closedBy.get();
        return new SessionSummary(id, endpointId, clientAddress, upstreamHostPort(),
                Duration.ofNanos(System.nanoTime() - startNanos),
                up == null ? 0 : up.bytes(), down == null ? 0 : down.bytes(),
                up == null ? 0 : up.messages(), down == null ? 0 : down.messages(),
                codeToClient, codeToUpstream, by == null ? "relay" : by);
    }

    String clientAddress() {
        return clientAddress;
    }

    /** The upstream's host and port, never its path or query. */
    String upstreamHostPort() {
        return upstreamUri.getHost() + ":" + UpstreamConnector.port(upstreamUri);
    }

    private void startThread(Pump pump, Pump.Direction direction) {
        pumpThreads.incrementAndGet();
        Thread.ofVirtual()
                .name("relay-" + id + "-" + direction.label())
                .uncaughtExceptionHandler((t, e) -> LOG.error("{} pump {} died", this, t.getName(), e))
                .start(() -> {
                    try {
                        pump.run();
                    } finally {
                        pumpThreads.decrementAndGet();
                    }
                });
    }

    @Override
    public String toString() {
        String state = finished.get() ? "CLOSED"
                : (upstreamCloseSent.get() || downstreamCloseSent.get()) ? "CLOSING"
                : opened.get() ? "OPEN" : "CONNECTING";
        return "RelaySession@" + id + "{endpoint=" + endpointId + ", state=" + state + ", client=" + clientAddress
                + ", upstream=" + upstreamHostPort()
                + ", toClient=" + codeToClient + ", toUpstream=" + codeToUpstream + "}";
    }
}
