package io.wsrelay.storage.redis;

import io.wsrelay.relay.config.ConfigLoader;
import io.wsrelay.relay.config.ConfigValues;
import io.wsrelay.storage.sql.SqlEndpointStoreProvider;
import io.wsrelay.storage.sql.SqlStoreConfig;
import io.wsrelay.storage.sql.TcpProxy;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Settings the Redis store tests share. */
final class TestStores {

    private TestStores() {
    }

    /**
     * Cache settings for tests: short Redis timeouts and retry interval, 4 pooled connections, and
     * TTLs long enough (a minute) that only invalidation, never expiry, explains a fresh answer.
     *
     * @param localCacheSize 0 for no in-process cache
     */
    static RedisCacheConfig cache(URI redis, String prefix, int localCacheSize) {
        return new RedisCacheConfig(redis, prefix, Duration.ofMinutes(1), Duration.ofMinutes(1), 4,
                Timeouts.REDIS, Timeouts.REDIS, Timeouts.REDIS, Timeouts.RETRY, localCacheSize, Duration.ofMinutes(1));
    }

    /** {@code cache} with other TTLs: Redis {@code ttl}, {@code negativeTtl}, and in-process {@code localTtl}. */
    static RedisCacheConfig withTtls(RedisCacheConfig cache, Duration ttl, Duration negativeTtl, Duration localTtl) {
        return new RedisCacheConfig(cache.url(), cache.keyPrefix(), ttl, negativeTtl, cache.poolSize(),
                cache.poolWait(), cache.connectTimeout(), cache.timeout(), cache.retryInterval(),
                cache.localCacheSize(), localTtl);
    }

    /**
     * {@code sql} (a fresh PostgreSQL schema) reached through {@code proxy}, with a short store
     * timeout, so that cutting the proxy makes the database unreachable within half a second.
     */
    static SqlStoreConfig throughProxy(SqlStoreConfig sql, TcpProxy proxy) {
        String url = sql.jdbcUrl().replaceFirst("//[^/]+/", "//127.0.0.1:" + proxy.port() + "/");
        return new SqlStoreConfig(url, sql.user(), sql.password(), 2, Duration.ofMillis(500), true);
    }

    /**
     * The effective settings of a relay with both store modules, as the launcher reads them:
     * {@code flags} and {@code env} over the defaults of the relay, storage-sql and this module.
     */
    static ConfigValues settings(Map<String, String> flags, Map<String, String> env) {
        return ConfigLoader.load(flags, env, Optional.empty(),
                List.of(new SqlEndpointStoreProvider().defaults(), new RedisEndpointStoreProvider().defaults())).values();
    }

    /** {@link #settings(Map, Map)} read as the Redis cache's. */
    static RedisCacheConfig redisSettings(Map<String, String> flags) {
        return RedisCacheConfig.from(settings(flags, Map.of()));
    }
}
