package io.wsrelay.storage.redis;

import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The Redis every machine of this project runs ({@code -Dwsrelay.test.redis.url}, default
 * {@value #DEFAULT_URL}), seen by the tests directly. Other engineers' tests share it, so each
 * test class works under a key prefix of its own and deletes its keys on {@link #close()}. A Redis
 * that is not running fails the test with how to start it; it is never skipped.
 */
final class SharedRedis implements AutoCloseable {

    static final String DEFAULT_URL = "redis://127.0.0.1:6379";
    static final String START_COMMAND = "redis-server --daemonize yes --save '' --appendonly no";

    private final URI url = URI.create(System.getProperty("wsrelay.test.redis.url", DEFAULT_URL));
    private final RedisClient client = RedisClient.create(url);
    private final List<String> prefixes = new ArrayList<>();

    /**
     * @throws AssertionError if Redis does not answer, saying how to start it
     */
    SharedRedis() {
        try {
            client.ping();
        } catch (JedisException e) {
            client.close();
            throw new AssertionError("Redis is not reachable at " + url + " (" + e + "). The storage-redis "
                    + "integration tests need it; start it with: " + START_COMMAND, e);
        }
    }

    URI url() {
        return url;
    }

    /** A direct client, for looking at and tampering with keys. */
    RedisClient client() {
        return client;
    }

    /** A key prefix no other test uses; its keys are deleted on {@link #close()}. */
    String newPrefix() {
        String prefix = "wsrelay-it-" + UUID.randomUUID().toString().substring(0, 8) + ":";
        prefixes.add(prefix);
        return prefix;
    }

    /** How many connections of the Redis at {@code url} are subscribed to {@code channel}. */
    static long subscribers(URI url, String channel) {
        try (Jedis jedis = new Jedis(url)) {
            return jedis.pubsubNumSub(channel).getOrDefault(channel, 0L);
        }
    }

    /** Every key under {@code prefix}. */
    List<String> keys(String prefix) {
        List<String> keys = new ArrayList<>();
        ScanParams match = new ScanParams().match(prefix + "*").count(1000);
        String cursor = ScanParams.SCAN_POINTER_START;
        do {
            ScanResult<String> page = client.scan(cursor, match);
            keys.addAll(page.getResult());
            cursor = page.getCursor();
        } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
        return keys;
    }

    @Override
    public void close() {
        try {
            for (String prefix : prefixes) {
                List<String> keys = keys(prefix);
                if (!keys.isEmpty()) {
                    client.del(keys.toArray(String[]::new));
                }
            }
        } finally {
            client.close();
        }
    }
}
