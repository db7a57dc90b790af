package io.wsrelay.relay;

import java.time.Duration;

/** Upper bounds for every wait in the tests. */
public final class Timeouts {
    /** A message or handshake on loopback. */
    public static final Duration MESSAGE = Duration.ofSeconds(10);
    /** What the relay promises for propagating a close or a lost connection. */
    public static final Duration CLOSE = Duration.ofSeconds(2);
    /** A large transfer (tens of MiB) on loopback. */
    public static final Duration TRANSFER = Duration.ofSeconds(60);

    private Timeouts() {
    }
}
