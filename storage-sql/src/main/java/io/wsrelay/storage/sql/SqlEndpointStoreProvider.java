package io.wsrelay.storage.sql;

import com.typesafe.config.Config;
import com.zaxxer.hikari.HikariDataSource;
import io.wsrelay.relay.config.ConfigValues;
import io.wsrelay.relay.spi.ConfiguredStore;
import io.wsrelay.relay.spi.EndpointStore;
import io.wsrelay.relay.spi.EndpointStoreProvider;
import io.wsrelay.relay.spi.StoreContext;
import io.wsrelay.relay.spi.StoreException;
import io.wsrelay.relay.spi.StoreUnavailableException;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Objects;

/**
 * The {@code sql} store type: {@link SqlEndpointStore} on PostgreSQL or the embedded H2 file,
 * with the schema applied by Flyway from {@value #MIGRATIONS} (the {@code wsrelay-migrations}
 * jar). Declares the {@code relay.store.*} keys of {@link SqlStoreConfig}. Found by the launcher
 * through {@link java.util.ServiceLoader}; stateless, so one instance may serve any number of
 * calls, from any thread.
 */
public final class SqlEndpointStoreProvider implements EndpointStoreProvider {

    /** The value of {@code relay.store.type} that selects this provider. */
    public static final String TYPE = "sql";
    /** Where Flyway finds the scripts: {@code db/migration} inside {@code wsrelay-migrations}. */
    static final String MIGRATIONS = "classpath:db/migration";

    /** Flyway may hold a second connection beside the one it migrates on (e.g. for its lock). */
    private static final int MIGRATION_POOL_SIZE = 2;

    /** For {@link java.util.ServiceLoader}; stateless, and makes no logger (logging is not set up yet). */
    public SqlEndpointStoreProvider() {
    }

    @Override
    public String type() {
        return TYPE;
    }

    /** {@inheritDoc} <p>{@value SqlStoreConfig#DEFAULTS}: {@code relay.store.jdbc-url}, {@code user}, {@code password}, {@code pool-size}, {@code timeout}, {@code migrate-on-start}. */
    @Override
    public Config defaults() {
        return SqlStoreConfig.defaults();
    }

    /**
     * {@inheritDoc}
     *
     * <p>Opening migrates first when {@code context.migrate()} and {@code relay.store.migrate-on-start};
     * behind a cache ({@link StoreContext#behindCache()}) the store does not remember unknown ids.
     */
    @Override
    public ConfiguredStore configure(ConfigValues settings) {
        SqlStoreConfig config = SqlStoreConfig.from(settings);
        return new ConfiguredStore() {
            @Override
            public EndpointStore open(StoreContext context) {
                if (context.delegate().isPresent()) {
                    throw new IllegalArgumentException("the sql store caches nothing; it was given a delegate");
                }
                return SqlEndpointStoreProvider.this.open(context.migrate() ? config : config.withMigrateOnStart(false),
                        context.behindCache() ? Duration.ZERO : SqlEndpointStore.NEGATIVE_TTL);
            }

            @Override
            public int migrate() {
                return SqlEndpointStoreProvider.this.migrate(config);
            }

            @Override
            public String location() {
                return ConnectionPools.redact(config.jdbcUrl());
            }

            @Override
            public String toString() {
                return config.toString();
            }
        };
    }

    /**
     * Opens a store as the composition root does, for explicit wiring: applies pending migrations
     * first when {@code config.migrateOnStart()} (see {@link #migrate}), then opens the store as
     * {@link SqlEndpointStore#create(SqlStoreConfig)} does.
     *
     * @throws StoreUnavailableException if the database cannot be reached
     * @throws StoreException            if it cannot be opened or migrated for another reason
     */
    public EndpointStore create(SqlStoreConfig config) throws StoreException {
        return open(config, SqlEndpointStore.NEGATIVE_TTL);
    }

    private EndpointStore open(SqlStoreConfig config, Duration negativeTtl) {
        Objects.requireNonNull(config, "config");
        if (config.migrateOnStart()) {
            migrate(config);
        }
        return SqlEndpointStore.create(config, negativeTtl);
    }

    /**
     * Applies the schema migrations to the configured database and returns how many were applied.
     *
     * <p>Runs Flyway over a short-lived pool of two connections, which waits for the database at
     * most {@code config.timeout()}; the migrations themselves run without a time limit. Relay
     * nodes that start together are safe: Flyway serialises them with a database lock. An
     * embedded H2 file and its directory are created if missing.
     *
     * @return how many migrations were applied; 0 when the schema was already current
     * @throws StoreUnavailableException if the database cannot be reached
     * @throws StoreException            if a migration fails, or the applied ones differ from the
     *                                   scripts (Flyway's validation)
     */
    public int migrate(SqlStoreConfig config) throws StoreException {
        Objects.requireNonNull(config, "config");
        String url = ConnectionPools.redact(config.jdbcUrl());
        // Processes opening a new embedded file together: the one serving it to the others may exit
        // mid-migration; Flyway's history makes migrating again safe, so try until the open deadline.
        long deadline = ConnectionPools.embeddedOpenDeadline();
        while (true) {
            try {
                return migrateOnce(config, url);
            } catch (FlywayException e) {
                if (!ConnectionPools.embeddedServerWentAway(config.jdbcUrl(), e) || System.nanoTime() - deadline >= 0) {
                    throw StoreFailures.map("migrate " + url, e);
                }
                ConnectionPools.pauseBeforeReopen();
            }
        }
    }

    private int migrateOnce(SqlStoreConfig config, String url) {
        try (HikariDataSource pool = ConnectionPools.open(config, MIGRATION_POOL_SIZE, "wsrelay-migrate")) {
            MigrateResult result = Flyway.configure(SqlEndpointStoreProvider.class.getClassLoader())
                    .dataSource(pool)
                    .locations(MIGRATIONS)
                    .failOnMissingLocations(true)
                    .load()
                    .migrate();
            LoggerFactory.getLogger(SqlEndpointStoreProvider.class).info("Schema of {} migrated: {} migration(s) applied, version {}",
                    url, result.migrationsExecuted,
                    result.targetSchemaVersion != null ? result.targetSchemaVersion : result.initialSchemaVersion);
            return result.migrationsExecuted;
        }
    }

    @Override
    public String toString() {
        return "SqlEndpointStoreProvider{type=" + TYPE + "}";
    }
}
