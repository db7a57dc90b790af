package io.wsrelay.storage.redis;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wsrelay.relay.spi.Cluster;
import io.wsrelay.relay.spi.LiveSession;
import io.wsrelay.relay.spi.StoreUnavailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.exceptions.JedisException;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The cluster's shared board in Redis: every node's live sessions, and the channel on which nodes
 * ask each other to close sessions.
 *
 * <p>Keys under the prefix {@code P}: {@code P sessions:<node>}, a hash of session id to its JSON,
 * rewritten by its node every {@link #REPORT_PERIOD} and expiring after three periods (a node
 * that dies leaves no sessions behind for longer); {@code P nodes}, a sorted set of node ids
 * scored by when their report expires. Close requests are published on
 * {@link RedisCache#commandChannel} as {@code session <id>} or {@code endpoint <id>}. The
 * cluster-wide session counts are sorted sets {@code P count:<key>} of lease holders scored by
 * expiry (Redis time): a lease is taken atomically with the check, renewed every period by its
 * node and dropped when its session ends, or {@link #REPORT_TTL} after its node stopped renewing
 * it (a node killed with SIGKILL). Needs Redis 5 or later (scripts that write after TIME).
 *
 * <p>One platform daemon thread per joined store ({@code wsrelay-cluster-report-N}), started by
 * {@link #join} and joined by {@link #close()}. Redis failures go to {@link RedisHealth}; the
 * report is simply tried again next period. Thread-safe.
 */
final class ClusterBoard implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterBoard.class);
    /** How often a node rewrites its list: the staleness of another node's sessions in a listing. */
    static final Duration REPORT_PERIOD = Duration.ofSeconds(2);
    /** A report outlives three periods, so one slow or failed report does not blank a node. */
    static final Duration REPORT_TTL = REPORT_PERIOD.multipliedBy(3);
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * KEYS[1] the node's hash, KEYS[2] the nodes set; ARGV[1] node, ARGV[2] TTL in ms, then
     * session id and JSON pairs. One script, so a listing never sees a half-written report.
     */
    private static final String REPORT = """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            redis.call('DEL', KEYS[1])
            for i = 3, #ARGV, 2 do
                redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
            end
            redis.call('PEXPIRE', KEYS[1], ARGV[2])
            redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
            redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), ARGV[1])
            return 1
            """;

    /**
     * KEYS the counts; ARGV[1] holder, ARGV[2] TTL in ms, ARGV[2 + i] the maximum of KEYS[i].
     * Drops expired leases, then takes a slot of every count or none: returns 0, or the index of
     * the first full count.
     */
    private static final String ACQUIRE = """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            for i = 1, #KEYS do
                redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now)
                if redis.call('ZCARD', KEYS[i]) >= tonumber(ARGV[i + 2]) then return i end
            end
            for i = 1, #KEYS do
                redis.call('ZADD', KEYS[i], now + tonumber(ARGV[2]), ARGV[1])
                redis.call('PEXPIRE', KEYS[i], ARGV[2])
            end
            return 0
            """;

    /**
     * ARGV[1] TTL in ms, then count key and holder pairs: extends each lease (re-creates it after
     * a Redis restart, which is how the counts recover).
     */
    private static final String RENEW = """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            for i = 2, #ARGV, 2 do
                redis.call('ZADD', ARGV[i], now + tonumber(ARGV[1]), ARGV[i + 1])
                redis.call('PEXPIRE', ARGV[i], ARGV[1])
            end
            return 1
            """;

    private record Row(String endpoint, String client, String openedAt, long up, long down) {
    }

    private final RedisClient redis;
    private final RedisCacheConfig config;
    private final RedisHealth health;
    private final CountDownLatch closing = new CountDownLatch(1);
    /** This node's live leases: holder to the Redis keys of its counts; renewed every period. */
    private final java.util.concurrent.ConcurrentMap<String, List<String>> leases =
            new java.util.concurrent.ConcurrentHashMap<>();
    private volatile Thread reporter;

    ClusterBoard(RedisClient redis, RedisCacheConfig config, RedisHealth health) {
        this.redis = redis;
        this.config = config;
        this.health = health;
    }

    private String nodesKey() {
        return config.keyPrefix() + "nodes";
    }

    private String countKey(String key) {
        return config.keyPrefix() + "count:" + key;
    }

    private String sessionsKey(String node) {
        return config.keyPrefix() + "sessions:" + node;
    }

    /** Starts reporting {@code sessions} as {@code node}'s every period. */
    void join(String node, Supplier<List<LiveSession>> sessions) {
        Thread t = Thread.ofPlatform().daemon().name("wsrelay-cluster-report-" + node).unstarted(() -> {
            do {
                report(node, sessions.get());
                renew();
            } while (!pause());
            remove(node);
        });
        reporter = t;
        t.start();
    }

    private boolean pause() {
        try {
            return closing.await(REPORT_PERIOD.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    private void report(String node, List<LiveSession> sessions) {
        List<String> args = new ArrayList<>(2 + 2 * sessions.size());
        args.add(node);
        args.add(Long.toString(REPORT_TTL.toMillis()));
        try {
            for (LiveSession s : sessions) {
                args.add(s.id());
                args.add(JSON.writeValueAsString(new Row(s.endpointId(), s.client(), s.openedAt().toString(),
                        s.bytesToUpstream(), s.bytesToClient())));
            }
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("strings and numbers always serialize", e);
        }
        try {
            redis.eval(REPORT, List.of(sessionsKey(node), nodesKey()), args);
            health.succeeded();
        } catch (JedisException e) {
            health.failed("session report", e);
        }
    }

    /** See {@link Cluster#acquire}. */
    java.util.Optional<String> acquire(String holder, Map<String, Integer> limits) {
        List<String> keys = new ArrayList<>(limits.size());
        List<String> args = new ArrayList<>(2 + limits.size());
        args.add(holder);
        args.add(Long.toString(REPORT_TTL.toMillis()));
        for (Map.Entry<String, Integer> e : limits.entrySet()) {
            keys.add(countKey(e.getKey()));
            args.add(Integer.toString(e.getValue()));
        }
        List<String> names = List.copyOf(limits.keySet());
        // Renewed from now on whatever the answer, so a lease granted during an outage is
        // counted once Redis is back.
        leases.put(holder, keys);
        if (!health.shouldTry()) {
            return java.util.Optional.empty();
        }
        Object full;
        try {
            full = redis.eval(ACQUIRE, keys, args);
            health.succeeded();
        } catch (JedisException e) {
            health.failed("cluster session count", e);
            return java.util.Optional.empty();
        }
        int index = full instanceof Long n ? n.intValue() : 0;
        if (index == 0) {
            return java.util.Optional.empty();
        }
        leases.remove(holder);
        return java.util.Optional.of(names.get(index - 1));
    }

    /** See {@link Cluster#release}. */
    void release(String holder) {
        List<String> keys = leases.remove(holder);
        if (keys == null || health.isDown()) {
            return; // not renewed any more: it expires by itself
        }
        try {
            for (String key : keys) {
                redis.zrem(key, holder);
            }
        } catch (JedisException e) {
            health.failed("cluster session count release", e);
        }
    }

    /** How many of this node's leases are live; for tests. */
    int leaseCount() {
        return leases.size();
    }

    private void renew() {
        if (leases.isEmpty()) {
            return;
        }
        List<String> args = new ArrayList<>();
        args.add(Long.toString(REPORT_TTL.toMillis()));
        leases.forEach((holder, keys) -> keys.forEach(key -> {
            args.add(key);
            args.add(holder);
        }));
        try {
            redis.eval(RENEW, List.of(), args);
            health.succeeded();
        } catch (JedisException e) {
            health.failed("cluster session count renewal", e);
        }
    }

    /** A node that stops leaves the board at once rather than after the TTL. */
    private void remove(String node) {
        try {
            redis.del(sessionsKey(node));
            redis.zrem(nodesKey(), node);
        } catch (JedisException e) {
            LOG.debug("could not remove node {} from the board", node, e);
        }
    }

    /**
     * Every node's sessions as last reported.
     *
     * @throws StoreUnavailableException if Redis cannot be reached
     */
    List<LiveSession> sessions() {
        List<LiveSession> out = new ArrayList<>();
        try {
            for (String node : redis.zrange(nodesKey(), 0, -1)) {
                for (Map.Entry<String, String> e : redis.hgetAll(sessionsKey(node)).entrySet()) {
                    Row r = JSON.readValue(e.getValue(), Row.class);
                    out.add(new LiveSession(e.getKey(), node, r.endpoint(), r.client(), Instant.parse(r.openedAt()),
                            r.up(), r.down()));
                }
            }
        } catch (JedisException e) {
            health.failed("session listing", e);
            throw new StoreUnavailableException("Redis is unreachable: cannot list the cluster's sessions", e);
        } catch (JsonProcessingException | RuntimeException e) {
            throw new StoreUnavailableException("the cluster's session board holds an entry that is not ours", e);
        }
        out.sort(Comparator.comparing(LiveSession::node).thenComparing(LiveSession::id));
        return out;
    }

    /** Publishes a close request to every node; false if Redis could not be reached. */
    boolean publish(Cluster.CloseRequest request) {
        String message = request.endpointId().isEmpty() ? "session " + request.sessionId()
                : "endpoint " + request.endpointId();
        try {
            redis.publish(RedisCache.commandChannel(config.keyPrefix()), message);
            return true;
        } catch (JedisException e) {
            health.failed("close request", e);
            return false;
        }
    }

    /** Parses a message of the command channel; null if it is not one of ours. */
    static Cluster.CloseRequest parse(String message) {
        int space = message.indexOf(' ');
        if (space <= 0 || space == message.length() - 1) {
            return null;
        }
        String kind = message.substring(0, space);
        String id = message.substring(space + 1);
        return switch (kind) {
            case "session" -> Cluster.CloseRequest.session(id);
            case "endpoint" -> Cluster.CloseRequest.endpoint(id);
            default -> null;
        };
    }

    /** Stops reporting and takes this node off the board. Idempotent. */
    @Override
    public void close() {
        closing.countDown();
        Thread t = reporter;
        if (t != null) {
            try {
                t.join(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
