package io.wsrelay.relay.cli;

import java.io.Serial;

/**
 * A command-line argument that cannot be used (an endpoint URL the relay could never connect to,
 * an update with nothing to change). The command line exits with status 2 and prints the message,
 * which names the argument and what is wrong with it.
 */
public class UsageException extends IllegalArgumentException {
    @Serial
    private static final long serialVersionUID = 1L;

    public UsageException(String message) {
        super(message);
    }
}
