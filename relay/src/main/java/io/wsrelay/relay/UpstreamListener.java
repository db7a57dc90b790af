package io.wsrelay.relay;

import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Receives the upstream's messages from the JDK client and hands them to the downstream pump's
 * {@link Inbox}.
 *
 * <p>The JDK runs these methods on its own threads, strictly one at a time per WebSocket; they
 * never block. {@code onOpen} requests nothing: the downstream pump calls {@code request(1)}
 * once the client's side is open; after that the {@link Inbox} requests the next part inline
 * while it has credit, else the pump once a held part was written to the client. The inbox
 * copies each part (the JDK reuses its buffers once more is requested; JDK 25 ignores the stage
 * {@code onText}/{@code onBinary} return), so they return null. Pings and pongs request the
 * next message at once (the JDK answers pings itself, keeping only the latest unsent pong). Every callback tells the session's {@link Keepalive}
 * that the upstream was heard from.
 */
final class UpstreamListener implements WebSocket.Listener {
    private final Inbox toDownstream;
    private final CompletableFuture<Void> closeAnswered;
    private final Keepalive keepalive;

    /**
     * @param closeAnswered completed when the relay has answered (or given up answering) the
     *                      upstream's close; the JDK then closes its output if it is still open
     */
    UpstreamListener(Inbox toDownstream, CompletableFuture<Void> closeAnswered, Keepalive keepalive) {
        this.toDownstream = toDownstream;
        this.closeAnswered = closeAnswered;
        this.keepalive = keepalive;
    }

    @Override
    public void onOpen(WebSocket webSocket) {
        // No request(1) yet: the client's side is not open.
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        keepalive.heardFromUpstream();
        toDownstream.offerText(data, last); // copied: the JDK may reuse its buffer once this returns
        return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
        keepalive.heardFromUpstream();
        toDownstream.offerBinary(data, last, null); // copied, as text
        return null;
    }

    @Override
    public CompletionStage<?> onPing(WebSocket webSocket, ByteBuffer message) {
        keepalive.heardFromUpstream();
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onPong(WebSocket webSocket, ByteBuffer message) {
        keepalive.heardFromUpstream();
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        toDownstream.close(statusCode, reason);
        return closeAnswered;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        toDownstream.fail(error);
    }
}
