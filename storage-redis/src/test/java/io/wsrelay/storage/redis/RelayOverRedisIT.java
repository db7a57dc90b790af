package io.wsrelay.storage.redis;

import io.wsrelay.relay.RelayHarness;
import io.wsrelay.relay.TestClient;
import io.wsrelay.relay.spi.Endpoint;
import io.wsrelay.relay.spi.EndpointStatus;
import io.wsrelay.storage.sql.PostgresSchemas;
import io.wsrelay.storage.sql.SqlEndpointStore;
import io.wsrelay.storage.sql.SqlEndpointStoreProvider;
import io.wsrelay.storage.sql.SqlStoreConfig;
import io.wsrelay.storage.sql.TcpProxy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A real relay whose lookups go through a caching store (node A), while endpoints are changed
 * through a second store (node B), as {@code bin/wsrelay endpoint ...} on another machine would.
 */
class RelayOverRedisIT {

    private final Closer closer = new Closer();
    private SharedRedis redis;
    private PostgresSchemas schemas;
    private String prefix;

    @BeforeEach
    void openServers() {
        redis = new SharedRedis();
        schemas = new PostgresSchemas();
        prefix = redis.newPrefix();
    }

    @AfterEach
    void closeEverything() throws Exception {
        closer.close();
        schemas.close();
        redis.close();
    }

    private CachingEndpointStore node(SqlStoreConfig database, URI redisUrl) {
        return closer.add(CachingEndpointStore.create(SqlEndpointStore.create(database, Duration.ZERO),
                TestStores.cache(redisUrl, prefix, 1000)));
    }

    private RelayHarness relay(CachingEndpointStore lookup) throws Exception {
        return closer.add(RelayHarness.start(Map.of(), lookup));
    }

    @Test
    void setStatusInactiveOnAnotherNodeRefusesNewUpgradesWithin1s() throws Exception {
        var database = schemas.create();
        new SqlEndpointStoreProvider().migrate(database);
        CachingEndpointStore nodeA = node(database, redis.url());
        CachingEndpointStore nodeB = node(database, redis.url());
        RelayHarness harness = relay(nodeA);
        nodeB.insert(Endpoint.of("e1", harness.upstream.uri().toString()));
        String channel = RedisCache.channel(prefix);
        await().atMost(Timeouts.RECOVERY).until(() -> SharedRedis.subscribers(redis.url(), channel) >= 2);
        URI upgrade = harness.uri("/echo?endpointId=e1");
        assertEquals(101, upgradeStatus(upgrade)); // and now cached on node A, in Redis and in memory

        nodeB.setStatus("e1", EndpointStatus.INACTIVE);

        await().atMost(Timeouts.INVALIDATION).pollInterval(Duration.ofMillis(20))
                .until(() -> upgradeStatus(upgrade) == 403);
    }

    @Test
    void upgradeIsRefusedWith503WhenRedisAndSqlAreBothDown() throws Exception {
        TcpProxy postgres = closer.add(TcpProxy.to("127.0.0.1", 5432));
        var database = TestStores.throughProxy(schemas.create(), postgres);
        new SqlEndpointStoreProvider().migrate(database);
        PrivateRedis privateRedis = closer.add(PrivateRedis.start());
        CachingEndpointStore nodeA = node(database, privateRedis.url());
        RelayHarness harness = relay(nodeA);
        nodeA.insert(Endpoint.of("e1", harness.upstream.uri().toString()));
        URI upgrade = harness.uri("/echo?endpointId=e1");
        assertEquals(101, upgradeStatus(upgrade));

        privateRedis.stop();
        postgres.cut();

        assertEquals(503, upgradeStatus(upgrade));
    }

    /** The HTTP status the relay answers an upgrade to {@code uri} with: 101 if it opened. */
    private static int upgradeStatus(URI uri) throws Exception {
        try {
            TestClient.open(uri).close();
            return 101;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof WebSocketHandshakeException refused) {
                return refused.getResponse().statusCode();
            }
            throw e;
        }
    }
}
