package io.wsrelay.storage.sql;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.wsrelay.relay.config.ConfigValues;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the SQL store, the keys this module declares in {@value #DEFAULTS} (all under
 * {@code relay.store}). Immutable.
 *
 * @param jdbcUrl        {@code relay.store.jdbc-url}: {@code jdbc:postgresql:} or {@code jdbc:h2:};
 *                       never empty here (the embedded default is filled in)
 * @param user           {@code relay.store.user}, JDBC user; empty for none
 * @param password       {@code relay.store.password}, JDBC password; empty for none
 * @param poolSize       {@code relay.store.pool-size}, pooled connections, at least 1
 * @param timeout        {@code relay.store.timeout}, longest wait for a lookup (pool plus query); positive
 * @param migrateOnStart {@code relay.store.migrate-on-start}: whether opening the store through the
 *                       provider applies the Flyway migrations
 */
public record SqlStoreConfig(
        String jdbcUrl,
        String user,
        String password,
        int poolSize,
        Duration timeout,
        boolean migrateOnStart) {

    /** The module's defaults table, a resource of this jar. */
    public static final String DEFAULTS = "wsrelay-store-sql.conf";

    /**
     * @throws IllegalArgumentException if {@code jdbcUrl} is empty, {@code poolSize} below 1 or
     *                                  {@code timeout} not positive
     */
    public SqlStoreConfig {
        Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(timeout, "timeout");
        if (jdbcUrl.isEmpty() || poolSize < 1 || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("SQL store settings out of range: url " + ConnectionPools.redact(jdbcUrl)
                    + ", pool size " + poolSize + ", timeout " + timeout);
        }
    }

    /** This module's keys and their defaults ({@value #DEFAULTS}). */
    static Config defaults() {
        return ConfigFactory.parseResources(SqlStoreConfig.class.getClassLoader(), DEFAULTS);
    }

    /**
     * Reads the {@code relay.store.*} keys of this module; an empty {@code relay.store.jdbc-url}
     * is the embedded database in {@link ConfigValues#dataDir()}.
     *
     * @throws io.wsrelay.relay.config.ConfigurationException naming the key, if a value is invalid
     */
    public static SqlStoreConfig from(ConfigValues settings) {
        String jdbcUrl = settings.string("relay.store.jdbc-url");
        if (!jdbcUrl.isEmpty() && !jdbcUrl.startsWith(ConnectionPools.POSTGRES_PREFIX)
                && !jdbcUrl.startsWith(ConnectionPools.H2_PREFIX)) {
            throw settings.invalid("relay.store.jdbc-url", "a " + ConnectionPools.POSTGRES_PREFIX + " or "
                    + ConnectionPools.H2_PREFIX + " URL, or empty for the embedded database");
        }
        return new SqlStoreConfig(
                jdbcUrl.isEmpty() ? embeddedJdbcUrl(settings.dataDir()) : jdbcUrl,
                settings.string("relay.store.user"),
                settings.string("relay.store.password"),
                settings.integer("relay.store.pool-size", 1, Integer.MAX_VALUE),
                settings.duration("relay.store.timeout", false),
                settings.bool("relay.store.migrate-on-start"));
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

    /** Whether {@link #jdbcUrl} is the embedded H2 database. */
    public boolean isEmbedded() {
        return jdbcUrl.startsWith(ConnectionPools.H2_PREFIX);
    }

    /** A copy that does or does not migrate when opened. */
    public SqlStoreConfig withMigrateOnStart(boolean migrate) {
        return new SqlStoreConfig(jdbcUrl, user, password, poolSize, timeout, migrate);
    }

    /** Never prints the password, nor the URL's parameters (which may hold one). */
    @Override
    public String toString() {
        return "SqlStoreConfig{jdbcUrl=" + ConnectionPools.redact(jdbcUrl) + ", user=" + user + ", poolSize=" + poolSize
                + ", timeout=" + timeout + ", migrateOnStart=" + migrateOnStart + "}";
    }
}
