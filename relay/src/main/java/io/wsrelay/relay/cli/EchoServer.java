package io.wsrelay.relay.cli;

import io.wsrelay.relay.RelayException;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.VirtualThreadPool;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;

import java.nio.ByteBuffer;

/**
 * A WebSocket echo server for demos and smoke tests: every text or binary message comes back
 * unchanged, on any path; the first subprotocol offered is accepted. Not part of the relay.
 */
public final class EchoServer implements AutoCloseable {
    /** Largest echoed message, in bytes. */
    private static final long MAX_MESSAGE_BYTES = 16L << 20;

    private final Server server;
    private final ServerConnector connector;

    private EchoServer(String host, int port) {
        server = new Server(new VirtualThreadPool());
        connector = new ServerConnector(server);
        connector.setHost(host);
        connector.setPort(port);
        server.addConnector(connector);
        server.setHandler(WebSocketUpgradeHandler.from(server, container -> {
            container.setMaxTextMessageSize(MAX_MESSAGE_BYTES);
            container.setMaxBinaryMessageSize(MAX_MESSAGE_BYTES);
            container.addMapping("/*", (request, response, callback) -> {
                if (!request.getSubProtocols().isEmpty()) {
                    response.setAcceptedSubProtocol(request.getSubProtocols().getFirst());
                }
                return new Echo();
            });
        }));
    }

    /**
     * Starts an echo server.
     *
     * @throws RelayException if the port cannot be bound, saying why ("address already in use")
     */
    public static EchoServer start(String host, int port) {
        EchoServer echo = new EchoServer(host, port);
        try {
            echo.server.start();
        } catch (Exception e) {
            Throwable cause = e instanceof java.io.IOException && e.getCause() instanceof java.net.BindException b ? b : e;
            String why = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
            RelayException failure = new RelayException("echo server cannot listen on " + host + ":" + port + ": "
                    + why.toLowerCase(java.util.Locale.ROOT), e);
            try {
                echo.server.stop(); // its thread pool started before the bind failed
            } catch (Exception stop) {
                failure.addSuppressed(stop);
            }
            throw failure;
        }
        return echo;
    }

    /** The bound port. */
    public int port() {
        return connector.getLocalPort();
    }

    /** Blocks until the server stops. */
    public void join() throws InterruptedException {
        server.join();
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            throw new RelayException("echo server did not stop cleanly", e);
        }
    }

    /** One echo session; public because Jetty binds listener methods reflectively. */
    public static final class Echo implements Session.Listener.AutoDemanding {
        private Session session;

        @Override
        public void onWebSocketOpen(Session s) {
            session = s;
        }

        @Override
        public void onWebSocketText(String message) {
            session.sendText(message, Callback.NOOP);
        }

        @Override
        public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
            ByteBuffer copy = ByteBuffer.allocate(payload.remaining()).put(payload).flip();
            callback.succeed();
            session.sendBinary(copy, Callback.NOOP);
        }
    }
}
