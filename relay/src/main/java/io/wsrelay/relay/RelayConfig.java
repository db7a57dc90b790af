package io.wsrelay.relay;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
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
 * @param store               endpoint store settings
 * @param upstreamIdleTimeout an upstream from which nothing arrived this long is closed (1001)
 * @param handshakeTimeout    longest time an HTTP request (an opening handshake) may take to arrive
 * @param security            Origin, destination, header and TLS rules
 * @param upstreamBuffers     sizes of the JDK client's per-socket buffers
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
        Store store,
        Duration upstreamIdleTimeout,
        Duration handshakeTimeout,
        Security security,
        UpstreamBuffers upstreamBuffers,
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
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(upstreamIdleTimeout, "upstreamIdleTimeout");
        Objects.requireNonNull(handshakeTimeout, "handshakeTimeout");
        Objects.requireNonNull(security, "security");
        Objects.requireNonNull(upstreamBuffers, "upstreamBuffers");
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
     * Sizes of the buffers the JDK client keeps for each upstream socket.
     *
     * @param writeBytes frame write buffer, in bytes
     * @param textBytes  text-encoding buffer, in bytes (at least 125, the largest control frame body)
     */
    public record UpstreamBuffers(int writeBytes, int textBytes) {
        public UpstreamBuffers {
            if (writeBytes < 1024 || textBytes < 125) {
                throw new IllegalArgumentException("upstream buffers too small: write " + writeBytes + ", text " + textBytes);
            }
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
     */
    public record Limits(int maxSessions, long maxMessageBytes, int maxFrameBytes, int maxSessionsPerClient,
                         int maxSessionsPerEndpoint, int upgradesPerMinutePerClient, int maxRequestHeaderBytes) {
        public Limits {
            if (maxSessions < 1 || maxMessageBytes < 1 || maxFrameBytes < 1 || maxSessionsPerClient < 1
                    || maxRequestHeaderBytes < 1) {
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

    /**
     * Endpoint store settings.
     *
     * @param type           provider type, {@code relay.store.type} ({@code sql}, {@code redis})
     * @param jdbcUrl        JDBC URL of the SQL store; never empty here (the embedded default is
     *                       filled in)
     * @param user           JDBC user; empty for none
     * @param password       JDBC password; empty for none
     * @param poolSize       pooled connections
     * @param timeout        longest wait for a lookup (pool plus query)
     * @param migrateOnStart whether opening the store applies the Flyway migrations
     * @param properties     every {@code relay.store.*} key as a string, for provider-specific
     *                       settings (e.g. {@code relay.store.redis.url})
     */
    public record Store(
            String type,
            String jdbcUrl,
            String user,
            String password,
            int poolSize,
            Duration timeout,
            boolean migrateOnStart,
            Map<String, String> properties) {

        public Store {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(jdbcUrl, "jdbcUrl");
            Objects.requireNonNull(user, "user");
            Objects.requireNonNull(password, "password");
            Objects.requireNonNull(timeout, "timeout");
            properties = Map.copyOf(properties);
        }

        /** A provider-specific setting, e.g. {@code property("relay.store.redis.url")}. */
        public Optional<String> property(String key) {
            return Optional.ofNullable(properties.get(key)).filter(v -> !v.isEmpty());
        }

        /** Whether {@link #jdbcUrl} is the embedded H2 database. */
        public boolean isEmbedded() {
            return jdbcUrl.startsWith("jdbc:h2:");
        }

        /** Never prints the password. */
        @Override
        public String toString() {
            return "Store{type=" + type + ", jdbcUrl=" + jdbcUrl + ", user=" + user + ", poolSize=" + poolSize
                    + ", timeout=" + timeout + ", migrateOnStart=" + migrateOnStart + "}";
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
     * @throws IllegalArgumentException if a key has a value of the wrong type or out of range
     */
    public static RelayConfig from(Map<String, String> settings) {
        return of(ConfigFactory.parseMap(settings, "settings"));
    }

    /**
     * Builds the configuration of a relay process from its three sources.
     *
     * @param flags keys given on the command line, highest precedence
     * @param env   the process environment ({@code WSRELAY_*}, {@code WEBSOCKET_PORT})
     * @param file  a HOCON or {@code .properties} file, lowest precedence above the defaults
     * @throws IllegalArgumentException if the file cannot be read or a value is invalid
     */
    public static RelayConfig load(Map<String, String> flags, Map<String, String> env, Optional<Path> file) {
        Config fromFile = file.map(p -> {
            if (!p.toFile().isFile()) {
                throw new IllegalArgumentException("config file not found: " + p);
            }
            return ConfigFactory.parseFile(p.toFile());
        }).orElse(ConfigFactory.empty());
        Config merged = ConfigFactory.parseMap(flags, "flags")
                .withFallback(ConfigFactory.parseMap(fromEnvironment(env), "environment"))
                .withFallback(fromFile);
        return of(merged);
    }

    /** The environment variable that sets {@code key}: {@code relay.store.jdbc-url} → {@code WSRELAY_STORE_JDBC_URL}. */
    public static String environmentName(String key) {
        String rest = key.startsWith("relay.") ? key.substring("relay.".length()) : key;
        return ENV_PREFIX + rest.toUpperCase(java.util.Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /** Every key with its default value, in key order; for the README and {@code --help}. */
    public static Map<String, String> documentedDefaults() {
        Map<String, String> out = new TreeMap<>();
        for (Map.Entry<String, ConfigValue> e : reference().entrySet()) {
            out.put(e.getKey(), String.valueOf(e.getValue().unwrapped()));
        }
        return out;
    }

    private static Map<String, String> fromEnvironment(Map<String, String> env) {
        Map<String, String> out = new HashMap<>();
        for (Map.Entry<String, ConfigValue> e : reference().entrySet()) {
            String value = env.get(environmentName(e.getKey()));
            if (value != null) {
                out.put(e.getKey(), value);
            }
        }
        // Keys without a default (provider-specific, e.g. relay.store.redis.url) come in by
        // their WSRELAY_STORE_* names too; dashes cannot be told from dots there, so such keys
        // use dots only.
        for (Map.Entry<String, String> e : env.entrySet()) {
            if (e.getKey().startsWith(ENV_PREFIX + "STORE_")) {
                String key = "relay." + e.getKey().substring(ENV_PREFIX.length()).toLowerCase(java.util.Locale.ROOT)
                        .replace('_', '.');
                out.putIfAbsent(key, e.getValue());
            }
        }
        String port = env.get(PORT_ENV);
        if (port != null && !out.containsKey("relay.port")) {
            out.put("relay.port", port);
        }
        return out;
    }

    private static Config reference() {
        return ConfigFactory.parseResources(RelayConfig.class.getClassLoader(), REFERENCE);
    }

    private static RelayConfig of(Config overrides) {
        Config c = overrides.withFallback(reference()).resolve();
        try {
            Config limits = c.getConfig("relay.limits");
            Config upstream = c.getConfig("relay.upstream");
            Config store = c.getConfig("relay.store");
            String logFormat = c.getString("relay.log.format");
            String dataDir = c.getString("relay.data-dir");
            Path dir = dataDir.isEmpty() ? Path.of(System.getProperty("user.home"), ".wsrelay") : Path.of(dataDir);
            String jdbcUrl = store.getString("jdbc-url");
            if (jdbcUrl.isEmpty()) {
                jdbcUrl = embeddedJdbcUrl(dir);
            }
            Map<String, String> storeProps = new LinkedHashMap<>();
            for (Map.Entry<String, ConfigValue> e : store.entrySet()) {
                storeProps.put("relay.store." + e.getKey(), String.valueOf(e.getValue().unwrapped()));
            }
            return new RelayConfig(
                    c.getString("relay.host"),
                    c.getInt("relay.port"),
                    c.getDuration("relay.upstream.connect-timeout"),
                    c.getDuration("relay.idle-timeout"),
                    c.getDuration("relay.ping-interval"),
                    c.getDuration("relay.close-timeout"),
                    new Limits(
                            limits.getInt("max-sessions"),
                            limits.getBytes("max-message-bytes"),
                            Math.toIntExact(limits.getBytes("max-frame-bytes")),
                            limits.getInt("max-sessions-per-client"),
                            limits.getInt("max-sessions-per-endpoint"),
                            limits.getInt("upgrades-per-minute-per-client"),
                            Math.toIntExact(limits.getBytes("max-request-header-bytes"))),
                    new Store(
                            store.getString("type"),
                            jdbcUrl,
                            store.getString("user"),
                            store.getString("password"),
                            store.getInt("pool-size"),
                            store.getDuration("timeout"),
                            store.getBoolean("migrate-on-start"),
                            storeProps),
                    upstream.getDuration("idle-timeout"),
                    c.getDuration("relay.handshake-timeout"),
                    new Security(
                            stringList(c, "relay.origins.allowed"),
                            c.getBoolean("relay.origins.allow-missing"),
                            c.getBoolean("relay.origins.allow-same-origin"),
                            stringList(c, "relay.origins.public-hosts"),
                            upstream.getBoolean("allow-private-addresses"),
                            stringList(upstream, "allowed-networks"),
                            stringList(c, "relay.headers.forward"),
                            c.getBoolean("relay.headers.add-forwarded"),
                            c.getBoolean("relay.headers.trust-forwarded"),
                            new Tls(c.getString("relay.tls.keystore"), c.getString("relay.tls.keystore-password"),
                                    c.getString("relay.tls.keystore-type"))),
                    new UpstreamBuffers(
                            Math.toIntExact(upstream.getBytes("write-buffer-bytes")),
                            Math.toIntExact(upstream.getBytes("text-buffer-bytes"))),
                    new Operations(
                            c.getString("relay.admin.host"),
                            c.getInt("relay.admin.port"),
                            c.getString("relay.admin.token"),
                            c.getInt("relay.metrics.max-endpoint-labels"),
                            c.getDuration("relay.shutdown.drain-period"),
                            logFormat(logFormat)));

        } catch (ConfigException | ArithmeticException e) {
            throw new IllegalArgumentException("invalid configuration: " + e.getMessage(), e);
        }
    }

    private static LogFormat logFormat(String value) {
        try {
            return LogFormat.valueOf(value.strip().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("relay.log.format must be text or json, was '" + value + "'", e);
        }
    }

    /**
     * A list setting: a HOCON list, or (from the environment and flags, which carry strings) one
     * comma-separated string; blanks are dropped.
     */
    private static List<String> stringList(Config c, String path) {
        if (c.getValue(path).valueType() == ConfigValueType.LIST) {
            return c.getStringList(path);
        }
        return Arrays.stream(c.getString(path).split(",")).map(String::strip).filter(v -> !v.isEmpty()).toList();
    }

    /**
     * The embedded database: an H2 file in PostgreSQL mode. {@code AUTO_SERVER} lets the
     * command line change endpoints while a relay holds the file open; {@code AUTO_RECONNECT}
     * lets a process whose connections went through another one's server (the one that opened
     * the file first) carry on when that process exits.
     */
    static String embeddedJdbcUrl(Path dataDir) {
        return "jdbc:h2:file:" + dataDir.toAbsolutePath().resolve("wsrelay")
                + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;AUTO_SERVER=TRUE;AUTO_RECONNECT=TRUE";
    }

    /** A copy listening on another port (tests use 0). */
    public RelayConfig withPort(int newPort) {
        return new RelayConfig(host, newPort, connectTimeout, idleTimeout, pingInterval, closeTimeout, limits, store,
                upstreamIdleTimeout, handshakeTimeout, security, upstreamBuffers, operations);
    }
}
