package io.wsrelay.relay;

import io.wsrelay.relay.config.RelayConfig;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;

import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * One session's liveness: when each side was last heard from, the pings that make live but
 * quiet peers answer, and the verdict when a side has been silent past its idle timeout
 * ({@code relay.idle-timeout} for the client, {@code relay.upstream.idle-timeout} for the
 * upstream).
 *
 * <p>"Heard" means a frame arrived from that side, pings and pongs included. Write activity
 * does not count: the kernel accepts writes to a peer that vanished, which is why Jetty's own
 * idle timeout alone would keep a dead browser for as long as TCP retries. A side the relay is
 * not reading because its pump still writes that side's previous part to the other side counts
 * as heard: it waits for the relay, it is not silent.
 *
 * <p>{@link #check} and {@link #ping} run on the session's timer only; the {@code heard}
 * methods on the libraries' threads. Thread-safe.
 */
final class Keepalive {

    /** What {@link #check} found. */
    enum Verdict { ALIVE, CLIENT_SILENT, UPSTREAM_SILENT }

    private final Duration clientIdle;
    private final Duration upstreamIdle;
    private final Duration pingInterval;
    private final Inbox fromClient;
    private final Inbox fromUpstream;
    private volatile long clientHeardNanos = System.nanoTime();
    private volatile long upstreamHeardNanos = clientHeardNanos;
    private CompletableFuture<WebSocket> upstreamPing;

    /**
     * @param fromClient   the inbox holding the client's parts on their way upstream
     * @param fromUpstream the inbox holding the upstream's parts on their way to the client
     */
    Keepalive(RelayConfig config, Inbox fromClient, Inbox fromUpstream) {
        this.clientIdle = config.idleTimeout();
        this.upstreamIdle = config.upstreamIdleTimeout();
        this.pingInterval = config.pingInterval();
        this.fromClient = fromClient;
        this.fromUpstream = fromUpstream;
    }

    /**
     * How often {@link #check} and {@link #ping} run, in milliseconds: the ping interval, or with
     * pings off a quarter of the shorter idle timeout, so a silent side is found within its idle
     * timeout plus this period.
     */
    long periodMillis() {
        long idle = Math.min(clientIdle.toMillis(), upstreamIdle.toMillis());
        return pingInterval.isZero() ? Math.max(1, idle / 4) : Math.max(1, pingInterval.toMillis());
    }

    void heardFromClient() {
        clientHeardNanos = System.nanoTime();
    }

    void heardFromUpstream() {
        upstreamHeardNanos = System.nanoTime();
    }

    /** Whether a side has been silent past its idle timeout, the client checked first. */
    Verdict check() {
        long now = System.nanoTime();
        if (fromClient.isHolding()) {
            clientHeardNanos = now;
        }
        if (fromUpstream.isHolding()) {
            upstreamHeardNanos = now;
        }
        if (now - clientHeardNanos > clientIdle.toNanos()) {
            return Verdict.CLIENT_SILENT;
        }
        if (now - upstreamHeardNanos > upstreamIdle.toNanos()) {
            return Verdict.UPSTREAM_SILENT;
        }
        return Verdict.ALIVE;
    }

    /**
     * Pings both sides (when pings are on). An upstream ping still unanswered by the JDK (its
     * output is stuck) is not stacked: the JDK allows one outstanding ping.
     */
    void ping(Session client, WebSocket upstream) {
        if (pingInterval.isZero()) {
            return;
        }
        if (client != null && client.isOpen()) {
            client.sendPing(BufferUtil.EMPTY_BUFFER, Callback.NOOP);
        }
        if (upstream != null && !upstream.isOutputClosed() && (upstreamPing == null || upstreamPing.isDone())) {
            upstreamPing = upstream.sendPing(ByteBuffer.allocate(0));
        }
    }
}
