package io.wsrelay.benchmarks;

import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.StatusCode;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;

import java.net.URI;
import java.nio.ByteBuffer;

/**
 * Echo WebSocket server on {@code 127.0.0.1}, ephemeral port, path {@code /echo}: every message
 * comes back whole and with its type. The in-process upstream of {@link PumpBenchmark} and of the
 * load generator's tests. It lives in main code, not in a test-jar, so that the benchmark jar
 * runs without test classes; it does nothing but echo (the relay's {@code TestUpstream} also
 * records every handshake and close, which a benchmark does not want on its hot path).
 *
 * <p>It reads the next message only after the previous echo was written (Jetty's demand), so it
 * keeps at most one write pending per session and a slow client slows it down.
 *
 * <p>Public only because Jetty reaches the listener's methods through a public lookup.
 */
public final class EchoUpstream implements AutoCloseable {

    /** Largest message echoed, in bytes; above Jetty's 64 KiB default so 64 KiB workloads fit. */
    private static final int MAX_MESSAGE_BYTES = 1 << 20;

    private final Server server;
    private final ServerConnector connector;

    private EchoUpstream() throws Exception {
        server = new Server();
        connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(WebSocketUpgradeHandler.from(server, container -> {
            container.setMaxTextMessageSize(MAX_MESSAGE_BYTES);
            container.setMaxBinaryMessageSize(MAX_MESSAGE_BYTES);
            container.addMapping("/echo", (request, response, callback) -> new Echo());
        }));
    }

    /** Starts a server; close it to release the port and its threads. */
    static EchoUpstream start() throws Exception {
        EchoUpstream upstream = new EchoUpstream();
        upstream.server.start();
        return upstream;
    }

    /** {@code ws://127.0.0.1:PORT/echo}. */
    URI echoUri() {
        return URI.create("ws://127.0.0.1:" + connector.getLocalPort() + "/echo");
    }

    /**
     * Stops the server, closing its sessions; blocks until Jetty has stopped.
     *
     * @throws IllegalStateException if Jetty fails to stop, with its failure as the cause
     */
    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) { // Jetty's LifeCycle.stop() declares Exception
            throw new IllegalStateException("echo upstream did not stop", e);
        }
    }

    /** One session; Jetty never calls it concurrently. Public for Jetty's method lookup. */
    public static final class Echo implements Session.Listener {
        private Session session;

        @Override
        public void onWebSocketOpen(Session session) {
            this.session = session;
            session.demand();
        }

        @Override
        public void onWebSocketText(String message) {
            session.sendText(message, Callback.from(session::demand, this::fail));
        }

        @Override
        public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
            session.sendBinary(payload, Callback.from(() -> {
                callback.succeed();
                session.demand();
            }, failure -> {
                callback.fail(failure);
                fail(failure);
            }));
        }

        private void fail(Throwable failure) {
            session.close(StatusCode.SERVER_ERROR, failure.getClass().getSimpleName(), Callback.NOOP);
        }
    }
}
