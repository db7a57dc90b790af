package io.wsrelay.storage.redis;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Whether Redis is answering, as seen by the lookups, the writes and the subscriber of one store.
 *
 * <p>An outage starts with the first failure and ends with the next success; it is logged once
 * at WARN when it starts and once at INFO when it ends, whatever the number of requests in
 * between. During an outage {@link #shouldTry()} lets one caller per retry interval try Redis, so
 * a Redis that hangs instead of refusing does not cost every lookup its timeout. Thread-safe.
 */
final class RedisHealth {

    private static final Logger LOG = LoggerFactory.getLogger(RedisHealth.class);

    private final String redis;
    private final long retryNanos;
    private final LongSupplier nanoTime;
    private final AtomicBoolean down = new AtomicBoolean();
    /** {@link System#nanoTime()} from which the next caller may try Redis during an outage. */
    private final AtomicLong nextTry = new AtomicLong();

    /**
     * @param redis         the server, for the log lines (redacted URL)
     * @param retryInterval how often a caller may try Redis during an outage
     * @param nanoTime      the clock, {@link System#nanoTime} outside tests
     */
    RedisHealth(String redis, Duration retryInterval, LongSupplier nanoTime) {
        this.redis = redis;
        this.retryNanos = retryInterval.toNanos();
        this.nanoTime = nanoTime;
    }

    /**
     * Whether the caller should use Redis now: always while Redis is up; during an outage, for
     * the first caller after each retry interval only.
     */
    boolean shouldTry() {
        if (!down.get()) {
            return true;
        }
        long at = nextTry.get();
        long now = nanoTime.getAsLong();
        return now - at >= 0 && nextTry.compareAndSet(at, now + retryNanos);
    }

    /** Whether an outage is going on. */
    boolean isDown() {
        return down.get();
    }

    /** Records an answer from Redis; ends an outage. */
    void succeeded() {
        if (down.compareAndSet(true, false)) {
            LOG.info("Redis at {} answers again; endpoint lookups use the cache again", redis);
        }
    }

    /**
     * Records a failure to reach Redis, which starts an outage unless one is going on.
     *
     * @param operation what failed, for the log line
     */
    void failed(String operation, RuntimeException failure) {
        nextTry.set(nanoTime.getAsLong() + retryNanos);
        if (down.compareAndSet(false, true)) {
            LOG.warn("Redis at {} is unreachable ({} failed: {}); endpoint lookups go to the SQL store "
                    + "until it answers again", redis, operation, failure.toString());
        } else {
            LOG.debug("Redis at {} still unreachable: {} failed", redis, operation, failure);
        }
    }

    @Override
    public String toString() {
        return "RedisHealth{redis=" + redis + ", down=" + down.get() + "}";
    }
}
