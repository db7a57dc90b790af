package io.wsrelay.storage.redis;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.wsrelay.relay.config.ConfigValues;
import io.wsrelay.relay.config.ConfigurationException;
import redis.clients.jedis.util.JedisURIHelper;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the Redis cache, the {@code relay.store.redis.*} keys this module declares in
 * {@value #DEFAULTS}. Immutable.
 *
 * @param url            {@code redis://[user:password@]host:port[/database]} or {@code rediss://}
 *                       for TLS; standalone Redis
 * @param keyPrefix      prefix of every key and of the invalidation channel; not empty
 * @param ttl            how long a found endpoint stays cached in Redis; positive
 * @param negativeTtl    how long an unknown id stays cached as unknown; {@link Duration#ZERO} turns
 *                       negative caching off
 * @param poolSize       pooled Redis connections, at least 1
 * @param poolWait       longest wait for a pooled connection; positive
 * @param connectTimeout TCP connect timeout; positive, whole milliseconds
 * @param timeout        longest wait for a Redis reply; positive, whole milliseconds
 * @param retryInterval  while Redis is unreachable, how often a lookup tries it again, and the
 *                       longest pause between reconnects of the invalidation subscriber; positive
 * @param localCacheSize entries of the in-process cache on this node; 0 turns it off
 * @param localCacheTtl  longest an entry stays in the in-process cache; positive
 */
public record RedisCacheConfig(
        URI url,
        String keyPrefix,
        Duration ttl,
        Duration negativeTtl,
        int poolSize,
        Duration poolWait,
        Duration connectTimeout,
        Duration timeout,
        Duration retryInterval,
        int localCacheSize,
        Duration localCacheTtl) {

    /** Where the keys live in the relay configuration. */
    public static final String PREFIX = "relay.store.redis";
    /** The module's defaults table, a resource of this jar. */
    public static final String DEFAULTS = "wsrelay-store-redis.conf";

    /**
     * Validates the settings.
     *
     * @throws IllegalArgumentException if a value is out of range or the URL is not a Redis URL
     * @throws NullPointerException     if any component is null
     */
    public RedisCacheConfig {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(keyPrefix, "keyPrefix");
        boolean redisScheme = JedisURIHelper.isRedisScheme(url) || JedisURIHelper.isRedisSSLScheme(url);
        if (!redisScheme || !JedisURIHelper.isValid(url)) {
            throw new IllegalArgumentException(PREFIX + ".url must be redis://host:port or rediss://host:port, was "
                    + redact(url));
        }
        if (url.getPort() > 65535 || url.getPort() == 0) {
            throw new IllegalArgumentException(PREFIX + ".url port must be 1 to 65535, was " + url.getPort()
                    + " in " + redact(url));
        }
        try {
            JedisURIHelper.getPassword(url);
            JedisURIHelper.getDBIndex(url);
        } catch (IllegalArgumentException e) {
            // The messages name the part ("Password not provided"), never its value.
            throw new IllegalArgumentException(PREFIX + ".url " + redact(url) + ": " + e.getMessage(), e);
        }
        if (keyPrefix.isBlank()) {
            throw new IllegalArgumentException(PREFIX + ".key-prefix must not be empty");
        }
        positive("ttl", ttl);
        if (negativeTtl.isNegative()) {
            throw new IllegalArgumentException(PREFIX + ".negative-ttl must be >= 0, was " + negativeTtl);
        }
        if (poolSize < 1) {
            throw new IllegalArgumentException(PREFIX + ".pool-size must be >= 1, was " + poolSize);
        }
        positive("pool-wait", poolWait);
        positive("connect-timeout", connectTimeout);
        positive("timeout", timeout);
        positive("retry-interval", retryInterval);
        if (localCacheSize < 0) {
            throw new IllegalArgumentException(PREFIX + ".local-cache-size must be >= 0, was " + localCacheSize);
        }
        positive("local-cache-ttl", localCacheTtl);
    }

    /** This module's keys and their defaults ({@value #DEFAULTS}). */
    static Config defaults() {
        return ConfigFactory.parseResources(RedisCacheConfig.class.getClassLoader(), DEFAULTS);
    }

    /**
     * Reads the {@code relay.store.redis.*} keys.
     *
     * @throws ConfigurationException naming the key, if a value has the wrong type or is out of
     *                                range (never quoting a password)
     */
    public static RedisCacheConfig from(ConfigValues settings) {
        String p = PREFIX + ".";
        try {
            return new RedisCacheConfig(
                    uri(settings.string(p + "url")),
                    settings.string(p + "key-prefix"),
                    settings.duration(p + "ttl", false),
                    settings.duration(p + "negative-ttl", true),
                    settings.integer(p + "pool-size", 1, Integer.MAX_VALUE),
                    settings.duration(p + "pool-wait", false),
                    settings.duration(p + "connect-timeout", false),
                    settings.duration(p + "timeout", false),
                    settings.duration(p + "retry-interval", false),
                    settings.integer(p + "local-cache-size", 0, Integer.MAX_VALUE),
                    settings.duration(p + "local-cache-ttl", false));
        } catch (ConfigurationException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            // The record's own checks (URL scheme, empty prefix) name the key and never the password.
            throw new ConfigurationException(e.getMessage(), e);
        }
    }

    /** Whether the in-process cache is on. */
    public boolean hasLocalCache() {
        return localCacheSize > 0;
    }

    /** A copy with another key prefix. */
    public RedisCacheConfig withKeyPrefix(String newPrefix) {
        return new RedisCacheConfig(url, newPrefix, ttl, negativeTtl, poolSize, poolWait, connectTimeout, timeout,
                retryInterval, localCacheSize, localCacheTtl);
    }

    /** A copy with another URL. */
    public RedisCacheConfig withUrl(URI newUrl) {
        return new RedisCacheConfig(newUrl, keyPrefix, ttl, negativeTtl, poolSize, poolWait, connectTimeout, timeout,
                retryInterval, localCacheSize, localCacheTtl);
    }

    /** A copy whose in-process cache holds at most {@code size} entries; 0 turns it off. */
    public RedisCacheConfig withLocalCacheSize(int size) {
        return new RedisCacheConfig(url, keyPrefix, ttl, negativeTtl, poolSize, poolWait, connectTimeout, timeout,
                retryInterval, size, localCacheTtl);
    }

    /** {@code url} without its user and password, for logs and messages. */
    static String redact(URI url) {
        if (url.getRawUserInfo() == null || url.getHost() == null) {
            return ConfigValues.redact(url.toString()); // user information the URI did not parse as such
        }
        return url.getScheme() + "://***@" + url.getHost() + (url.getPort() < 0 ? "" : ":" + url.getPort())
                + (url.getRawPath() == null ? "" : url.getRawPath());
    }

    /** Never prints the password. */
    @Override
    public String toString() {
        return "RedisCacheConfig{url=" + redact(url) + ", keyPrefix=" + keyPrefix + ", ttl=" + ttl
                + ", negativeTtl=" + negativeTtl + ", poolSize=" + poolSize + ", poolWait=" + poolWait
                + ", connectTimeout=" + connectTimeout + ", timeout=" + timeout + ", retryInterval=" + retryInterval
                + ", localCacheSize=" + localCacheSize + ", localCacheTtl=" + localCacheTtl + "}";
    }

    private static URI uri(String url) {
        try {
            return new URI(url);
        } catch (java.net.URISyntaxException e) {
            // Neither e's message nor e itself: both quote the whole URL, password included.
            throw new IllegalArgumentException(PREFIX + ".url is not a valid URI (" + e.getReason() + " at index "
                    + e.getIndex() + ")");
        }
    }

    private static void positive(String key, Duration value) {
        Objects.requireNonNull(value, key);
        if (value.isZero() || value.isNegative()) {
            throw new IllegalArgumentException(PREFIX + "." + key + " must be positive, was " + value);
        }
    }
}
