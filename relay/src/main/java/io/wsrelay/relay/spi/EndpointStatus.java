package io.wsrelay.relay.spi;

/**
 * Whether an endpoint accepts new relayed sessions.
 *
 * <p>Stored as its name ({@code ACTIVE}, {@code INACTIVE}); the schema's check constraint
 * admits exactly these values.
 */
public enum EndpointStatus {
    /** New upgrades are relayed. */
    ACTIVE,
    /**
     * New upgrades are refused with HTTP 403; sessions already open are closed or left alone as
     * the endpoint's {@link LiveSessionPolicy} says.
     */
    INACTIVE
}
