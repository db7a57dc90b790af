package io.wsrelay.relay.spi;

import java.io.Serial;

/**
 * The store could not be reached or did not answer in time: connection refused or lost, pool
 * exhausted, timeout. The relay answers such upgrades with HTTP 503.
 */
public class StoreUnavailableException extends StoreException {
    @Serial
    private static final long serialVersionUID = 1L;

    public StoreUnavailableException(String message) {
        super(message);
    }

    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
