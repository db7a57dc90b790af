package io.wsrelay.storage.redis;

import ch.qos.logback.classic.Level;
import io.wsrelay.relay.spi.EndpointStatus;
import io.wsrelay.relay.spi.StoreUnavailableException;
import io.wsrelay.storage.sql.PostgresSchemas;
import io.wsrelay.storage.sql.SqlEndpointStore;
import io.wsrelay.storage.sql.SqlEndpointStoreProvider;
import io.wsrelay.storage.sql.SqlStoreConfig;
import io.wsrelay.storage.sql.TcpProxy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

import static io.wsrelay.storage.sql.TestEndpoints.bare;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each failure mode against real servers: a redis-server of the test's own that is stopped and
 * started again, a Redis URL on a closed port, and the real PostgreSQL behind a proxy that is cut.
 */
class CachingEndpointStoreOutageIT {

    /** Nothing listens on port 1 of the loopback address: connections are refused at once. */
    private static final URI CLOSED_PORT = URI.create("redis://127.0.0.1:1");
    private static final int LOOKUPS_DURING_OUTAGE = 50;

    private final Closer closer = new Closer();
    private PostgresSchemas schemas;
    private TcpProxy postgres;
    private SqlStoreConfig database;
    private SqlEndpointStore direct;

    @BeforeEach
    void openDatabase() {
        schemas = new PostgresSchemas();
        postgres = TcpProxy.to("127.0.0.1", 5432);
        database = TestStores.throughProxy(schemas.create(), postgres);
        new SqlEndpointStoreProvider().migrate(database);
        direct = SqlEndpointStore.create(database);
        direct.insert(bare("e1"));
    }

    @AfterEach
    void closeEverything() throws Exception {
        closer.close();
        direct.close();
        postgres.close();
        schemas.close();
    }

    private CachingEndpointStore node(URI redis, int localCacheSize) {
        return closer.add(CachingEndpointStore.create(SqlEndpointStore.create(database, Duration.ZERO),
                TestStores.cache(redis, "wsrelay-outage:", localCacheSize)));
    }

    @Test
    void redisGoingDownFallsBackToSqlWithOneWarningAndTheCacheRecoversWhenItReturns() {
        PrivateRedis redis = closer.add(PrivateRedis.start());
        CachingEndpointStore store = node(redis.url(), 0);
        store.lookup("e1");

        try (LogCapture log = new LogCapture(RedisHealth.class)) {
            redis.stop();
            direct.setStatus("e1", EndpointStatus.INACTIVE); // only SQL can know now
            for (int i = 0; i < LOOKUPS_DURING_OUTAGE; i++) {
                assertEquals(EndpointStatus.INACTIVE, store.lookup("e1").orElseThrow().status());
            }
            assertEquals(1, log.messages(Level.WARN).size(), () -> "WARN lines: " + log.messages(Level.WARN));

            redis.startAgain();
            await("the cache to be filled again").atMost(Timeouts.RECOVERY).until(() -> {
                store.lookup("e1");
                return isCached(redis.url(), "e1");
            });
            assertTrue(log.messages(Level.INFO).stream().anyMatch(m -> m.contains("answers again")),
                    () -> "INFO lines: " + log.messages(Level.INFO));
        }
    }

    @Test
    void redisOnAClosedPortIsNotNeededToLookUpOrWrite() {
        CachingEndpointStore store = node(CLOSED_PORT, 100);

        assertTimeoutPreemptively(Timeouts.RECOVERY, () -> {
            assertEquals(Optional.of(bare("e1")), store.lookup("e1"));
            assertTrue(store.setStatus("e1", EndpointStatus.INACTIVE));
            assertEquals(EndpointStatus.INACTIVE, store.lookup("e1").orElseThrow().status());
            assertEquals(Optional.empty(), store.lookup("unknown"));
        });
    }

    @Test
    void sqlDownButEntryCachedInRedisIsServedFromRedis() {
        PrivateRedis redis = closer.add(PrivateRedis.start());
        CachingEndpointStore store = node(redis.url(), 0);
        store.lookup("e1");
        store.lookup("unknown");

        postgres.cut();

        assertAll(
                () -> assertEquals(Optional.of(bare("e1")), store.lookup("e1")),
                () -> assertEquals(Optional.empty(), store.lookup("unknown")),
                () -> assertThrows(StoreUnavailableException.class, () -> store.lookup("never-looked-up")));
    }

    @Test
    void redisAndSqlBothDownIsStoreUnavailable() {
        PrivateRedis redis = closer.add(PrivateRedis.start());
        CachingEndpointStore store = node(redis.url(), 100);
        store.lookup("e1");

        redis.stop();
        postgres.cut();

        assertTimeoutPreemptively(Timeouts.RECOVERY,
                () -> assertThrows(StoreUnavailableException.class, () -> store.lookup("e1")));
    }

    @Test
    void inProcessCacheIsBypassedWhileTheSubscriptionIsDownAndUsedAgainOnceItIsBack() {
        PrivateRedis redis = closer.add(PrivateRedis.start());
        CachingEndpointStore store = node(redis.url(), 100);
        String channel = RedisCache.channel("wsrelay-outage:");
        await().atMost(Timeouts.RECOVERY).until(() -> SharedRedis.subscribers(redis.url(), channel) == 1);
        store.lookup("e1"); // now in this node's memory

        redis.stop();
        direct.setStatus("e1", EndpointStatus.INACTIVE); // the invalidation cannot be published
        await("the lookup to bypass the in-process copy").atMost(Timeouts.RECOVERY)
                .until(() -> store.lookup("e1").orElseThrow().status() == EndpointStatus.INACTIVE);

        redis.startAgain();
        await().atMost(Timeouts.RECOVERY).until(() -> SharedRedis.subscribers(redis.url(), channel) == 1);
        direct.setStatus("e1", EndpointStatus.ACTIVE);
        assertEquals(EndpointStatus.ACTIVE, store.lookup("e1").orElseThrow().status());
    }

    private static boolean isCached(URI redis, String id) {
        try (RedisClient client = RedisClient.create(redis)) {
            return client.exists("wsrelay-outage:endpoint:" + id);
        }
    }
}
