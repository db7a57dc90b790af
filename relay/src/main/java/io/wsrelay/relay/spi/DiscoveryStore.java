package io.wsrelay.relay.spi;

import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Where API discovery keeps what every relay node has learnt of each endpoint: one JSON document
 * per endpoint, shared by all nodes ({@code docs/discovery.md}). The relay writes only masked,
 * bounded data here.
 *
 * <p>Implementations are safe for concurrent use by many nodes; every method may block on I/O up
 * to the store's timeout.
 */
public interface DiscoveryStore {

    /**
     * The stored document of an endpoint.
     *
     * @return the JSON, or empty if nothing was stored for {@code endpointId} (or it was cleared)
     * @throws StoreUnavailableException if the store cannot be reached
     * @throws StoreException            on any other store failure
     */
    Optional<String> load(String endpointId) throws StoreException;

    /**
     * Replaces the stored document with {@code merge} applied to it, atomically with respect to
     * every other node's {@code merge} of the same endpoint (no update is lost).
     *
     * @param merge given the stored JSON, or null when there is none, returns the new JSON; may be
     *              called more than once if the write has to be retried, and must not block
     * @throws StoreUnavailableException if the store cannot be reached (nothing is written)
     * @throws StoreException            on any other store failure (nothing is written)
     */
    void merge(String endpointId, UnaryOperator<String> merge) throws StoreException;

    /**
     * Deletes the stored document of an endpoint.
     *
     * @return {@code false} if there was none
     * @throws StoreUnavailableException if the store cannot be reached
     * @throws StoreException            on any other store failure
     */
    boolean clear(String endpointId) throws StoreException;
}
