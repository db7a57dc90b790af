package io.wsrelay.storage.redis;

import com.typesafe.config.Config;
import io.wsrelay.relay.config.ConfigValues;
import io.wsrelay.relay.spi.ConfiguredStore;
import io.wsrelay.relay.spi.EndpointStore;
import io.wsrelay.relay.spi.EndpointStoreProvider;
import io.wsrelay.relay.spi.StoreContext;

import java.util.Optional;

/**
 * The {@code redis} store type: a {@link CachingEndpointStore} in front of the {@code sql} store
 * ({@link #cachedType()}), configured by the {@code relay.store.redis.*} keys it declares
 * ({@link RedisCacheConfig}). This module does not open the SQL store: the composition root
 * configures and opens it (as the {@code sql} type, its own keys, without its own memory of
 * unknown ids) and passes it in. Found by the launcher through {@link java.util.ServiceLoader};
 * stateless, so one instance may serve any number of calls, from any thread.
 */
public final class RedisEndpointStoreProvider implements EndpointStoreProvider {

    /** The value of {@code relay.store.type} that selects this provider. */
    public static final String TYPE = "redis";
    /** The store type this one caches: its source of truth. */
    public static final String CACHED_TYPE = "sql";

    /** For {@link java.util.ServiceLoader}; stateless. */
    public RedisEndpointStoreProvider() {
    }

    @Override
    public String type() {
        return TYPE;
    }

    /** {@inheritDoc} <p>{@value RedisCacheConfig#DEFAULTS}: the {@code relay.store.redis.*} keys. */
    @Override
    public Config defaults() {
        return RedisCacheConfig.defaults();
    }

    /** {@inheritDoc} <p>{@value #CACHED_TYPE}. */
    @Override
    public Optional<String> cachedType() {
        return Optional.of(CACHED_TYPE);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Opening puts the cache in front of {@code context.delegate()} and does not wait for
     * Redis: a relay started during a Redis outage serves from the delegate until Redis answers.
     * The cache closes the delegate when it is closed. Redis holds nothing that needs migrating.
     */
    @Override
    public ConfiguredStore configure(ConfigValues settings) {
        RedisCacheConfig config = RedisCacheConfig.from(settings);
        return new ConfiguredStore() {
            @Override
            public EndpointStore open(StoreContext context) {
                EndpointStore delegate = context.delegate().orElseThrow(() -> new IllegalArgumentException(
                        "the redis store caches another store (" + CACHED_TYPE + "); open it over one"));
                return CachingEndpointStore.create(delegate, config);
            }

            @Override
            public int migrate() {
                return 0;
            }

            @Override
            public String location() {
                return RedisCacheConfig.redact(config.url());
            }

            @Override
            public String toString() {
                return config.toString();
            }
        };
    }

    @Override
    public String toString() {
        return "RedisEndpointStoreProvider{type=" + TYPE + "}";
    }
}
