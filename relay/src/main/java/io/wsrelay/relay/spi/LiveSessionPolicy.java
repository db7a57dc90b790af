package io.wsrelay.relay.spi;

/**
 * What happens to an endpoint's open sessions when it is set {@code INACTIVE} or removed. New
 * upgrades are refused either way (403 and 404).
 *
 * <p>Stored as its name ({@code CLOSE}, {@code KEEP}); the schema's check constraint admits
 * exactly these values, and NULL reads as the default, {@link #CLOSE}.
 */
public enum LiveSessionPolicy {
    /**
     * The default: every relay node closes the endpoint's sessions within a second of the change,
     * the client with 1008 (policy violation) and the reason {@code "endpoint <id> is INACTIVE"}
     * or {@code "endpoint <id> was removed"}, the upstream with 1001 (going away). Safe because
     * turning an endpoint off is how an operator stops its traffic (a leaked key, an abused
     * destination); it does not wait for clients to leave.
     */
    CLOSE,
    /** Open sessions go on until either side ends them; only new upgrades are refused. */
    KEEP;

    /** The policy of endpoints that do not choose one. */
    public static final LiveSessionPolicy DEFAULT = CLOSE;
}
