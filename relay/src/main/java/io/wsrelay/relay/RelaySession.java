package io.wsrelay.relay;

import io.wsrelay.relay.config.RelayConfig;
import io.wsrelay.relay.ops.RelayMetrics;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.common.WebSocketSession;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.http.WebSocket;
import java.time.Duration;
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
 * when Jetty opens the client's side. Whoever closes first has its code and reason forwarded:
 * every end of a direction (close frame, lost connection, failed write, refused message, idle
 * side) goes through {@link CloseCodes#plan}, the one chooser of close codes, and is carried out
 * on the two {@link Side}s, which hold each side's connection and close-handshake state; a side
 * that does not answer a close frame within {@code relay.close-timeout} is cut off. When both pumps have ended, both connections are
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
    /** The two sides; cutting one off stops the pump that writes into it, and a lost client tells the upstream. */
    private final Side.Client client = Side.client(this::clientCut);
    private final Side.Upstream upstream = Side.upstream(this::upstreamCut);
    private final DownstreamListener downstreamListener = new DownstreamListener(this, toUpstream);
    private final Keepalive keepalive;
    private final UpstreamListener upstreamListener;

    private final AtomicBoolean opened = new AtomicBoolean();
    private final AtomicBoolean finished = new AtomicBoolean();
    private final AtomicInteger pumpsRunning = new AtomicInteger(2);
    private final long startNanos = System.nanoTime();
    /** Who ended the session first: client, upstream or relay; set once. */
    private final AtomicReference<String> closedBy = new AtomicReference<>();

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
        this.upstreamListener = new UpstreamListener(toDownstream, upstream.closeAnswered(), keepalive);
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
        return client.session();
    }

    /**
     * The upstream is open; the client's {@code 101} is about to be sent. If Jetty has not
     * opened the client's side within the connect timeout (the client left during the upgrade),
     * the upstream is aborted and the session finished.
     */
    void upstreamConnected(WebSocket webSocket) {
        upstream.connect(webSocket);
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
        client.connect(session);
        // The idle clocks start now, not when the session was created before a (maybe slow) upstream connect.
        keepalive.heardFromClient();
        keepalive.heardFromUpstream();
        WebSocket ws = upstream.webSocket();
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
        boolean fromClient = direction == Pump.Direction.UPSTREAM;
        if (event == Inbox.Event.CLOSE && inbox.closeCode() != CloseCodes.ABNORMAL) {
            carryOut(CloseCodes.plan(fromClient, CloseCodes.Ending.SOURCE_CLOSED, inbox.closeCode(), inbox.closeReason(), null));
        } else {
            Throwable cause = inbox.failure() != null ? inbox.failure()
                    : new java.io.EOFException((fromClient ? "client" : "upstream") + " connection lost");
            LOG.debug("{} {} failed: {}", this, fromClient ? "client" : "upstream", cause.toString());
            carryOut(CloseCodes.plan(fromClient, CloseCodes.Ending.SOURCE_FAILED, 0, "", cause));
        }
    }

    /** Called by a pump whose write to its sink failed. */
    void sinkFailed(Pump.Direction direction, Throwable cause) {
        LOG.debug("{} write {} failed: {}", this, direction.label(), cause.toString());
        carryOut(CloseCodes.plan(direction == Pump.Direction.UPSTREAM, CloseCodes.Ending.SINK_FAILED, 0, "", cause));
    }

    /**
     * Called by a pump that refused what its source sent: a message over
     * {@code relay.limits.max-message-bytes} (the sender gets 1009) or text that is not valid
     * UTF-8 (1007); {@link CloseCodes#plan} says what the other side is told.
     */
    void sourceRefused(Pump.Direction direction, RelayException e) {
        carryOut(CloseCodes.plan(direction == Pump.Direction.UPSTREAM, CloseCodes.Ending.REFUSED, 0, "", e));
    }

    /**
     * Sends each side the close {@code plan} gives it (both claimed before either is sent, so a
     * peer that answers at once cannot have its code forwarded instead), then cuts off the side
     * the plan drops.
     */
    private void carryOut(CloseCodes.Plan plan) {
        closedBy.compareAndSet(null, plan.closedBy());
        boolean toClient = plan.toClient() >= 0 && client.claimClose();
        boolean toUpstream = plan.toUpstream() >= 0 && upstream.claimClose();
        if (toClient) {
            client.sendClose(plan.toClient(), plan.clientReason(), scheduler, config.closeTimeout());
        }
        if (toUpstream) {
            upstream.sendClose(plan.toUpstream(), plan.upstreamReason(), scheduler, config.closeTimeout());
        }
        switch (plan.cut()) {
            case ABORT_UPSTREAM -> upstream.cut();
            case DISCONNECT_CLIENT -> client.cut();
            case NONE -> { }
        }
    }

    /** Called by each pump as it ends; the second call finishes the session. */
    void pumpFinished(Pump.Direction direction) {
        // The up pump reads the client, the down pump the upstream.
        (direction == Pump.Direction.UPSTREAM ? client : upstream).inputEnded();
        if (pumpsRunning.decrementAndGet() == 0) {
            finish();
        }
    }

    /**
     * Closes the client's side with {@code clientCode} and the upstream with {@code upstreamCode}
     * (1001 and 1000 when the relay shuts down). Returns at once; the pumps end when the close
     * handshakes complete or time out.
     *
     * @return true if this call began the session's end; false if both sides were already
     *         closing (by a peer's close frame, an earlier call, or a failure)
     */
    boolean close(int clientCode, int upstreamCode, String reason) {
        closedBy.compareAndSet(null, "relay");
        if (!opened.get()) {
            abandon();
            return true;
        }
        // Claim both sides before sending either: a peer answering the first close at once
        // would otherwise have its own code forwarded to the other side instead of ours.
        boolean down = client.claimClose();
        boolean up = upstream.claimClose();
        if (down) {
            client.sendClose(clientCode, reason, scheduler, config.closeTimeout());
        }
        if (up) {
            upstream.sendClose(CloseCodes.toUpstream(upstreamCode), reason, scheduler, config.closeTimeout());
        }
        return down || up;
    }

    /** Ends a session whose client side never opened. */
    void abandon() {
        closedBy.compareAndSet(null, "client");
        if (opened.compareAndSet(false, true)) {
            // Neither pump will run.
            upstream.cut();
            pumpsRunning.set(0);
            finish();
        }
    }

    /** The upstream was cut off: the pump writing to the client from it stops. */
    private void upstreamCut() {
        toDownstream.stop();
    }

    /** The client was cut off: the upstream is told it went away, and the pump reading it stops. */
    private void clientCut() {
        CloseCodes.Plan lost = CloseCodes.plan(true, CloseCodes.Ending.SOURCE_FAILED, 0, "",
                new java.io.EOFException("client connection lost"));
        upstream.close(lost.toUpstream(), lost.upstreamReason(), scheduler, config.closeTimeout());
        toUpstream.stop();
    }

    /** A frame arrived from the client. */
    void heardFromClient() {
        keepalive.heardFromClient();
    }

    /** Runs on the timer: closes a session whose side went silent, else pings both sides. */
    private void keepalive() {
        if (finished.get() || client.isCloseSent() || upstream.isCloseSent()) {
            return;
        }
        switch (keepalive.check()) {
            case CLIENT_SILENT -> {
                LOG.debug("{} client silent for {} ms; closing", this, config.idleTimeout().toMillis());
                carryOut(CloseCodes.plan(true, CloseCodes.Ending.SOURCE_SILENT, 0, "", null));
            }
            case UPSTREAM_SILENT -> {
                LOG.debug("{} upstream silent for {} ms; closing", this, config.upstreamIdleTimeout().toMillis());
                carryOut(CloseCodes.plan(false, CloseCodes.Ending.SOURCE_SILENT, 0, "", null));
            }
            case ALIVE -> keepalive.ping(client.session(), upstream.webSocket());
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
        upstream.release();
        client.release();
        toUpstream.stop();
        toDownstream.stop();
        Duration lasted = Duration.ofNanos(System.nanoTime() - startNanos);
        LOG.debug("{} closed after {} ms", this, lasted.toMillis());
        SessionTap t = tap;
        if (t != null) {
            String by = closedBy.get();
            t.ended(client.codeSent(), upstream.codeSent(), by == null ? "relay" : by, lasted);
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
                client.codeSent(), upstream.codeSent(), by == null ? "relay" : by);
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
                : (upstream.isCloseSent() || client.isCloseSent()) ? "CLOSING"
                : opened.get() ? "OPEN" : "CONNECTING";
        return "RelaySession@" + id + "{endpoint=" + endpointId + ", state=" + state + ", client=" + clientAddress
                + ", upstream=" + upstreamHostPort() + ", sides={" + client + ", " + upstream + "}}";
    }
}
