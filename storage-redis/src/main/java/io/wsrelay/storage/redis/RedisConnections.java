package io.wsrelay.storage.redis;

import redis.clients.jedis.Connection;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.util.JedisURIHelper;

import java.time.Duration;

/** Opens the Jedis pool of the lookups and the single connection of the subscriber. */
final class RedisConnections {

    /** Shown by {@code CLIENT LIST}, so operators can tell our connections apart. */
    static final String CLIENT_NAME = "wsrelay";

    private RedisConnections() {
    }

    /**
     * A pool of at most {@code config.poolSize()} connections, opened lazily. Borrowing blocks up
     * to {@code config.poolWait()}: callers are virtual threads, which park while they wait, so the
     * pool bounds the load on Redis, not the number of threads. Idle connections are checked and
     * dropped in the background by Jedis's default eviction (every 30 s).
     */
    static RedisClient pool(RedisCacheConfig config) {
        ConnectionPoolConfig pool = new ConnectionPoolConfig();
        pool.setMaxTotal(config.poolSize());
        pool.setMaxIdle(config.poolSize());
        pool.setMinIdle(0);
        pool.setBlockWhenExhausted(true);
        pool.setMaxWait(config.poolWait());
        return RedisClient.builder()
                .hostAndPort(hostAndPort(config))
                .clientConfig(clientConfig(config, Duration.ZERO))
                .poolConfig(pool)
                .build();
    }

    /**
     * A connection for the subscriber, not yet connected. While subscribed it waits for a message
     * at most {@code subscribedReadTimeout}; the subscriber pings more often than that, so only a
     * silent (partitioned) connection runs into it.
     */
    static Connection subscriber(RedisCacheConfig config, Duration subscribedReadTimeout) {
        return new Connection(hostAndPort(config), clientConfig(config, subscribedReadTimeout));
    }

    private static HostAndPort hostAndPort(RedisCacheConfig config) {
        return JedisURIHelper.getHostAndPort(config.url());
    }

    /**
     * Credentials, database and TLS from the URL, with our timeouts.
     *
     * @param blockingTimeout read timeout while subscribed; {@link Duration#ZERO} for none
     */
    private static JedisClientConfig clientConfig(RedisCacheConfig config, Duration blockingTimeout) {
        return DefaultJedisClientConfig.builder()
                .user(JedisURIHelper.getUser(config.url()))
                .password(JedisURIHelper.getPassword(config.url()))
                .database(JedisURIHelper.getDBIndex(config.url()))
                .ssl(JedisURIHelper.isRedisSSLScheme(config.url()))
                .connectionTimeoutMillis(Math.toIntExact(config.connectTimeout().toMillis()))
                .socketTimeoutMillis(Math.toIntExact(config.timeout().toMillis()))
                .blockingSocketTimeoutMillis(Math.toIntExact(blockingTimeout.toMillis()))
                .clientName(CLIENT_NAME)
                .build();
    }
}
