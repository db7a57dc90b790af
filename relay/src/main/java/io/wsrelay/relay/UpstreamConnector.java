package io.wsrelay.relay;

import io.wsrelay.relay.spi.EndpointRules;
import io.wsrelay.relay.policy.DestinationGuard;
import io.wsrelay.relay.policy.HeaderPolicy;
import io.wsrelay.relay.policy.UpstreamTrust;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
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
 * <p>An endpoint with a {@link io.wsrelay.relay.spi.Endpoint#trustedCa() trusted CA} gets a
 * client of its own per distinct CA (its SSL context is per client), created on first use and
 * kept until the relay stops; at most {@value #MAX_TRUST_CLIENTS} such clients. Every client
 * runs its tasks with the {@link DestinationGuard} bound, so the addresses it resolves are the
 * ones the guard admits.
 *
 * <p>Thread-safe. {@link #connect} blocks the calling (virtual) thread for at most the connect
 * timeout.
 */
final class UpstreamConnector implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(UpstreamConnector.class);

    /**
     * Distinct trusted CAs with a client of their own. Endpoints are the operator's, so this is
     * never reached by clients; it caps the selector threads a store full of CAs could start.
     */
    static final int MAX_TRUST_CLIENTS = 64;

    private final HttpClient[] clients;
    private final ExecutorService executor;
    private final Executor guardedExecutor;
    private final DestinationGuard guard;
    private final Duration connectTimeout;
    private final AtomicInteger next = new AtomicInteger();
    private final ConcurrentMap<String, HttpClient> trustClients = new ConcurrentHashMap<>();

    /**
     * The JDK client's buffers per upstream WebSocket are JVM-wide system properties
     * ({@code jdk.httpclient.bufsize}, {@code jdk.httpclient.websocket.writeBufferSize},
     * {@code ...intermediateBufferSize}), sized by the launcher's JVM options ({@code bin/wsrelay}),
     * never from here: the first is read once per JVM.
     */
    UpstreamConnector(Duration connectTimeout, int clientCount, DestinationGuard guard) {
        this.connectTimeout = connectTimeout;
        this.guard = guard;
        // Unnamed: the JDK runs every delivery to a listener as a task of its own, so a numbered
        // name would be a String (and its builder) per relayed message.
        this.executor = Executors.newVirtualThreadPerTaskExecutor();
        this.guardedExecutor = guard.guarding(executor);
        this.clients = new HttpClient[Math.max(1, clientCount)];
        for (int i = 0; i < clients.length; i++) {
            clients[i] = newClient(null);
        }
    }

    private HttpClient newClient(SSLContext ssl) {
        HttpClient.Builder builder = HttpClient.newBuilder()
                .connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .executor(guardedExecutor);
        if (ssl != null) {
            builder.sslContext(ssl);
        }
        return builder.build();
    }

    /**
     * Opens the upstream WebSocket and completes its opening handshake.
     *
     * @param uri          the upstream URI ({@code ws://} or {@code wss://})
     * @param subprotocols the client's offered subprotocols, most preferred first; may be empty
     * @param headers      extra handshake headers ({@link HeaderPolicy}'s choice)
     * @param trustedCa    PEM certificate(s) to trust instead of the default trust store; empty
     *                     for default trust
     * @param listener     receives the upstream's messages
     * @return the open WebSocket; its {@link WebSocket#getSubprotocol()} is the upstream's choice
     * @throws UpstreamConnectException 502 if the upstream refused the connection, answered the
     *         handshake with anything but {@code 101}, failed TLS verification, or its host does
     *         not resolve; 504 if it did not complete the handshake within the connect timeout
     * @throws UpgradeRejectedException 403 {@code destination_not_allowed} if the host resolved,
     *         at connect time, only to addresses the {@link DestinationGuard} refuses
     * @throws InterruptedException if the calling thread is interrupted
     */
    WebSocket connect(URI uri, List<String> subprotocols, Map<String, String> headers, String trustedCa,
                      WebSocket.Listener listener) throws InterruptedException {
        return connect(uri, subprotocols, headers, trustedCa, listener, new CompletableFuture<Void>());
    }

    /**
     * {@link #connect(URI, List, Map, String, WebSocket.Listener)}, given up as soon as
     * {@code clientGone} completes (the client's connection closed while the upstream was still
     * being opened): the opening is cancelled, which closes its upstream socket, and an upstream
     * that completes its handshake after all is aborted.
     *
     * @throws ClientGoneException if {@code clientGone} completed first
     */
    WebSocket connect(URI uri, List<String> subprotocols, Map<String, String> headers, String trustedCa,
                      WebSocket.Listener listener, CompletableFuture<?> clientGone) throws InterruptedException {
        HttpClient client = trustedCa.isBlank() ? clients[Math.floorMod(next.getAndIncrement(), clients.length)]
                : trustClient(uri, trustedCa);
        WebSocket.Builder builder = client.newWebSocketBuilder().connectTimeout(connectTimeout);
        if (!subprotocols.isEmpty()) {
            builder.subprotocols(subprotocols.getFirst(),
                    subprotocols.subList(1, subprotocols.size()).toArray(String[]::new));
        }
        CompletableFuture<WebSocket> opening;
        try {
            headers.forEach(builder::header);
            opening = guard.call(() -> builder.buildAsync(uri, listener));
        } catch (IllegalArgumentException e) {
            // The JDK's message quotes the refused header value, which may be an API key: our
            // own words only, naming at most the header (EndpointRules), never the value.
            String problem = EndpointRules.headerProblem(headers).orElse("the upstream URI or a header was refused");
            LOG.warn("upstream handshake to {} not attempted: {}", LogText.safe(uri.getHost()), LogText.safe(problem));
            throw new UpstreamConnectException(502, "bad_destination",
                    "the endpoint's upstream URI or headers are not accepted by the relay", null);
        } catch (Exception e) {
            throw new UpstreamConnectException(502, "upstream_unreachable",
                    "upstream could not be opened: " + e.getClass().getSimpleName(), null);
        }
        try {
            // The builder's timeout covers connect and handshake; the small margin only keeps
            // this wait bounded should the client not honour it.
            CompletableFuture.anyOf(opening, clientGone).get(connectTimeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
            if (!opening.isDone()) {
                abortWhenOpened(opening);
                throw new ClientGoneException();
            }
            return opening.get();
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

    private HttpClient trustClient(URI uri, String trustedCa) {
        String key = UpstreamTrust.fingerprint(trustedCa);
        HttpClient existing = trustClients.get(key);
        if (existing != null) {
            return existing;
        }
        if (trustClients.size() >= MAX_TRUST_CLIENTS) {
            throw new UpstreamConnectException(502, "upstream_tls", "the relay already serves "
                    + MAX_TRUST_CLIENTS + " distinct trusted CAs", null);
        }
        SSLContext ssl;
        try {
            ssl = UpstreamTrust.sslContext(trustedCa);
        } catch (IllegalArgumentException e) {
            throw new UpstreamConnectException(502, "upstream_tls", "the trusted CA of the endpoint for "
                    + uri.getHost() + " is not usable", e);
        }
        return trustClients.computeIfAbsent(key, k -> newClient(ssl));
    }

    private UpgradeRejectedException failed(URI uri, Throwable cause) {
        String where = uri.getHost() + ":" + port(uri);
        if (hasCause(cause, UnresolvedAddressException.class) || hasCause(cause, java.net.UnknownHostException.class)) {
            return guard.refusalOrUnresolved(DestinationGuard.bareHost(uri), cause);
        }
        if (hasCause(cause, SSLException.class)) {
            return new UpstreamConnectException(502, "upstream_tls",
                    "upstream " + where + " failed TLS verification", cause);
        }
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
                "upstream " + where + " could not be opened: " + cause.getClass().getSimpleName(), cause);
    }

    private static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
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

    /** The port of a {@code ws://} or {@code wss://} URI, its scheme's default when it names none. */
    static int port(URI uri) {
        return uri.getPort() >= 0 ? uri.getPort() : "wss".equals(uri.getScheme()) ? 443 : 80;
    }

    @Override
    public void close() {
        for (HttpClient client : clients) {
            client.shutdownNow();
        }
        trustClients.values().forEach(HttpClient::shutdownNow);
        executor.shutdownNow();
        LOG.debug("upstream clients closed");
    }
}
