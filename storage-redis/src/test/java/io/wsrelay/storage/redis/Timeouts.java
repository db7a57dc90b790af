package io.wsrelay.storage.redis;

import java.time.Duration;

/** Every bound the Redis store tests wait for, in one place. */
final class Timeouts {

    /** What the issue promises: a running relay sees a write within a second. */
    static final Duration INVALIDATION = Duration.ofSeconds(1);
    /** The Redis timeouts the tests configure (connect, reply, pool wait). */
    static final Duration REDIS = Duration.ofMillis(500);
    /** How often a store retries an unreachable Redis in the tests. */
    static final Duration RETRY = Duration.ofMillis(100);
    /** For a store to notice that Redis came back, and for a redis-server to start or stop. */
    static final Duration RECOVERY = Duration.ofSeconds(10);
    /** For a batch of concurrent lookups to finish. */
    static final Duration CONCURRENT = Duration.ofSeconds(30);
    /** Relay processes and HAProxy starting, or HAProxy seeing a node change, on a loaded 2-core machine. */
    static final Duration CLUSTER = Duration.ofSeconds(60);

    private Timeouts() {
    }
}
