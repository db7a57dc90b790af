package io.wsrelay.relay;

import io.wsrelay.relay.config.RelayConfig;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.ForwardedRequestCustomizer;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Builds the relay's one listening connector from the configuration: plain HTTP/1.1
 * ({@code ws://}) or, when {@code relay.tls.keystore} is set, TLS ({@code wss://}) on the same
 * port; request heads limited to {@code relay.limits.max-request-header-bytes} (431 past it);
 * {@code relay.handshake-timeout} as the idle timeout until the upgrade (a request that stalls
 * halfway is cut; {@link RequestHeadGuard} makes it a deadline for the whole head and bounds
 * the connections still sending one); and, with {@code relay.headers.trust-forwarded}, the client address taken
 * from {@code Forwarded} / {@code X-Forwarded-For}.
 *
 * <p>Used once, while the server is built; not thread-safe.
 */
final class ListeningConnector {
    private ListeningConnector() {
    }

    /**
     * @throws IllegalArgumentException if a keystore is configured but is not a readable file
     */
    static ServerConnector create(Server server, RelayConfig config) {
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        http.setRequestHeaderSize(config.limits().maxRequestHeaderBytes());
        // A page's socket path may hold %2F or %25; the relay passes the raw path upstream and
        // never maps it to files, so Jetty's ambiguity checks would only refuse valid sockets.
        http.setUriCompliance(UriCompliance.DEFAULT.with("wsrelay",
                UriCompliance.Violation.AMBIGUOUS_PATH_SEPARATOR, UriCompliance.Violation.AMBIGUOUS_PATH_ENCODING));
        if (config.security().trustForwarded()) {
            http.addCustomizer(new ForwardedRequestCustomizer());
        }
        RelayConfig.Tls tls = config.security().tls();
        ServerConnector connector;
        if (tls.isEnabled()) {
            Path keystore = Path.of(tls.keystore());
            if (!Files.isReadable(keystore)) {
                throw new IllegalArgumentException("relay.tls.keystore is not a readable file: " + keystore);
            }
            SslContextFactory.Server ssl = new SslContextFactory.Server();
            ssl.setKeyStorePath(keystore.toAbsolutePath().toString());
            ssl.setKeyStorePassword(tls.keystorePassword());
            ssl.setKeyStoreType(tls.keystoreType());
            http.addCustomizer(new SecureRequestCustomizer());
            connector = new ServerConnector(server, new SslConnectionFactory(ssl, "http/1.1"), new HttpConnectionFactory(http));
        } else {
            connector = new ServerConnector(server, new HttpConnectionFactory(http));
        }
        connector.setHost(config.host());
        connector.setPort(config.port());
        // Until the upgrade; WebSocket connections then take relay.idle-timeout from the container.
        connector.setIdleTimeout(config.handshakeTimeout().toMillis());
        return connector;
    }
}
