package io.wsrelay.relay;

import java.io.Serial;

/** Base of the relay's own unchecked exceptions. */
public class RelayException extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    public RelayException(String message) {
        super(message);
    }

    public RelayException(String message, Throwable cause) {
        super(message, cause);
    }
}
