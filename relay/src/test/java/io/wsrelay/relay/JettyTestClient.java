package io.wsrelay.relay;

import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.client.WebSocketClient;

import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A Jetty WebSocket client for what the JDK client cannot do: send any close code (1003,
 * 1012, an empty close frame) or drop the connection outright.
 */
public final class JettyTestClient implements AutoCloseable {
    private final WebSocketClient client = new WebSocketClient();
    private final Listener listener = new Listener();
    private final Session session;

    public JettyTestClient(URI uri) throws Exception {
        client.start();
        session = client.connect(listener, uri).get(Timeouts.MESSAGE.toSeconds(), TimeUnit.SECONDS);
    }

    public Session session() {
        return session;
    }

    /** Sends a close frame with {@code code}; 1005 sends an empty close frame. */
    public void close(int code, String reason) {
        session.close(code, reason, Callback.NOOP);
    }

    /** The close the client received (code, reason). */
    public CompletableFuture<TestClient.Closed> closed() {
        return listener.closed;
    }

    @Override
    public void close() throws Exception {
        client.stop();
    }

    /** Records the close; public because Jetty binds listener methods reflectively. */
    public static final class Listener implements Session.Listener.AutoDemanding {
        final CompletableFuture<TestClient.Closed> closed = new CompletableFuture<>();

        @Override
        public void onWebSocketClose(int code, String reason) {
            closed.complete(new TestClient.Closed(code, reason == null ? "" : reason));
        }
    }
}
