package io.wsrelay.relay.spi;

import java.util.List;
import java.util.Optional;

/**
 * An endpoint store: the lookup the relay needs, plus the writes the command line, the admin
 * API and tests use.
 *
 * <p>Implementations are safe for concurrent use. Every method may block on I/O up to the store's
 * timeout. A write is visible to every later {@link #lookup} on every relay node that shares the
 * store (a caching store invalidates its copies before the write returns or publishes the change
 * so other nodes drop theirs).
 */
public interface EndpointStore extends EndpointLookup, AutoCloseable {

    /**
     * Adds a new endpoint.
     *
     * @return {@code true} if added, {@code false} if an endpoint with that id already exists
     *         (nothing is changed then)
     * @throws StoreUnavailableException if the store cannot be reached
     * @throws StoreException            on any other store failure
     */
    boolean insert(Endpoint endpoint) throws StoreException;

    /**
     * Replaces the destination, status and settings of an existing endpoint; {@code createdAt}
     * is kept and {@code updatedAt} set by the store.
     *
     * @return {@code false} if no endpoint has that id
     * @throws StoreUnavailableException if the store cannot be reached
     * @throws StoreException            on any other store failure
     */
    boolean update(Endpoint endpoint) throws StoreException;

    /**
     * Sets the status of an endpoint.
     *
     * @return {@code false} if no endpoint has that id
     * @throws StoreUnavailableException if the store cannot be reached
     * @throws StoreException            on any other store failure
     */
    boolean setStatus(String id, EndpointStatus status) throws StoreException;

    /**
     * Removes an endpoint. What happens to its open sessions is the relay's business (its
     * {@link LiveSessionPolicy}), not the store's.
     *
     * @return {@code false} if no endpoint has that id
     * @throws StoreUnavailableException if the store cannot be reached
     * @throws StoreException            on any other store failure
     */
    boolean remove(String id) throws StoreException;

    /**
     * Lists every endpoint, ordered by id.
     *
     * @return all endpoints; an empty list when none is registered
     * @throws StoreUnavailableException if the store cannot be reached
     * @throws StoreException            on any other store failure
     */
    List<Endpoint> list() throws StoreException;

    /**
     * Checks that the store answers, for readiness probes.
     *
     * @throws StoreUnavailableException if it does not answer within its timeout
     */
    void ping() throws StoreException;

    /**
     * Checks that every service this store uses answers now, for {@code wsrelay check}: stricter
     * than {@link #ping()}, which a store may pass while one of its services is down (a cache
     * whose store behind it still answers). By default, {@link #ping()}.
     *
     * @throws StoreUnavailableException naming the service that does not answer and why (never a password)
     */
    default void verify() throws StoreException {
        ping();
    }

    /**
     * Where API discovery keeps what the relay nodes learnt, when this store can hold it (the SQL
     * store can; a caching store answers its delegate's).
     *
     * @return the discovery store, or empty when discovery data stays in each node's memory only
     */
    default Optional<DiscoveryStore> discovery() {
        return Optional.empty();
    }

    /** Releases pools and connections. Idempotent; never throws. */
    @Override
    void close();
}
