package io.wsrelay.benchmarks;

import io.wsrelay.relay.config.ConfigLoader;
import io.wsrelay.relay.spi.Endpoint;
import io.wsrelay.relay.spi.EndpointStatus;
import io.wsrelay.storage.redis.CachingEndpointStore;
import io.wsrelay.storage.redis.RedisCacheConfig;
import io.wsrelay.storage.redis.RedisEndpointStoreProvider;
import io.wsrelay.storage.sql.PostgresSchemas;
import io.wsrelay.storage.sql.SqlEndpointStore;
import io.wsrelay.storage.sql.SqlEndpointStoreProvider;
import io.wsrelay.storage.sql.SqlStoreConfig;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.params.ScanParams;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Latency of one endpoint lookup, the work every WebSocket upgrade starts with: straight from
 * PostgreSQL ({@code sql}), from Redis in front of it ({@code redis}, in-process cache off), and
 * from the in-process cache ({@code inProcess}). Every lookup is of an endpoint that exists, with
 * every setting used, so the Redis figure includes decoding a realistic entry.
 *
 * <p>Needs the PostgreSQL ({@code -Dwsrelay.test.postgres.url}, default
 * {@code jdbc:postgresql://127.0.0.1:5432/test}) and the Redis ({@code -Dwsrelay.bench.redis.url},
 * default {@code redis://127.0.0.1:6379}) that every machine of the project runs; works in a
 * schema and under a key prefix of its own, both removed afterwards.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class EndpointLookupBenchmark {

    private static final String ID = "bench-endpoint";

    private PostgresSchemas schemas;
    private SqlEndpointStore sql;
    private CachingEndpointStore redis;
    private CachingEndpointStore inProcess;
    private URI redisUrl;
    private String prefix;

    @Setup(Level.Trial)
    public void open() {
        schemas = new PostgresSchemas();
        SqlStoreConfig database = schemas.create();
        new SqlEndpointStoreProvider().migrate(database);
        sql = SqlEndpointStore.create(database);
        sql.insert(new Endpoint(ID, "wss://api.example.com/socket", EndpointStatus.ACTIVE,
                List.of("cdn.example.com", "ws.example.com:8443"), List.of("https://app.example.com"), 100,
                Map.of("X-Api-Key", "k".repeat(40), "X-Tenant", "t1"), Instant.now(), Instant.now()));

        redisUrl = URI.create(System.getProperty("wsrelay.bench.redis.url", "redis://127.0.0.1:6379"));
        prefix = "wsrelay-bench-" + UUID.randomUUID().toString().substring(0, 8) + ":";
        RedisCacheConfig cache = RedisCacheConfig.from(ConfigLoader.load(Map.of(
                "relay.store.redis.url", redisUrl.toString(),
                "relay.store.redis.key-prefix", prefix), Map.of(), Optional.empty(),
                List.of(new RedisEndpointStoreProvider().defaults())).values());
        redis = CachingEndpointStore.create(SqlEndpointStore.create(database), cache.withLocalCacheSize(0));
        inProcess = CachingEndpointStore.create(SqlEndpointStore.create(database), cache);
        awaitSubscribed(prefix + "invalidate");
        check(redis.lookup(ID));
        check(inProcess.lookup(ID));
    }

    @Benchmark
    public Optional<Endpoint> sql() {
        return sql.lookup(ID);
    }

    @Benchmark
    public Optional<Endpoint> redis() {
        return redis.lookup(ID);
    }

    @Benchmark
    public Optional<Endpoint> inProcess() {
        return inProcess.lookup(ID);
    }

    @TearDown(Level.Trial)
    public void close() {
        inProcess.close();
        redis.close();
        sql.close();
        schemas.close();
        try (RedisClient client = RedisClient.create(redisUrl)) {
            List<String> keys = client.scan(ScanParams.SCAN_POINTER_START,
                    new ScanParams().match(prefix + "*").count(1000)).getResult();
            if (!keys.isEmpty()) {
                client.del(keys.toArray(String[]::new));
            }
        }
    }

    /** The in-process cache is used only once its node hears invalidations. */
    private void awaitSubscribed(String channel) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        try (Jedis jedis = new Jedis(redisUrl)) {
            while (jedis.pubsubNumSub(channel).getOrDefault(channel, 0L) < 2) {
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException("the stores did not subscribe to " + channel + " within 10 s");
                }
                Thread.onSpinWait();
            }
        }
    }

    private static void check(Optional<Endpoint> found) {
        if (found.isEmpty()) {
            throw new IllegalStateException("the benchmark endpoint is missing");
        }
    }
}
