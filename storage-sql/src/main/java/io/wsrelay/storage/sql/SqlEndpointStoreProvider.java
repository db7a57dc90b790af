package io.wsrelay.storage.sql;

import com.zaxxer.hikari.HikariDataSource;
import io.wsrelay.relay.config.RelayConfig;
import io.wsrelay.relay.spi.EndpointStore;
import io.wsrelay.relay.spi.EndpointStoreProvider;
import io.wsrelay.relay.spi.StoreException;
import io.wsrelay.relay.spi.StoreUnavailableException;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Objects;

/**
 * The {@code sql} store type: {@link SqlEndpointStore} on PostgreSQL or the embedded H2 file,
 * with the schema applied by Flyway from {@value #MIGRATIONS} (the {@code wsrelay-migrations}
 * jar). Found by the launcher through {@link java.util.ServiceLoader}; stateless, so one instance
 * may serve any number of calls, from any thread.
 */
public final class SqlEndpointStoreProvider implements EndpointStoreProvider {

    /** The value of {@code relay.store.type} that selects this provider. */
    public static final String TYPE = "sql";
    /** Where Flyway finds the scripts: {@code db/migration} inside {@code wsrelay-migrations}. */
    static final String MIGRATIONS = "classpath:db/migration";

    private static final Logger LOG = LoggerFactory.getLogger(SqlEndpointStoreProvider.class);
    /** Flyway may hold a second connection beside the one it migrates on (e.g. for its lock). */
    private static final int MIGRATION_POOL_SIZE = 2;

    /** For {@link java.util.ServiceLoader}; stateless. */
    public SqlEndpointStoreProvider() {
    }

    @Override
    public String type() {
        return TYPE;
    }

    /**
     * {@inheritDoc}
     *
     * <p>When {@code config.migrateOnStart()}, applies pending migrations first (see
     * {@link #migrate}), then opens the store as {@link SqlEndpointStore#create} does.
     */
    @Override
    public EndpointStore create(RelayConfig.Store config) throws StoreException {
        Objects.requireNonNull(config, "config");
        if (config.migrateOnStart()) {
            migrate(config);
        }
        return SqlEndpointStore.create(config);
    }

    /**
     * {@inheritDoc}
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
    @Override
    public int migrate(RelayConfig.Store config) throws StoreException {
        Objects.requireNonNull(config, "config");
        String url = ConnectionPools.redact(config.jdbcUrl());
        try (HikariDataSource pool = ConnectionPools.open(config, MIGRATION_POOL_SIZE, "wsrelay-migrate")) {
            MigrateResult result = Flyway.configure(SqlEndpointStoreProvider.class.getClassLoader())
                    .dataSource(pool)
                    .locations(MIGRATIONS)
                    .failOnMissingLocations(true)
                    .load()
                    .migrate();
            LOG.info("Schema of {} migrated: {} migration(s) applied, version {}",
                    url, result.migrationsExecuted,
                    result.targetSchemaVersion != null ? result.targetSchemaVersion : result.initialSchemaVersion);
            return result.migrationsExecuted;
        } catch (FlywayException e) {
            throw StoreFailures.map("migrate " + url, e);
        }
    }

    @Override
    public String toString() {
        return "SqlEndpointStoreProvider{type=" + TYPE + "}";
    }
}
