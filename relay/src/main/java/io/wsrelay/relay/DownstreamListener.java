package io.wsrelay.relay;

import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Frame;
import org.eclipse.jetty.websocket.api.Session;

/**
 * Receives the client's frames from Jetty, raw, and hands data frames to the upstream pump's
 * {@link Inbox}.
 *
 * <p>Raw frames: this listener overrides {@link #onWebSocketFrame}, so Jetty (12.1) hands it
 * every frame, data and control, and skips its message sinks (the partial-text sink built a
 * string builder the size of the input buffer, 16 KiB, for every text message, and a String per
 * part). The frame's payload is Jetty's network buffer, held until the frame's callback
 * completes: the inbox holds text and binary parts alike and completes the callback once the
 * part is written upstream. Text is not validated here; the upstream pump decodes it, checking
 * UTF-8 across fragments (1007 otherwise). Jetty's own checks stay: protocol errors (1002),
 * frame size, close frame codes.
 *
 * <p>Explicit demand (not {@code Session.Listener.AutoDemanding}): Jetty delivers the next frame
 * only after {@code session.demand()}, which the {@link Inbox} calls inline while it has credit,
 * else the pump once a held part was written upstream. Jetty calls these methods one at a time
 * per session; none of them blocks. Pings are answered here (the pump never sees them) with the
 * ping's own buffer; the ping frame is completed and the next frame demanded once the pong is
 * written, not before: Jetty queues outgoing frames without a bound, so a client that pings
 * without reading would otherwise make the relay hold one pong per ping (issue 10: +1 GiB in
 * 10 s). With the demand after the write, a session holds at most one pong, and a client that
 * does not read its pongs stops being read, as it would for data. Pongs demand at once. A close
 * frame goes to the inbox with its code and reason, and its callback lets Jetty answer it.
 * Every frame tells the session the client was heard from.
 *
 * <p>Public only because Jetty binds listener methods reflectively; not part of the API.
 */
public final class DownstreamListener implements Session.Listener {
    private final RelaySession relay;
    private final Inbox toUpstream;
    /** The ping frame whose pong is being written; at most one (the next frame waits for its pong). */
    private volatile Callback pinged;
    /** Completes the one pong in flight: gives the ping's buffer back and demands the next frame. Reused. */
    private final Callback pongWritten = new Callback() {
        @Override
        public void succeed() {
            pinged.succeed();
            relay.downstream().demand();
        }

        @Override
        public void fail(Throwable cause) {
            // The connection is failing; Jetty reports it through onWebSocketError / onWebSocketClose.
            pinged.succeed();
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
    public void onWebSocketFrame(Frame frame, Callback callback) {
        relay.heardFromClient();
        switch (frame.getType()) {
            case TEXT, BINARY, CONTINUATION -> {
                if (frame.getEffectiveOpCode() == Frame.Type.TEXT.getOpCode()) {
                    toUpstream.offerText(frame.getPayload(), frame.isFin(), callback);
                } else {
                    toUpstream.offerBinary(frame.getPayload(), frame.isFin(), callback);
                }
            }
            case PING -> {
                pinged = callback;
                relay.downstream().sendPong(frame.getPayload(), pongWritten);
            }
            case PONG -> {
                callback.succeed();
                relay.downstream().demand();
            }
            case CLOSE -> {
                Frame.CloseStatus status = frame.getCloseStatus();
                toUpstream.close(status.statusCode(), status.reason());
                callback.succeed(); // Jetty answers the close now, unless the relay's own close went first
            }
        }
    }

    /** The connection ended: after a close handshake (its code already reached the inbox), or without one (1006). */
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
