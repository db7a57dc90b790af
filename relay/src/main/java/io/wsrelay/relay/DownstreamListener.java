package io.wsrelay.relay;

import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;

import java.nio.ByteBuffer;

/**
 * Receives the client's frames from Jetty and hands them to the upstream pump's {@link Inbox}.
 *
 * <p>Explicit demand (not {@code Session.Listener.AutoDemanding}): Jetty delivers the next frame
 * only after {@code session.demand()}, which the {@link Inbox} calls inline while it has credit,
 * else the pump once a held part was written upstream. Jetty calls these methods one at a time per session; none of them blocks. Pings are
 * answered here (the pump never sees them); the next frame is demanded once the pong is written,
 * not before: Jetty queues outgoing frames without a bound, so a client that pings without
 * reading would otherwise make the relay hold one pong per ping (issue 10: +1 GiB in 10 s). With
 * the demand after the write, a session holds at most one pong, and a client that does not read
 * its pongs stops being read, as it would for data. Pongs demand at once. Every frame tells the
 * session the client was heard from.
 *
 * <p>Public only because Jetty binds listener methods reflectively; not part of the API.
 */
public final class DownstreamListener implements Session.Listener {
    private final RelaySession relay;
    private final Inbox toUpstream;
    /** Completes the one pong in flight: demands the next frame. Reused; at most one pong is pending. */
    private final Callback pongWritten = new Callback() {
        @Override
        public void succeed() {
            relay.downstream().demand();
        }

        @Override
        public void fail(Throwable cause) {
            // The connection is failing; Jetty reports it through onWebSocketError / onWebSocketClose.
        }
    };

    DownstreamListener(RelaySession relay, Inbox toUpstream) {
        this.relay = relay;
        this.toUpstream = toUpstream;
    }

    @Override
    public void onWebSocketOpen(Session session) {
        relay.downstreamOpened(session);
    }

    @Override
    public void onWebSocketPartialText(String part, boolean last) {
        relay.heardFromClient();
        toUpstream.offerText(part, last);
    }

    @Override
    public void onWebSocketPartialBinary(ByteBuffer part, boolean last, Callback callback) {
        relay.heardFromClient();
        toUpstream.offerBinary(part, last, callback);
    }

    @Override
    public void onWebSocketPing(ByteBuffer payload) {
        relay.heardFromClient();
        relay.downstream().sendPong(payload, pongWritten);
    }

    @Override
    public void onWebSocketPong(ByteBuffer payload) {
        relay.heardFromClient();
        relay.downstream().demand();
    }

    @Override
    public void onWebSocketClose(int code, String reason) {
        relay.heardFromClient();
        toUpstream.close(code, reason);
    }

    @Override
    public void onWebSocketError(Throwable cause) {
        relay.downstreamError(cause);
    }
}
