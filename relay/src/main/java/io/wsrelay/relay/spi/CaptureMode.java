package io.wsrelay.relay.spi;

import java.util.Arrays;
import java.util.Locale;

/**
 * What the relay records about an endpoint's traffic for API discovery ({@code docs/discovery.md}).
 * Off by default; the endpoint setting {@code capture} chooses it.
 */
public enum CaptureMode {
    /** Nothing is recorded: the pumps see no tap at all. */
    OFF,
    /**
     * Per session: path, query parameter names (never values), offered and chosen subprotocols,
     * handshake outcome, duration, close codes, message counts and sizes per direction.
     */
    METADATA,
    /**
     * {@link #METADATA} plus bounded message contents, masked before they are kept, from which
     * message kinds and their JSON Schemas are inferred.
     */
    SAMPLES;

    /** The name used in JSON, the CLI and the schema: {@code off}, {@code metadata}, {@code samples}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether sessions of this endpoint are recorded at all. */
    public boolean isOn() {
        return this != OFF;
    }

    /**
     * The mode named {@code label}, in any letter case.
     *
     * @throws IllegalArgumentException naming the valid values, if it names none
     */
    public static CaptureMode parse(String label) {
        for (CaptureMode mode : values()) {
            if (mode.name().equalsIgnoreCase(label.strip())) {
                return mode;
            }
        }
        throw new IllegalArgumentException("capture must be one of "
                + Arrays.stream(values()).map(CaptureMode::label).toList());
    }
}
