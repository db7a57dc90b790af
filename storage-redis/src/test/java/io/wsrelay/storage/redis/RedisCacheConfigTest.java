package io.wsrelay.storage.redis;

import io.wsrelay.relay.config.ConfigurationException;
import io.wsrelay.relay.config.RelayConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RedisCacheConfigTest {

    @Test
    void defaultsAreTheDocumentedOnes() {
        RedisCacheConfig c = TestStores.redisSettings(Map.of());
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
    void environmentVariablesSetEveryKeyIncludingDashedOnes() {
        Map<String, String> env = Map.of(
                "WSRELAY_STORE_TYPE", "redis",
                "WSRELAY_STORE_REDIS_URL", "redis://cache:6380/2",
                "WSRELAY_STORE_REDIS_KEY_PREFIX", "blue:",
                "WSRELAY_STORE_REDIS_NEGATIVE_TTL", "3s",
                "WSRELAY_STORE_REDIS_POOL_SIZE", "64",
                "WSRELAY_STORE_REDIS_LOCAL_CACHE_SIZE", "0");
        RelayConfig config = RelayConfig.load(Map.of(), Map.of("WSRELAY_STORE_TYPE", "redis"), Optional.empty());
        RedisCacheConfig c = RedisCacheConfig.from(TestStores.settings(Map.of(), env));
        assertAll(
                () -> assertEquals("redis", config.storeType()),
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
        ConfigurationException e = assertThrows(ConfigurationException.class, () -> TestStores.redisSettings(Map.of(key, value)));
        assertTrue(e.getMessage().startsWith(key + " "), e.getMessage());
    }

    @Test
    void outOfRangeValueNamesTheKeyTheValueAndItsSource() {
        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> TestStores.redisSettings(Map.of("relay.store.redis.pool-size", "0")));
        assertEquals("relay.store.redis.pool-size must be a whole number of at least 1, was '0' (from --set)", e.getMessage());
    }

    @Test
    void everyKeyIsInTheRedisGuideWhichTheReadmeLinks() throws Exception {
        String guide = Files.readString(Path.of("..", "docs", "redis.md"));
        String readme = Files.readString(Path.of("..", "README.md"));
        Set<String> missing = new TreeSet<>();
        new RedisEndpointStoreProvider().defaults().entrySet().forEach(e -> {
            if (!guide.contains("`" + e.getKey() + "`")) {
                missing.add(e.getKey());
            }
        });
        assertAll(
                () -> assertEquals(Set.of(), missing, "keys missing from docs/redis.md"),
                () -> assertTrue(readme.contains("(docs/redis.md)"), "README links the Redis guide"));
    }

    @Test
    void aPortOutOfRangeIsRefusedWithoutThePassword() {
        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> TestStores.redisSettings(Map.of("relay.store.redis.url", "redis://app:hunter2@127.0.0.1:99999/0")));
        assertEquals("relay.store.redis.url port must be 1 to 65535, was 99999 in redis://***@127.0.0.1:99999/0", e.getMessage());
    }

    @Test
    void passwordNeverAppearsInTextOrErrors() {
        RedisCacheConfig c = TestStores.redisSettings(Map.of("relay.store.redis.url", "redis://app:hunter2@cache:6379/0"));
        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> TestStores.redisSettings(Map.of("relay.store.redis.url", "redis://app:hunter2@cache:6379/x y")));
        assertAll(
                () -> assertEquals("redis://***@cache:6379/0", RedisCacheConfig.redact(c.url())),
                () -> assertFalse(c.toString().contains("hunter2"), c.toString()),
                () -> assertFalse(e.getMessage().contains("hunter2"), e.getMessage()));
    }

    @Test
    void aUrlTheUriCannotSplitAndAUrlOfTheWrongTypeNeverShowThePassword() throws Exception {
        Path file = Files.createTempFile("wsrelay", ".conf");
        try {
            Files.writeString(file, "relay.store.redis.url = [\"redis://app:ListPw5@cache:6379\"]\n");
            ConfigurationException e = assertThrows(ConfigurationException.class, () -> RedisCacheConfig.from(
                    io.wsrelay.relay.config.ConfigLoader.load(Map.of(), Map.of(), Optional.of(file),
                            java.util.List.of(new RedisEndpointStoreProvider().defaults())).values()));
            assertAll(
                    () -> assertEquals("redis://app:***@cache_1:6379", RedisCacheConfig.redact(URI.create("redis://app:UriPw3@cache_1:6379"))),
                    () -> assertTrue(e.getMessage().contains("relay.store.redis.url must be a string, was "
                            + "'[redis://app:***@cache:6379]' (from " + file), e.getMessage()),
                    () -> assertFalse(e.getMessage().contains("ListPw5"), e.getMessage()));
        } finally {
            Files.delete(file);
        }
    }
}
