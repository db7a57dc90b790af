package io.wsrelay.relay;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Opens upstream WebSockets with the JDK {@code java.net.http} client.
 *
 * <p>The relay shares a few {@link HttpClient}s across all sessions, one per available
 * processor: each client has one selector thread that runs every listener callback of its
 * sockets, so spreading sessions over one client per core keeps those threads from becoming
 * the bottleneck. Redirects are never followed (a {@code 3xx} is a refused handshake, 502).
 *
 * <p>Thread-safe. {@link #connect} blocks the calling (virtual) thread for at most the connect
 * timeout.
 */
final class UpstreamConnector implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(UpstreamConnector.class);

    private final HttpClient[] clients;
    private final ExecutorService executor;
    private final Duration connectTimeout;
    private final AtomicInteger next = new AtomicInteger();

    UpstreamConnector(Duration connectTimeout, RelayConfig.UpstreamBuffers buffers, int clientCount) {
        this.connectTimeout = connectTimeout;
        // The JDK reads these net properties each time it opens a WebSocket; an operator's own
        // -D setting wins. Its 16 KiB defaults cost 32 KiB of heap per idle session.
        setIfAbsent("jdk.httpclient.websocket.writeBufferSize", buffers.writeBytes());
        setIfAbsent("jdk.httpclient.websocket.intermediateBufferSize", buffers.textBytes());
        this.executor = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("upstream-", 0).factory());
        this.clients = new HttpClient[Math.max(1, clientCount)];
        for (int i = 0; i < clients.length; i++) {
            clients[i] = HttpClient.newBuilder()
                    .connectTimeout(connectTimeout)
                    .followRedirects(HttpClient.Redirect.NEVER)
                    .executor(executor)
                    .build();
        }
    }

    /**
     * Opens the upstream WebSocket and completes its opening handshake.
     *
     * @param uri          the upstream URI ({@code ws://} or {@code wss://})
     * @param subprotocols the client's offered subprotocols, most preferred first; may be empty
     * @param headers      extra handshake headers (the endpoint's configured ones)
     * @param listener     receives the upstream's messages
     * @return the open WebSocket; its {@link WebSocket#getSubprotocol()} is the upstream's choice
     * @throws UpstreamConnectException 502 if the upstream refused the connection, answered the
     *         handshake with anything but {@code 101}, or failed TLS; 504 if it did not complete
     *         the handshake within the connect timeout
     * @throws InterruptedException if the calling thread is interrupted
     */
    WebSocket connect(URI uri, List<String> subprotocols, Map<String, String> headers, WebSocket.Listener listener)
            throws InterruptedException {
        HttpClient client = clients[Math.floorMod(next.getAndIncrement(), clients.length)];
        WebSocket.Builder builder = client.newWebSocketBuilder().connectTimeout(connectTimeout);
        if (!subprotocols.isEmpty()) {
            builder.subprotocols(subprotocols.getFirst(),
                    subprotocols.subList(1, subprotocols.size()).toArray(String[]::new));
        }
        CompletableFuture<WebSocket> opening;
        try {
            headers.forEach(builder::header);
            opening = builder.buildAsync(uri, listener);
        } catch (IllegalArgumentException e) {
            throw new UpstreamConnectException(502, "bad_destination",
                    "the endpoint's upstream URI or headers are not accepted: " + e.getMessage(), e);
        }
        try {
            // The builder's timeout covers connect and handshake; the small margin only keeps
            // this wait bounded should the client not honour it.
            return opening.get(connectTimeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            abortWhenOpened(opening);
            throw timedOut(uri, e);
        } catch (InterruptedException e) {
            abortWhenOpened(opening);
            throw e;
        } catch (ExecutionException e) {
            throw failed(uri, e.getCause() == null ? e : e.getCause());
        }
    }

    private UpstreamConnectException failed(URI uri, Throwable cause) {
        String where = uri.getHost() + ":" + port(uri);
        if (cause instanceof WebSocketHandshakeException h) {
            int status = h.getResponse() == null ? 0 : h.getResponse().statusCode();
            return new UpstreamConnectException(502, "upstream_rejected",
                    "upstream " + where + " answered the opening handshake with HTTP " + status, cause);
        }
        if (cause instanceof HttpConnectTimeoutException || cause instanceof HttpTimeoutException) {
            return timedOut(uri, cause);
        }
        if (cause instanceof ConnectException) {
            return new UpstreamConnectException(502, "upstream_unreachable",
                    "upstream " + where + " refused the connection", cause);
        }
        if (cause instanceof IOException) {
            return new UpstreamConnectException(502, "upstream_unreachable",
                    "upstream " + where + " failed: " + cause.getClass().getSimpleName(), cause);
        }
        return new UpstreamConnectException(502, "upstream_unreachable",
                "upstream " + where + " could not be opened: " + cause, cause);
    }

    private UpstreamConnectException timedOut(URI uri, Throwable cause) {
        return new UpstreamConnectException(504, "upstream_timeout", "upstream " + uri.getHost() + ":" + port(uri)
                + " did not complete the opening handshake within " + connectTimeout.toMillis() + " ms", cause);
    }

    private static void abortWhenOpened(CompletableFuture<WebSocket> opening) {
        opening.cancel(true);
        opening.whenComplete((ws, x) -> {
            if (ws != null) {
                ws.abort();
            }
        });
    }

    private static void setIfAbsent(String property, int value) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, Integer.toString(value));
        }
    }

    /** The port of a {@code ws://} or {@code wss://} URI, its scheme's default when it names none. */
    static int port(URI uri) {
        return uri.getPort() >= 0 ? uri.getPort() : "wss".equals(uri.getScheme()) ? 443 : 80;
    }

    @Override
    public void close() {
        for (HttpClient client : clients) {
            client.shutdownNow();
        }
        executor.shutdownNow();
        LOG.debug("upstream clients closed");
    }
}
