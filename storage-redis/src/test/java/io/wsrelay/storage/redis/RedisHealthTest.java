package io.wsrelay.storage.redis;

import ch.qos.logback.classic.Level;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.exceptions.JedisConnectionException;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RedisHealthTest {

    private static final Duration RETRY = Duration.ofSeconds(1);

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final RedisHealth health = new RedisHealth("redis://cache:6379", RETRY, now::get);
    private final JedisConnectionException refused = new JedisConnectionException("Connection refused");

    @Test
    void outageIsLoggedOnceAtWarnAndItsEndOnceAtInfo() {
        try (LogCapture log = new LogCapture(RedisHealth.class)) {
            for (int i = 0; i < 100; i++) {
                health.failed("read", refused);
            }
            health.succeeded();
            health.succeeded();
            health.failed("read", refused);

            assertAll(
                    () -> assertEquals(2, log.messages(Level.WARN).size(), "one per outage, two outages"),
                    () -> assertEquals(1, log.messages(Level.INFO).size()));
        }
    }

    @Test
    void duringAnOutageOneCallerPerRetryIntervalTriesRedis() {
        assertTrue(health.shouldTry());
        health.failed("read", refused);

        assertFalse(health.shouldTry());
        now.addAndGet(RETRY.toNanos());
        assertTrue(health.shouldTry(), "the first caller after the interval");
        assertFalse(health.shouldTry(), "the others go on without Redis");
    }

    @Test
    void successEndsTheOutageForEveryCaller() {
        health.failed("subscribe", refused);
        health.succeeded();

        assertAll(
                () -> assertFalse(health.isDown()),
                () -> assertTrue(health.shouldTry()),
                () -> assertTrue(health.shouldTry()));
    }
}
