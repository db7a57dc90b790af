package io.wsrelay.storage.sql;

import java.time.Duration;

/** Every bound the storage tests wait for, in one place. */
final class Timeouts {

    /** The store timeout (pool wait, query timeout) the tests configure. */
    static final Duration STORE = Duration.ofSeconds(5);
    /** A short store timeout, for stores pointed at something that is not there. */
    static final Duration SHORT_STORE = Duration.ofMillis(500);
    /** How long failing against an unreachable database may take, all retries included. */
    static final Duration UNAVAILABLE = Duration.ofSeconds(10);
    /** For a batch of concurrent lookups to finish. */
    static final Duration CONCURRENT = Duration.ofSeconds(30);
    /** For a second JVM to start, open the shared store, write and exit. */
    static final Duration PROCESS = Duration.ofSeconds(90);

    private Timeouts() {
    }
}
