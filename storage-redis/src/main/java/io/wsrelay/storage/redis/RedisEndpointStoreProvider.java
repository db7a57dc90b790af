package io.wsrelay.storage.redis;

import io.wsrelay.relay.config.RelayConfig;
import io.wsrelay.relay.spi.EndpointStore;
import io.wsrelay.relay.spi.EndpointStoreProvider;
import io.wsrelay.relay.spi.StoreException;
import io.wsrelay.relay.spi.StoreUnavailableException;
import io.wsrelay.storage.sql.SqlEndpointStore;
import io.wsrelay.storage.sql.SqlEndpointStoreProvider;

import java.time.Duration;
import java.util.Objects;

/**
 * The {@code redis} store type: {@link CachingEndpointStore} over {@link io.wsrelay.storage.sql.SqlEndpointStore}, with
 * {@code relay.store.*} configuring the SQL store as for the {@code sql} type and
 * {@code relay.store.redis.*} the cache. Found by the launcher through
 * {@link java.util.ServiceLoader}; stateless, so one instance may serve any number of calls, from
 * any thread.
 */
public final class RedisEndpointStoreProvider implements EndpointStoreProvider {

    /** The value of {@code relay.store.type} that selects this provider. */
    public static final String TYPE = "redis";

    private final SqlEndpointStoreProvider sql = new SqlEndpointStoreProvider();

    /** For {@link java.util.ServiceLoader}; stateless. */
    public RedisEndpointStoreProvider() {
    }

    @Override
    public String type() {
        return TYPE;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Reads the Redis settings first, so a bad one fails before any connection is opened; then
     * opens the SQL store exactly as the {@code sql} type does (migrating it first when
     * {@code config.migrateOnStart()}), and puts the cache in front of it. Does not wait for Redis: a relay started
     * during a Redis outage serves from SQL until Redis answers.
     *
     * @throws IllegalArgumentException  if a {@code relay.store.redis.*} value is invalid
     * @throws StoreUnavailableException if the database cannot be reached
     */
    @Override
    public EndpointStore create(RelayConfig.Store config) throws StoreException {
        Objects.requireNonNull(config, "config");
        RedisCacheConfig redis = RedisCacheConfig.from(config);
        if (config.migrateOnStart()) {
            sql.migrate(config);
        }
        // Without the SQL store's own cache of unknown ids: it would not hear other nodes' writes,
        // and a stale "unknown" would be copied into Redis for every node. Redis caches them.
        EndpointStore store = SqlEndpointStore.create(config, Duration.ZERO);
        try {
            return CachingEndpointStore.create(store, redis);
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
    }

    /** {@inheritDoc} <p>The SQL store's migrations; Redis holds nothing that needs migrating. */
    @Override
    public int migrate(RelayConfig.Store config) throws StoreException {
        return sql.migrate(config);
    }

    @Override
    public String toString() {
        return "RedisEndpointStoreProvider{type=" + TYPE + "}";
    }
}
