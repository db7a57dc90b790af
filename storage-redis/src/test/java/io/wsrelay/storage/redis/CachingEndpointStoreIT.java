package io.wsrelay.storage.redis;

import ch.qos.logback.classic.Level;
import io.wsrelay.relay.spi.Endpoint;
import io.wsrelay.relay.spi.EndpointStatus;
import io.wsrelay.relay.spi.EndpointStore;
import io.wsrelay.relay.spi.StoreUnavailableException;
import io.wsrelay.storage.sql.PostgresSchemas;
import io.wsrelay.storage.sql.SqlEndpointStore;
import io.wsrelay.storage.sql.SqlEndpointStoreProvider;
import io.wsrelay.storage.sql.SqlStoreConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static io.wsrelay.storage.sql.TestEndpoints.bare;
import static io.wsrelay.storage.sql.TestEndpoints.full;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cache against the real Redis and the real PostgreSQL: hits, misses, negative entries, TTLs,
 * invalidation across two nodes, foreign data. Each test has a key prefix of its own; the class
 * has one PostgreSQL schema, emptied before each test.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CachingEndpointStoreIT {

    private static final int CONCURRENT_LOOKUPS = 500;

    private final Closer closer = new Closer();
    private SharedRedis redis;
    private PostgresSchemas schemas;
    private SqlStoreConfig database;
    /** The database behind every cache's back: what another tool could change. */
    private SqlEndpointStore direct;
    private String prefix;

    @BeforeAll
    void openServers() {
        redis = new SharedRedis();
        schemas = new PostgresSchemas();
        database = schemas.create();
        new SqlEndpointStoreProvider().migrate(database);
        direct = SqlEndpointStore.create(database);
    }

    @AfterAll
    void closeServers() {
        direct.close();
        schemas.close();
        redis.close();
    }

    @BeforeEach
    void emptyTheDatabase() {
        for (Endpoint endpoint : direct.list()) {
            direct.remove(endpoint.id());
        }
        prefix = redis.newPrefix();
    }

    @AfterEach
    void closeStores() throws Exception {
        closer.close();
    }

    private CachingEndpointStore node(RedisCacheConfig cache) {
        return closer.add(CachingEndpointStore.create(SqlEndpointStore.create(database, Duration.ZERO), cache));
    }

    private CachingEndpointStore node() {
        return node(TestStores.cache(redis.url(), prefix, 0));
    }

    private String entryKey(String id) {
        return prefix + "endpoint:" + id;
    }

    @Test
    void missLoadsTheRowFromSqlAndCachesItInRedisForTheTtl() {
        direct.insert(full("e1"));
        CachingEndpointStore store = node();

        assertEquals(Optional.of(full("e1")), store.lookup("e1"));

        long pttl = redis.client().pttl(entryKey("e1"));
        assertTrue(pttl > 0 && pttl <= Duration.ofMinutes(1).toMillis(), "PTTL " + pttl);
        assertEquals(Optional.of(full("e1")), EntryCodec.decode("e1", redis.client().get(entryKey("e1"))));
    }

    @Test
    void countsHitsAndMissesOfEachCacheLayerForTheMetrics() {
        direct.insert(bare("e1"));
        CachingEndpointStore store = node(TestStores.cache(redis.url(), prefix, 100));
        CachingEndpointStore other = node(TestStores.cache(redis.url(), prefix, 100));
        awaitSubscribers(2); // the in-process cache is used once invalidations can reach it
        assertEquals(List.of("local", "redis"), store.cacheLayers());

        store.lookup("e1"); // local miss, Redis miss, SQL
        store.lookup("e1"); // local hit
        store.lookup("e1"); // local hit
        other.lookup("e1"); // local miss, Redis hit

        assertAll(
                () -> assertEquals(2, store.hits("local")), () -> assertEquals(1, store.misses("local")),
                () -> assertEquals(0, store.hits("redis")), () -> assertEquals(1, store.misses("redis")),
                () -> assertEquals(1, other.hits("redis")), () -> assertEquals(0, other.misses("redis")));
        assertEquals(List.of("redis"), node().cacheLayers());
        assertThrows(IllegalArgumentException.class, () -> node().hits("local"));
    }

    @Test
    void hitIsServedFromRedisWithoutAskingSql() {
        direct.insert(bare("e1"));
        CachingEndpointStore store = node();
        store.lookup("e1");

        direct.setStatus("e1", EndpointStatus.INACTIVE); // behind the cache's back

        assertEquals(EndpointStatus.ACTIVE, store.lookup("e1").orElseThrow().status());
    }

    @Test
    void unknownIdIsCachedAsUnknownForTheShorterNegativeTtl() {
        CachingEndpointStore store = node(TestStores.withTtls(TestStores.cache(redis.url(), prefix, 0),
                Duration.ofMinutes(1), Duration.ofSeconds(30), Duration.ofMinutes(1)));

        assertEquals(Optional.empty(), store.lookup("bogus"));
        direct.insert(bare("bogus")); // behind the cache's back

        assertAll(
                () -> assertEquals(Optional.empty(), store.lookup("bogus"), "served from the negative entry"),
                () -> assertTrue(redis.client().pttl(entryKey("bogus")) <= Duration.ofSeconds(30).toMillis()));
    }

    @Test
    void cachedRowExpiresAfterItsTtl() {
        direct.insert(bare("e1"));
        CachingEndpointStore store = node(TestStores.withTtls(TestStores.cache(redis.url(), prefix, 0),
                Duration.ofMillis(300), Duration.ofMinutes(1), Duration.ofMinutes(1)));
        store.lookup("e1");
        direct.setStatus("e1", EndpointStatus.INACTIVE);

        await().atMost(Timeouts.RECOVERY)
                .until(() -> store.lookup("e1").orElseThrow().status() == EndpointStatus.INACTIVE);
    }

    @Test
    void unknownIdExpiresAfterTheNegativeTtl() {
        CachingEndpointStore store = node(TestStores.withTtls(TestStores.cache(redis.url(), prefix, 0),
                Duration.ofMinutes(1), Duration.ofMillis(300), Duration.ofMinutes(1)));
        store.lookup("late");
        direct.insert(bare("late"));

        await().atMost(Timeouts.RECOVERY).until(() -> store.lookup("late").isPresent());
    }

    @Test
    void zeroNegativeTtlCachesNoUnknownIds() {
        CachingEndpointStore store = node(TestStores.withTtls(TestStores.cache(redis.url(), prefix, 0),
                Duration.ofMinutes(1), Duration.ZERO, Duration.ofMinutes(1)));

        assertEquals(Optional.empty(), store.lookup("bogus"));

        assertFalse(redis.client().exists(entryKey("bogus")));
    }

    /** Every write of the store, each made through the caching store. */
    enum Write {
        INSERT(s -> s.insert(bare("e1"))),
        UPDATE(s -> s.update(new Endpoint("e1", "ws://elsewhere:9", EndpointStatus.ACTIVE, List.of(), List.of(), 3,
                java.util.Map.of(), bare("e1").createdAt(), bare("e1").updatedAt()))),
        SET_STATUS(s -> s.setStatus("e1", EndpointStatus.INACTIVE)),
        REMOVE(s -> s.remove("e1"));

        final Consumer<EndpointStore> action;

        Write(Consumer<EndpointStore> action) {
            this.action = action;
        }
    }

    @ParameterizedTest
    @EnumSource(Write.class)
    void writeThroughTheStoreDropsTheCachedLookupBeforeItReturns(Write write) {
        if (write != Write.INSERT) {
            direct.insert(bare("e1"));
        }
        CachingEndpointStore store = node();
        Optional<Endpoint> before = store.lookup("e1");

        write.action.accept(store);

        assertAll(
                () -> assertFalse(redis.client().exists(entryKey("e1")), "entry deleted"),
                () -> assertEquals(direct.lookup("e1"), store.lookup("e1")),
                () -> assertFalse(before.equals(store.lookup("e1")), "the lookup changed"));
    }

    @Test
    void writeOnOneNodeReachesTheOtherNodesInProcessCacheWithinOneSecond() {
        direct.insert(bare("e1"));
        RedisCacheConfig cache = TestStores.cache(redis.url(), prefix, 1000);
        CachingEndpointStore nodeA = node(cache);
        CachingEndpointStore nodeB = node(cache);
        awaitSubscribers(2);
        nodeA.lookup("e1");
        // Behind both caches' backs, Redis copy included: node A now answers from its own memory.
        direct.update(new Endpoint("e1", "ws://changed:1", EndpointStatus.ACTIVE, List.of(), List.of(), 0,
                java.util.Map.of(), bare("e1").createdAt(), bare("e1").updatedAt()));
        redis.client().del(entryKey("e1"));
        assertEquals("ws://localhost:9000", nodeA.lookup("e1").orElseThrow().destinationUrl());

        nodeB.setStatus("e1", EndpointStatus.INACTIVE);

        await().atMost(Timeouts.INVALIDATION).pollInterval(Duration.ofMillis(10))
                .until(() -> nodeA.lookup("e1").orElseThrow().status() == EndpointStatus.INACTIVE);
    }

    @Test
    void corruptEntryUnderOurKeyIsAMissThatIsLoggedAndOverwritten() {
        direct.insert(full("e1"));
        CachingEndpointStore store = node();
        redis.client().set(entryKey("e1"), "{\"v\":1,\"endpoint\":{\"id\":\"e1\"");

        try (LogCapture log = new LogCapture(RedisCache.class)) {
            assertEquals(Optional.of(full("e1")), store.lookup("e1"));
            assertEquals(1, log.messages(Level.WARN).size(), () -> "WARN lines: " + log.messages(Level.WARN));
        }
        assertEquals(Optional.of(full("e1")), EntryCodec.decode("e1", redis.client().get(entryKey("e1"))));
    }

    @Test
    void valueOfAnotherTypeUnderOurKeysIsAMissAndIsOverwritten() {
        direct.insert(bare("e1"));
        CachingEndpointStore store = node();
        redis.client().rpush(entryKey("e1"), "foreign");
        redis.client().sadd(prefix + "generation:e1", "foreign");

        assertEquals(Optional.of(bare("e1")), store.lookup("e1"));

        assertEquals("string", redis.client().type(entryKey("e1")));
    }

    @Test
    void keysOfOneDeploymentStayUnderItsOwnPrefix() {
        direct.insert(bare("e1"));
        String otherPrefix = redis.newPrefix();
        CachingEndpointStore store = node();
        CachingEndpointStore otherDeployment = node(TestStores.cache(redis.url(), otherPrefix, 0));

        store.lookup("e1");
        store.setStatus("e1", EndpointStatus.INACTIVE);
        store.lookup("e1");

        assertAll(
                () -> assertEquals(List.of(entryKey("e1"), prefix + "generation:e1"),
                        redis.keys(prefix).stream().sorted().toList()),
                () -> assertEquals(List.of(), redis.keys(otherPrefix)),
                () -> assertEquals(EndpointStatus.INACTIVE, otherDeployment.lookup("e1").orElseThrow().status()));
    }

    @Test
    void lookupThatRacesAWriteDoesNotPutTheOldRowBack() {
        direct.insert(bare("e1"));
        CachingEndpointStore writer = node();
        RedisHealth health = new RedisHealth("test", Timeouts.RETRY, System::nanoTime);
        RedisCacheConfig config = TestStores.cache(redis.url(), prefix, 0);
        try (RedisCache cache = new RedisCache(RedisConnections.pool(config), config, health)) {
            RedisCache.Read seen = cache.read("e1");
            Optional<Endpoint> old = direct.lookup("e1");

            writer.setStatus("e1", EndpointStatus.INACTIVE); // commits and invalidates in between

            cache.fill("e1", seen, old);
            assertFalse(redis.client().exists(entryKey("e1")), "the stale fill was refused");
        }
        assertEquals(EndpointStatus.INACTIVE, writer.lookup("e1").orElseThrow().status());
    }

    @Test
    void idLongerThanAnEndpointIdCanBeIsUnknownWithoutACacheEntry() {
        CachingEndpointStore store = node();

        assertEquals(Optional.empty(), store.lookup("x".repeat(Endpoint.MAX_ID_LENGTH + 1)));

        assertEquals(List.of(), redis.keys(prefix));
    }

    @Test
    void listAndPingAreAnsweredByTheSqlStore() {
        direct.insert(bare("b"));
        direct.insert(bare("a"));
        CachingEndpointStore store = node();

        store.ping();

        assertEquals(List.of(bare("a"), bare("b")), store.list());
    }

    @Test
    void concurrentLookupsFromManyVirtualThreadsShareTheBoundedPool() throws Exception {
        direct.insert(full("e1"));
        direct.insert(bare("e2"));
        CachingEndpointStore store = node(); // 4 pooled Redis connections
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Optional<Endpoint>>> results = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < CONCURRENT_LOOKUPS; i++) {
                String id = i % 3 == 0 ? "e1" : i % 3 == 1 ? "e2" : "unknown";
                results.add(threads.submit(() -> {
                    start.await();
                    return store.lookup(id);
                }));
            }
            start.countDown();
            for (int i = 0; i < CONCURRENT_LOOKUPS; i++) {
                Optional<Endpoint> expected = i % 3 == 0 ? Optional.of(full("e1"))
                        : i % 3 == 1 ? Optional.of(bare("e2")) : Optional.empty();
                assertEquals(expected, results.get(i).get(Timeouts.CONCURRENT.toMillis(), TimeUnit.MILLISECONDS));
            }
        }
    }

    @Test
    void closeStopsTheSubscriberThreadsAndClosesTheSqlStore() {
        SqlEndpointStore sql = SqlEndpointStore.create(database);
        CachingEndpointStore store = CachingEndpointStore.create(sql, TestStores.cache(redis.url(), prefix, 100));
        assertTrue(store.isSubscriberRunning());

        store.close();
        store.close();

        assertAll(
                () -> assertEquals(List.of(), liveThreadsNamed("wsrelay-redis-")),
                () -> assertThrows(StoreUnavailableException.class, () -> sql.lookup("e1")),
                () -> assertThrows(StoreUnavailableException.class, () -> store.lookup("e1")));
    }

    private void awaitSubscribers(long count) {
        String channel = RedisCache.channel(prefix);
        await("subscribers on " + channel).atMost(Timeouts.RECOVERY)
                .until(() -> SharedRedis.subscribers(redis.url(), channel) >= count);
    }

    static List<String> liveThreadsNamed(String prefix) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .map(Thread::getName)
                .filter(name -> name.startsWith(prefix))
                .toList();
    }
}
