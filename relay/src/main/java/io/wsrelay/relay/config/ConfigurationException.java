package io.wsrelay.relay.config;

import java.io.Serial;

/**
 * The configuration cannot be used: an unknown key, a malformed value, a store type with no
 * module. The command line exits with status 2 and prints the message, which names the key (or
 * folder) and what is wrong with it. An {@link IllegalArgumentException}, as every invalid
 * setting has always been, so code that builds configurations catches one type.
 */
public class ConfigurationException extends IllegalArgumentException {
    @Serial
    private static final long serialVersionUID = 1L;

    public ConfigurationException(String message) {
        super(message);
    }

    public ConfigurationException(String message, Throwable cause) {
        super(message, cause);
    }
}
