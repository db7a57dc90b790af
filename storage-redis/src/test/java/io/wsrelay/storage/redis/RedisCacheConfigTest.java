package io.wsrelay.storage.redis;

import io.wsrelay.relay.config.RelayConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RedisCacheConfigTest {

    @Test
    void defaultsAreTheDocumentedOnes() {
        RedisCacheConfig c = RedisCacheConfig.from(RelayConfig.defaults().store());
        assertAll(
                () -> assertEquals(URI.create("redis://127.0.0.1:6379"), c.url()),
                () -> assertEquals("wsrelay:", c.keyPrefix()),
                () -> assertEquals(Duration.ofSeconds(60), c.ttl()),
                () -> assertEquals(Duration.ofSeconds(10), c.negativeTtl()),
                () -> assertEquals(16, c.poolSize()),
                () -> assertEquals(Duration.ofMillis(500), c.poolWait()),
                () -> assertEquals(Duration.ofMillis(500), c.connectTimeout()),
                () -> assertEquals(Duration.ofMillis(500), c.timeout()),
                () -> assertEquals(Duration.ofSeconds(1), c.retryInterval()),
                () -> assertEquals(10_000, c.localCacheSize()),
                () -> assertEquals(Duration.ofSeconds(5), c.localCacheTtl()));
    }

    @Test
    void storeBuiltWithoutRedisKeysGetsTheDefaults() {
        var store = new RelayConfig.Store("redis", "jdbc:h2:mem:x", "", "", 1, Duration.ofSeconds(1), false, Map.of());
        assertEquals(RedisCacheConfig.from(RelayConfig.defaults().store()), RedisCacheConfig.from(store));
    }

    @Test
    void environmentVariablesSetEveryKeyIncludingDashedOnes() {
        Map<String, String> env = Map.of(
                "WSRELAY_STORE_TYPE", "redis",
                "WSRELAY_STORE_REDIS_URL", "redis://cache:6380/2",
                "WSRELAY_STORE_REDIS_KEY_PREFIX", "blue:",
                "WSRELAY_STORE_REDIS_NEGATIVE_TTL", "3s",
                "WSRELAY_STORE_REDIS_POOL_SIZE", "64",
                "WSRELAY_STORE_REDIS_LOCAL_CACHE_SIZE", "0");
        RelayConfig config = RelayConfig.load(Map.of(), env, Optional.empty());
        RedisCacheConfig c = RedisCacheConfig.from(config.store());
        assertAll(
                () -> assertEquals("redis", config.store().type()),
                () -> assertEquals(URI.create("redis://cache:6380/2"), c.url()),
                () -> assertEquals("blue:", c.keyPrefix()),
                () -> assertEquals(Duration.ofSeconds(3), c.negativeTtl()),
                () -> assertEquals(64, c.poolSize()),
                () -> assertFalse(c.hasLocalCache()));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "relay.store.redis.url        | http://127.0.0.1:6379",
            "relay.store.redis.url        | redis://127.0.0.1",
            "relay.store.redis.url        | redis://127.0.0.1:6379/notanumber",
            "relay.store.redis.key-prefix | '   '",
            "relay.store.redis.ttl        | 0s",
            "relay.store.redis.negative-ttl | -1s",
            "relay.store.redis.pool-size  | 0",
            "relay.store.redis.timeout    | 0ms",
            "relay.store.redis.retry-interval | soon",
            "relay.store.redis.local-cache-size | -1"})
    void invalidValueIsRefusedNamingItsKey(String key, String value) {
        var store = RelayConfig.from(Map.of(key, value)).store();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RedisCacheConfig.from(store));
        String shortKey = key.substring(key.lastIndexOf('.') + 1);
        assertTrue(e.getMessage().contains(shortKey), e.getMessage());
    }

    @Test
    void passwordNeverAppearsInTextOrErrors() {
        var store = RelayConfig.from(Map.of("relay.store.redis.url", "redis://app:hunter2@cache:6379/0")).store();
        RedisCacheConfig c = RedisCacheConfig.from(store);
        var bad = RelayConfig.from(Map.of("relay.store.redis.url", "redis://app:hunter2@cache:6379/x y")).store();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RedisCacheConfig.from(bad));
        assertAll(
                () -> assertEquals("redis://***@cache:6379/0", RedisCacheConfig.redact(c.url())),
                () -> assertFalse(c.toString().contains("hunter2"), c.toString()),
                () -> assertFalse(e.getMessage().contains("hunter2"), e.getMessage()));
    }
}
