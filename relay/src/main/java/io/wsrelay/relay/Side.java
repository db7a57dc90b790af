package io.wsrelay.relay;

import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One side of a relayed session, the client's WebSocket or the upstream's: its connection, the
 * close frame the relay sent it, and whether the pump that reads it has ended; {@link #state()}
 * (and {@link #toString()}) says where its close handshake is. The mechanics are the same for
 * both sides and live here once; which code goes to which side is {@link CloseCodes#plan}'s
 * choice, made by the session.
 *
 * <p>Close runs at most once per side ({@link #claimClose()}); a side that has not answered its
 * close within {@code relay.close-timeout} is cut off ({@link #cut()}). Thread-safe: pumps,
 * library callbacks and timers call in concurrently.
 */
abstract class Side {
    private static final Logger LOG = LoggerFactory.getLogger(Side.class);

    /** Where a side's close handshake is. */
    enum State {
        /** Its connection is not there yet (the upstream is connecting, the client's 101 not sent). */
        CONNECTING,
        OPEN,
        /** The relay sent it a close frame; its answer has not come. */
        CLOSE_SENT,
        /** It ended its input (close frame or lost connection); the relay has sent it no close. */
        INPUT_ENDED,
        /** Both: the relay's close sent and its input ended. */
        CLOSED
    }

    private final String name;
    private final AtomicBoolean closeSent = new AtomicBoolean();
    private volatile int codeSent = -1;
    private volatile boolean inputEnded;

    private Side(String name) {
        this.name = name;
    }

    /** The client's side, over Jetty's {@code Session}; {@link #connect} is called when Jetty opens it. */
    static Client client(Runnable cut) {
        return new Client(cut);
    }

    /** The upstream's side, over the JDK client's {@code WebSocket}. */
    static Upstream upstream(Runnable cut) {
        return new Upstream(cut);
    }

    /**
     * Claims this side's one close frame: true for the first caller once the side is connected,
     * false after. Claim both sides before sending either when both get one: a peer answering the
     * first close at once would otherwise have its own code forwarded instead of the relay's.
     */
    final boolean claimClose() {
        return isConnected() && closeSent.compareAndSet(false, true);
    }

    /**
     * Sends the close frame the caller {@link #claimClose() claimed} and arms the close timeout:
     * if the side has not answered (its pump still reads, or its connection is still open) within
     * {@code closeTimeout}, it is {@link #cut() cut off}.
     */
    final void sendClose(int code, String reason, ScheduledExecutorService timer, Duration closeTimeout) {
        codeSent = writeClose(code, reason);
        timer.schedule(() -> {
            if (!inputEnded || isStillOpen()) {
                LOG.debug("{} did not answer close within {} ms; cutting it off", this, closeTimeout.toMillis());
                cut();
            }
        }, closeTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Claims and sends in one step; false if this side's close was already claimed (or it is not connected). */
    final boolean close(int code, String reason, ScheduledExecutorService timer, Duration closeTimeout) {
        if (!claimClose()) {
            return false;
        }
        sendClose(code, reason, timer, closeTimeout);
        return true;
    }

    /** The pump reading this side has ended: the side's input is over. */
    final void inputEnded() {
        inputEnded = true;
    }

    final boolean isCloseSent() {
        return closeSent.get();
    }

    /** The close code the relay sent this side, or -1 if none was sent. */
    final int codeSent() {
        return codeSent;
    }

    final State state() {
        if (!isConnected()) {
            return State.CONNECTING;
        }
        boolean sent = closeSent.get();
        return sent && inputEnded ? State.CLOSED : sent ? State.CLOSE_SENT : inputEnded ? State.INPUT_ENDED : State.OPEN;
    }

    /** Drops the connection at once, no close handshake, and stops what depends on it; idempotent. */
    abstract void cut();

    /** Called by the session as it finishes: a side whose close handshake is not under way is dropped. */
    abstract void release();

    abstract boolean isConnected();

    /** Writes the close frame; returns the code it wrote (the JDK may refuse one). */
    abstract int writeClose(int code, String reason);

    /** Whether the connection is still open after the close timeout. */
    abstract boolean isStillOpen();

    @Override
    public String toString() {
        int c = codeSent;
        return name + "=" + state() + (c >= 0 ? "(" + c + ")" : "");
    }

    /** The client's side. */
    static final class Client extends Side {
        private final Runnable onCut;
        private volatile Session session;

        private Client(Runnable onCut) {
            super("client");
            this.onCut = onCut;
        }

        void connect(Session jettySession) {
            this.session = jettySession;
        }

        Session session() {
            return session;
        }

        @Override
        boolean isConnected() {
            return session != null;
        }

        @Override
        int writeClose(int code, String reason) {
            // 1005 means the upstream's close frame was empty: Jetty sends an empty close frame for it.
            session.close(code, code == CloseCodes.NO_STATUS ? null : CloseCodes.truncate(reason), Callback.NOOP);
            return code;
        }

        @Override
        boolean isStillOpen() {
            return session.isOpen();
        }

        @Override
        void cut() {
            Session s = session;
            if (s != null) {
                s.disconnect();
            }
            onCut.run();
        }

        @Override
        void release() {
            Session s = session;
            if (s != null && s.isOpen() && !isCloseSent()) {
                s.disconnect();
            }
        }
    }

    /** The upstream's side. */
    static final class Upstream extends Side {
        private final Runnable onCut;
        /** Completed when the relay has answered (or given up answering) the upstream's close; the JDK then closes its output. */
        private final CompletableFuture<Void> closeAnswered = new CompletableFuture<>();
        private volatile WebSocket webSocket;

        private Upstream(Runnable onCut) {
            super("upstream");
            this.onCut = onCut;
        }

        void connect(WebSocket ws) {
            this.webSocket = ws;
        }

        WebSocket webSocket() {
            return webSocket;
        }

        CompletableFuture<Void> closeAnswered() {
            return closeAnswered;
        }

        @Override
        boolean isConnected() {
            return webSocket != null;
        }

        @Override
        int writeClose(int code, String reason) {
            WebSocket ws = webSocket;
            try {
                ws.sendClose(code, CloseCodes.truncate(reason)).whenComplete((w, x) -> closeAnswered.complete(null));
                return code;
            } catch (IllegalArgumentException e) {
                ws.sendClose(CloseCodes.NORMAL, "").whenComplete((w, x) -> closeAnswered.complete(null));
                return CloseCodes.NORMAL;
            }
        }

        @Override
        boolean isStillOpen() {
            return !webSocket.isInputClosed();
        }

        @Override
        void cut() {
            WebSocket ws = webSocket;
            if (ws != null) {
                ws.abort();
            }
            closeAnswered.complete(null);
            onCut.run();
        }

        @Override
        void release() {
            WebSocket ws = webSocket;
            if (ws != null && !isCloseSent() && !(ws.isInputClosed() && ws.isOutputClosed())) {
                ws.abort();
            }
            closeAnswered.complete(null);
        }
    }
}
