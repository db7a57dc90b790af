package io.wsrelay.relay.spi;

import java.io.Serial;

/** A store failed to answer a lookup or a write. Unchecked; always carries the cause when there is one. */
public class StoreException extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
