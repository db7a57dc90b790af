package io.wsrelay.relay.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The relay's immutable configuration, built in one place from flags, the environment and an
 * optional config file, over the defaults in {@code wsrelay-reference.conf}.
 *
 * <p>Precedence, highest first: flags ({@code --set relay.key=value}), environment variables
 * ({@code WSRELAY_<KEY>}, and {@code WEBSOCKET_PORT} for {@code relay.port}), the config file,
 * the defaults. Durations take units ({@code 500ms}, {@code 10s}); sizes take {@code KiB},
 * {@code MiB} or a plain byte count.
 *
 * @param host           address to listen on
 * @param port           TCP port to listen on; 0 picks an ephemeral port
 * @param connectTimeout      upstream TCP connect plus opening handshake; past it the client gets 504
 * @param idleTimeout         a client from which nothing arrived this long is closed (1001)
 * @param pingInterval        how often the relay pings each side; {@link Duration#ZERO} for never
 * @param closeTimeout        how long a side may take to answer a close frame before it is aborted
 * @param limits              size, count and rate limits
 * @param storeType           {@code relay.store.type}: which storage module serves endpoint
 *                            lookups ({@code sql}, {@code redis}); the module's own settings are
 *                            its own ({@link io.wsrelay.relay.spi.EndpointStoreProvider#configure})
 * @param upstreamIdleTimeout an upstream from which nothing arrived this long is closed (1001)
 * @param handshakeTimeout    deadline for a request head (an opening handshake's request line and
 *                            headers), from the connection's opening or the end of its previous
 *                            request; arriving bytes do not extend it
 * @param security            Origin, destination, header and TLS rules
 * @param operations          health, metrics, admin API, shutdown and log settings
 */
public record RelayConfig(
        String host,
        int port,
        Duration connectTimeout,
        Duration idleTimeout,
        Duration pingInterval,
        Duration closeTimeout,
        Limits limits,
        String storeType,
        Duration upstreamIdleTimeout,
        Duration handshakeTimeout,
        Security security,
        Operations operations) {

    /** Resource holding every key and its default. */
    public static final String REFERENCE = "wsrelay-reference.conf";
    /** Environment variable the original system used for the port. */
    public static final String PORT_ENV = "WEBSOCKET_PORT";
    /** Prefix of the environment variables that set {@code relay.*} keys. */
    public static final String ENV_PREFIX = "WSRELAY_";

    public RelayConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(pingInterval, "pingInterval");
        Objects.requireNonNull(closeTimeout, "closeTimeout");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(storeType, "storeType");
        Objects.requireNonNull(upstreamIdleTimeout, "upstreamIdleTimeout");
        Objects.requireNonNull(handshakeTimeout, "handshakeTimeout");
        Objects.requireNonNull(security, "security");
        Objects.requireNonNull(operations, "operations");
        if (idleTimeout.isNegative() || idleTimeout.isZero() || upstreamIdleTimeout.isNegative()
                || upstreamIdleTimeout.isZero() || handshakeTimeout.isNegative() || handshakeTimeout.isZero()) {
            throw new IllegalArgumentException("idle and handshake timeouts must be positive");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("relay.port must be 0..65535, was " + port);
        }
    }

    /**
     * Size, count and rate limits.
     *
     * @param maxSessions                concurrent relayed sessions on this node; over it upgrades get 503
     * @param maxMessageBytes            largest message, all fragments together, in bytes; over it: 1009
     * @param maxFrameBytes              client frames larger than this are relayed in parts of at most
     *                                   this many bytes (auto-fragment)
     * @param maxSessionsPerClient       concurrent sessions from one client address; over it: 429
     * @param maxSessionsPerEndpoint     concurrent sessions of an endpoint that sets no limit of its
     *                                   own; 0 for none; over it: 503
     * @param upgradesPerMinutePerClient upgrades one client address may start per minute; 0 for no
     *                                   limit; over it: 429 with {@code Retry-After}
     * @param maxRequestHeaderBytes      largest HTTP request head, in bytes; over it: 431
     * @param maxPendingHeads            connections that have not finished their request head, all
     *                                   clients together; past it the oldest such connection is closed
     * @param maxPendingHeadsPerClient   the same for one client address (the connecting peer)
     */
    public record Limits(int maxSessions, long maxMessageBytes, int maxFrameBytes, int maxSessionsPerClient,
                         int maxSessionsPerEndpoint, int upgradesPerMinutePerClient, int maxRequestHeaderBytes,
                         int maxPendingHeads, int maxPendingHeadsPerClient) {
        public Limits {
            if (maxSessions < 1 || maxMessageBytes < 1 || maxFrameBytes < 1 || maxSessionsPerClient < 1
                    || maxRequestHeaderBytes < 1 || maxPendingHeads < 1 || maxPendingHeadsPerClient < 1) {
                throw new IllegalArgumentException("limits must be positive: " + maxSessions + ", "
                        + maxMessageBytes + ", " + maxFrameBytes + ", " + maxSessionsPerClient + ", "
                        + maxRequestHeaderBytes);
            }
            if (maxSessionsPerEndpoint < 0 || upgradesPerMinutePerClient < 0) {
                throw new IllegalArgumentException("per-endpoint and rate limits must be 0 (none) or positive");
            }
        }
    }

    /**
     * The relay's security rules (see {@code wsrelay-reference.conf} for each key).
     *
     * @param allowedOrigins         {@code relay.origins.allowed}: exact origins, {@code scheme://*.domain},
     *                               or {@code *}
     * @param allowMissingOrigin     {@code relay.origins.allow-missing}
     * @param allowSameOrigin        {@code relay.origins.allow-same-origin}
     * @param publicHosts            {@code relay.origins.public-hosts}: the relay's own public
     *                               {@code host[:port]} names, the only ones (besides IP literals
     *                               and {@code localhost}) the same-origin rule believes in a
     *                               {@code Host} header
     * @param allowPrivateAddresses  {@code relay.upstream.allow-private-addresses}
     * @param allowedNetworks        {@code relay.upstream.allowed-networks}, CIDR notation
     * @param forwardHeaders         {@code relay.headers.forward}
     * @param addForwarded           {@code relay.headers.add-forwarded}
     * @param trustForwarded         {@code relay.headers.trust-forwarded}
     * @param tls                    {@code relay.tls.*}
     */
    public record Security(
            List<String> allowedOrigins,
            boolean allowMissingOrigin,
            boolean allowSameOrigin,
            List<String> publicHosts,
            boolean allowPrivateAddresses,
            List<String> allowedNetworks,
            List<String> forwardHeaders,
            boolean addForwarded,
            boolean trustForwarded,
            Tls tls) {

        public Security {
            allowedOrigins = List.copyOf(allowedOrigins);
            publicHosts = List.copyOf(publicHosts);
            allowedNetworks = List.copyOf(allowedNetworks);
            forwardHeaders = List.copyOf(forwardHeaders);
            Objects.requireNonNull(tls, "tls");
        }
    }

    /**
     * The relay's own TLS: {@code wss://} when {@link #keystore} is not empty.
     *
     * @param keystore         path of the keystore file; empty for plain {@code ws://}
     * @param keystorePassword its password (also used for the key)
     * @param keystoreType     {@code PKCS12} or {@code JKS}
     */
    public record Tls(String keystore, String keystorePassword, String keystoreType) {
        public Tls {
            Objects.requireNonNull(keystore, "keystore");
            Objects.requireNonNull(keystorePassword, "keystorePassword");
            Objects.requireNonNull(keystoreType, "keystoreType");
        }

        /** Whether the relay serves {@code wss://}. */
        public boolean isEnabled() {
            return !keystore.isEmpty();
        }

        /** Never prints the password. */
        @Override
        public String toString() {
            return "Tls{keystore=" + keystore + ", keystoreType=" + keystoreType + "}";
        }
    }

    /** How log lines are written (logback, {@code relay.log.format}). */
    public enum LogFormat {
        /** One human-readable line per event. */
        TEXT,
        /** One JSON object per line (logback's {@code JsonEncoder}). */
        JSON
    }

    /**
     * What operators use: probes, metrics, the admin API, shutdown and logs.
     *
     * @param adminHost         address of the separate admin port; empty means {@code relay.host}
     * @param adminPort         {@code -1}: probes, metrics and admin API on the relay's own port;
     *                          {@code 0}: on a separate ephemeral port; otherwise that separate port
     * @param adminToken        bearer token of the admin API; empty turns the admin API off
     * @param maxEndpointLabels endpoints that get their own metrics label value; the rest share
     *                          {@code other}
     * @param drainPeriod       on SIGTERM, how long open sessions may go on before they are closed
     * @param logFormat         text or JSON log lines
     */
    public record Operations(
            String adminHost,
            int adminPort,
            String adminToken,
            int maxEndpointLabels,
            Duration drainPeriod,
            LogFormat logFormat) {

        /** {@link #adminPort} value that puts the operations endpoints on the relay's own port. */
        public static final int SAME_PORT = -1;

        public Operations {
            Objects.requireNonNull(adminHost, "adminHost");
            Objects.requireNonNull(adminToken, "adminToken");
            Objects.requireNonNull(drainPeriod, "drainPeriod");
            Objects.requireNonNull(logFormat, "logFormat");
            if (adminPort < SAME_PORT || adminPort > 65535) {
                throw new IllegalArgumentException("relay.admin.port must be -1..65535, was " + adminPort);
            }
            if (maxEndpointLabels < 0) {
                throw new IllegalArgumentException("relay.metrics.max-endpoint-labels must be >= 0, was "
                        + maxEndpointLabels);
            }
            if (drainPeriod.isNegative()) {
                throw new IllegalArgumentException("relay.shutdown.drain-period must not be negative");
            }
        }

        /** Whether probes, metrics and the admin API have a port of their own. */
        public boolean hasAdminPort() {
            return adminPort != SAME_PORT;
        }

        /** Whether the admin API is on: a token is configured. */
        public boolean isAdminApiEnabled() {
            return !adminToken.isEmpty();
        }

        /** Never prints the token. */
        @Override
        public String toString() {
            return "Operations{adminHost=" + adminHost + ", adminPort=" + adminPort + ", adminApi="
                    + (isAdminApiEnabled() ? "on" : "off") + ", maxEndpointLabels=" + maxEndpointLabels
                    + ", drainPeriod=" + drainPeriod + ", logFormat=" + logFormat + "}";
        }
    }

    /** The defaults, with every key at its documented value. */
    public static RelayConfig defaults() {
        return from(Map.of());
    }

    /**
     * Builds a configuration from {@code relay.*} keys over the defaults; what tests and code use.
     *
     * @throws ConfigurationException if a key is not a known setting, or a value is of the wrong
     *                                type or out of range
     */
    public static RelayConfig from(Map<String, String> settings) {
        return ConfigLoader.load(settings, Map.of(), Optional.empty()).config();
    }

    /**
     * Builds the configuration of a relay process from its three sources ({@link ConfigLoader}).
     *
     * @param flags keys given on the command line, highest precedence
     * @param env   the process environment ({@code WSRELAY_*}, {@code WEBSOCKET_PORT})
     * @param file  a HOCON or {@code .properties} file, lowest precedence above the defaults
     * @throws ConfigurationException if the file cannot be read, a key is unknown or a value is invalid
     */
    public static RelayConfig load(Map<String, String> flags, Map<String, String> env, Optional<Path> file) {
        return ConfigLoader.load(flags, env, file).config();
    }

    /** The environment variable that sets {@code key}: {@code relay.store.jdbc-url} → {@code WSRELAY_STORE_JDBC_URL}. */
    public static String environmentName(String key) {
        String rest = key.startsWith("relay.") ? key.substring("relay.".length()) : key;
        return ENV_PREFIX + rest.toUpperCase(java.util.Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /**
     * The relay's own keys with their default values, in key order: the defaults table. With the
     * keys the storage modules declare ({@link io.wsrelay.relay.spi.EndpointStoreProvider#defaults})
     * these are the known keys ({@link ConfigLoader}).
     */
    public static Map<String, String> documentedDefaults() {
        Map<String, String> out = new TreeMap<>();
        for (Map.Entry<String, ConfigValue> e : reference().entrySet()) {
            out.put(e.getKey(), String.valueOf(e.getValue().unwrapped()));
        }
        return out;
    }

    static Config reference() {
        return ConfigFactory.parseResources(RelayConfig.class.getClassLoader(), REFERENCE);
    }

    /** The levels {@code relay.log.level} accepts (logback's). */
    public static final List<String> LOG_LEVELS = List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF");

    /**
     * Builds the configuration from the effective values, reading each key with its type and range
     * so that a bad value is reported with its key, the value as given and where it came from.
     */
    static RelayConfig of(ConfigValues v) {
        v.choice("relay.log.level", LOG_LEVELS);
        for (String origin : v.list("relay.origins.allowed")) {
            io.wsrelay.relay.spi.EndpointRules.originPatternProblem(origin.strip()).ifPresent(problem -> {
                throw v.invalid("relay.origins.allowed", "a list of origins (scheme://host[:port], no path), "
                        + "scheme://*.domain[:port] patterns or *; " + origin + ": " + problem);
            });
        }
        try {
            return new RelayConfig(
                    v.string("relay.host"),
                    v.integer("relay.port", 0, 65535),
                    v.duration("relay.upstream.connect-timeout", false),
                    v.duration("relay.idle-timeout", false),
                    v.duration("relay.ping-interval", true),
                    v.duration("relay.close-timeout", false),
                    new Limits(
                            v.integer("relay.limits.max-sessions", 1, Integer.MAX_VALUE),
                            v.bytes("relay.limits.max-message-bytes", 1, Long.MAX_VALUE),
                            (int) v.bytes("relay.limits.max-frame-bytes", 1, Integer.MAX_VALUE),
                            v.integer("relay.limits.max-sessions-per-client", 1, Integer.MAX_VALUE),
                            v.integer("relay.limits.max-sessions-per-endpoint", 0, Integer.MAX_VALUE),
                            v.integer("relay.limits.upgrades-per-minute-per-client", 0, Integer.MAX_VALUE),
                            (int) v.bytes("relay.limits.max-request-header-bytes", 1, Integer.MAX_VALUE),
                            v.integer("relay.limits.max-pending-heads", 1, Integer.MAX_VALUE),
                            v.integer("relay.limits.max-pending-heads-per-client", 1, Integer.MAX_VALUE)),
                    v.string("relay.store.type"),
                    v.duration("relay.upstream.idle-timeout", false),
                    v.duration("relay.handshake-timeout", false),
                    new Security(
                            v.list("relay.origins.allowed"),
                            v.bool("relay.origins.allow-missing"),
                            v.bool("relay.origins.allow-same-origin"),
                            v.list("relay.origins.public-hosts"),
                            v.bool("relay.upstream.allow-private-addresses"),
                            v.list("relay.upstream.allowed-networks"),
                            v.list("relay.headers.forward"),
                            v.bool("relay.headers.add-forwarded"),
                            v.bool("relay.headers.trust-forwarded"),
                            new Tls(v.string("relay.tls.keystore"), v.string("relay.tls.keystore-password"),
                                    v.string("relay.tls.keystore-type"))),
                    new Operations(
                            v.string("relay.admin.host"),
                            v.integer("relay.admin.port", Operations.SAME_PORT, 65535),
                            v.string("relay.admin.token"),
                            v.integer("relay.metrics.max-endpoint-labels", 0, Integer.MAX_VALUE),
                            v.duration("relay.shutdown.drain-period", true),
                            LogFormat.valueOf(v.choice("relay.log.format", List.of("TEXT", "JSON")))));
        } catch (ConfigException e) {
            throw new ConfigurationException("invalid configuration: " + e.getMessage(), e);
        }
    }

    /** A copy listening on another port (tests use 0). */
    public RelayConfig withPort(int newPort) {
        return new RelayConfig(host, newPort, connectTimeout, idleTimeout, pingInterval, closeTimeout, limits, storeType,
                upstreamIdleTimeout, handshakeTimeout, security, operations);
    }
}
