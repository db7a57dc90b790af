package io.wsrelay.relay;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.VirtualThreadPool;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.server.ServerUpgradeRequest;
import org.eclipse.jetty.websocket.server.ServerUpgradeResponse;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;

import java.net.URI;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real upstream WebSocket server on {@code 127.0.0.1:0} (Jetty), whose behaviour is chosen by
 * the request path:
 * <ul>
 * <li>{@code /echo} (and any unknown path): echoes each message, text as text, binary as binary</li>
 * <li>{@code /close?code=C&reason=R}: closes with C/R after the first message (1005: empty close frame)</li>
 * <li>{@code /closenow?code=C&reason=R}: closes with C/R as soon as it opens</li>
 * <li>{@code /terminate}: drops the TCP connection, no close frame, after the first message</li>
 * <li>{@code /stream?size=N}: sends one binary message of N bytes ({@link #pattern}) as a first
 *     fragment of 1 MiB, then waits for {@link #streamGate} before sending the rest</li>
 * <li>{@code /flood?size=N&count=K}: sends K binary messages of N bytes as fast as they are written,
 *     counting bytes written in {@link #floodBytesSent()}</li>
 * <li>{@code /sink}: answers every message with the text {@code "<type>:<length>:<sha-256 hex>"}</li>
 * <li>{@code /reject?status=S}: refuses the upgrade with HTTP S (302 carries a Location)</li>
 * </ul>
 * Any path: {@code pick=P} in the query makes it accept subprotocol P if offered ({@code pick=first}
 * takes the first offered). Every handshake is recorded in {@link #handshakes()}, every close
 * received from the relay in {@link #closes()}.
 */
public final class TestUpstream implements AutoCloseable {
    /** What the upstream saw of an opening handshake. */
    public record Handshake(String pathQuery, List<String> subprotocolHeaders, Map<String, List<String>> headers) {
    }

    /** A close frame (or 1006 for a lost connection) the upstream received. */
    public record Closed(int code, String reason) {
    }

    private final Server server;
    private final ServerConnector connector;
    private final BlockingQueue<Handshake> handshakes = new LinkedBlockingQueue<>();
    private final BlockingQueue<Closed> closes = new LinkedBlockingQueue<>();
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong floodBytesSent = new AtomicLong();
    private final BlockingQueue<List<String>> serverNames = new LinkedBlockingQueue<>();
    private final boolean tls;
    /** Opened by a test to let {@code /stream} send the rest of its message. */
    public final CountDownLatch streamGate = new CountDownLatch(1);

    private TestUpstream(SslContextFactory.Server ssl) throws Exception {
        VirtualThreadPool threads = new VirtualThreadPool();
        threads.setName("upstream");
        server = new Server(threads);
        tls = ssl != null;
        HttpConfiguration http = new HttpConfiguration();
        // Like many upstreams, it takes %2F and %25 in a path (tests check the relay passes them).
        http.setUriCompliance(org.eclipse.jetty.http.UriCompliance.LEGACY);
        if (tls) {
            http.addCustomizer(new SecureRequestCustomizer(false));
            connector = new ServerConnector(server, new SslConnectionFactory(ssl, "http/1.1"), new HttpConnectionFactory(http));
        } else {
            connector = new ServerConnector(server, new HttpConnectionFactory(http));
        }
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(WebSocketUpgradeHandler.from(server, container -> {
            container.setMaxTextMessageSize(128L << 20);
            container.setMaxBinaryMessageSize(128L << 20);
            container.setIdleTimeout(Duration.ofMinutes(5));
            container.addMapping("/*", this::create);
        }));
        server.start();
    }

    public static TestUpstream start() throws Exception {
        return new TestUpstream(null);
    }

    /** An upstream serving {@code wss://} with the key and certificate in {@code keystore} (PKCS12). */
    public static TestUpstream startTls(java.nio.file.Path keystore, String password) throws Exception {
        SslContextFactory.Server ssl = new SslContextFactory.Server();
        ssl.setKeyStorePath(keystore.toString());
        ssl.setKeyStorePassword(password);
        ssl.setKeyStoreType("PKCS12");
        return new TestUpstream(ssl);
    }

    /** {@code ws://127.0.0.1:<port>}, or {@code wss://localhost:<port>} for a TLS upstream. */
    public URI uri() {
        return URI.create((tls ? "wss://localhost:" : "ws://127.0.0.1:") + connector.getLocalPort());
    }

    /** The SNI host names each TLS handshake asked for, one list per upgrade. */
    public BlockingQueue<List<String>> serverNames() {
        return serverNames;
    }

    public BlockingQueue<Handshake> handshakes() {
        return handshakes;
    }

    public BlockingQueue<Closed> closes() {
        return closes;
    }

    /** Upstream sessions currently open. */
    public int openSessions() {
        return open.get();
    }

    public long floodBytesSent() {
        return floodBytesSent.get();
    }

    /** Byte {@code i} of the {@code /stream} and {@code /flood} payloads. */
    public static byte pattern(long i) {
        return (byte) (i * 31 % 251);
    }

    private Object create(ServerUpgradeRequest request, ServerUpgradeResponse response,
                          org.eclipse.jetty.util.Callback callback) {
        String path = request.getHttpURI().getPath();
        String query = request.getHttpURI().getQuery();
        if (request.getAttribute(EndPoint.SslSessionData.ATTRIBUTE) instanceof EndPoint.SslSessionData data
                && data.sslSession() instanceof javax.net.ssl.ExtendedSSLSession session) {
            serverNames.add(session.getRequestedServerNames().stream()
                    .map(n -> n instanceof javax.net.ssl.SNIHostName h ? h.getAsciiName() : n.toString()).toList());
        }
        handshakes.add(new Handshake(request.getHttpURI().getPathQuery(),
                request.getHeaders().getValuesList(HttpHeader.SEC_WEBSOCKET_SUBPROTOCOL),
                request.getHeaders().stream().collect(java.util.stream.Collectors.groupingBy(
                        f -> f.getName().toLowerCase(java.util.Locale.ROOT),
                        java.util.stream.Collectors.mapping(org.eclipse.jetty.http.HttpField::getValue,
                                java.util.stream.Collectors.toList())))));
        if (path.startsWith("/reject")) {
            int status = Integer.parseInt(param(query, "status", "403"));
            response.setStatus(status);
            if (status / 100 == 3) {
                response.getHeaders().put(HttpHeader.LOCATION, "ws://127.0.0.1:1/elsewhere");
            }
            Response.writeError(request, response, callback, status);
            return null;
        }
        String pick = param(query, "pick", null);
        List<String> offered = request.getSubProtocols();
        if (pick != null && !offered.isEmpty()) {
            String chosen = "first".equals(pick) ? offered.getFirst() : offered.contains(pick) ? pick : null;
            if (chosen != null) {
                response.setAcceptedSubProtocol(chosen);
            }
        }
        return new Endpoint(path, query);
    }

    private static String param(String query, String name, String fallback) {
        return UpstreamUri.parameter(query, name).orElse(fallback);
    }

    /** One upstream session. */
    public final class Endpoint implements Session.Listener.AutoDemanding {
        private final String path;
        private final String query;
        private Session session;

        Endpoint(String path, String query) {
            this.path = path;
            this.query = query;
        }

        @Override
        public void onWebSocketOpen(Session s) {
            session = s;
            open.incrementAndGet();
            if (path.startsWith("/closenow")) {
                closeAsAsked();
            } else if (path.startsWith("/stream")) {
                Thread.ofVirtual().start(this::stream);
            } else if (path.startsWith("/flood")) {
                Thread.ofVirtual().start(this::flood);
            }
        }

        @Override
        public void onWebSocketText(String message) {
            if (answeredSpecially()) {
                return;
            }
            if (path.startsWith("/sink")) {
                session.sendText("text:" + message.length() + ":" + sha256(message.getBytes(java.nio.charset.StandardCharsets.UTF_8)), Callback.NOOP);
            } else {
                session.sendText(message, Callback.NOOP);
            }
        }

        @Override
        public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
            if (answeredSpecially()) {
                callback.succeed();
                return;
            }
            byte[] bytes = new byte[payload.remaining()];
            payload.get(bytes);
            callback.succeed();
            if (path.startsWith("/sink")) {
                session.sendText("binary:" + bytes.length + ":" + sha256(bytes), Callback.NOOP);
            } else {
                session.sendBinary(ByteBuffer.wrap(bytes), Callback.NOOP);
            }
        }

        @Override
        public void onWebSocketClose(int code, String reason) {
            // Recorded before the count drops: a test that saw openSessions() reach 0 sees the close.
            closes.add(new Closed(code, reason == null ? "" : reason));
            open.decrementAndGet();
        }

        private boolean answeredSpecially() {
            if (path.startsWith("/close")) {
                closeAsAsked();
                return true;
            }
            if (path.startsWith("/terminate")) {
                session.disconnect();
                return true;
            }
            return false;
        }

        private void closeAsAsked() {
            int code = Integer.parseInt(param(query, "code", "1000"));
            String reason = param(query, "reason", "");
            session.close(code, code == CloseCodes.NO_STATUS ? null : reason, Callback.NOOP);
        }

        private void stream() {
            int size = Integer.parseInt(param(query, "size", String.valueOf(16 << 20)));
            int first = Math.min(size, 1 << 20);
            try {
                send(patternBuffer(0, first), first == size);
                if (!streamGate.await(Timeouts.TRANSFER.toSeconds(), TimeUnit.SECONDS)) {
                    session.close(CloseCodes.INTERNAL_ERROR, "stream gate never opened", Callback.NOOP);
                    return;
                }
                for (int off = first; off < size; off += 1 << 20) {
                    int len = Math.min(1 << 20, size - off);
                    send(patternBuffer(off, len), off + len == size);
                }
            } catch (Exception e) {
                session.close(CloseCodes.INTERNAL_ERROR, "stream failed", Callback.NOOP);
            }
        }

        private void flood() {
            int size = Integer.parseInt(param(query, "size", "65536"));
            int count = Integer.parseInt(param(query, "count", "1024"));
            ByteBuffer message = patternBuffer(0, size);
            try {
                for (int i = 0; i < count && session.isOpen(); i++) {
                    Callback.Completable sent = new Callback.Completable();
                    session.sendBinary(message.duplicate(), sent);
                    sent.get(Timeouts.TRANSFER.toSeconds(), TimeUnit.SECONDS);
                    floodBytesSent.addAndGet(size);
                }
            } catch (Exception e) {
                // The relay closed the connection, or the test ended: stop flooding.
            }
        }

        private void send(ByteBuffer part, boolean last) throws Exception {
            Callback.Completable sent = new Callback.Completable();
            session.sendPartialBinary(part, last, sent);
            sent.get(Timeouts.TRANSFER.toSeconds(), TimeUnit.SECONDS);
        }
    }

    static ByteBuffer patternBuffer(long offset, int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = pattern(offset + i);
        }
        return ByteBuffer.wrap(bytes);
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }
}
