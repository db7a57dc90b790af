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
 * once the client's side is open, and again after each part is written to the client. The
 * returned stage of {@code onText}/{@code onBinary} completes when the pump has written the
 * part, which is when the JDK may reuse its buffer. Pings and pongs request the next message
 * at once (the JDK answers pings itself). Every callback tells the session's {@link Keepalive}
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
        CompletableFuture<Void> written = new CompletableFuture<>();
        toDownstream.offerText(data, last, written);
        return written;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
        keepalive.heardFromUpstream();
        CompletableFuture<Void> written = new CompletableFuture<>();
        toDownstream.offerBinary(data, last, null, written);
        return written;
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
