package io.wsrelay.relay.spi;

import java.util.Optional;

/**
 * The narrow read side the relay depends on: find an endpoint by id.
 *
 * <p>Implementations are safe to call from any number of threads at once.
 */
@FunctionalInterface
public interface EndpointLookup {

    /**
     * Finds the endpoint registered under {@code id}.
     *
     * <p>Blocks the calling thread until the store answers or its timeout
     * ({@code relay.store.timeout}, default 2 s) elapses; the relay calls it on virtual threads,
     * so blocking is expected.
     *
     * @param id endpoint id taken from the upgrade request's {@code endpointId} parameter
     * @return the endpoint, or empty if none is registered under {@code id}; endpoints whose
     *         status is {@code INACTIVE} are returned, not hidden
     * @throws StoreUnavailableException if the store cannot be reached or does not answer in time
     *                                   (the relay rejects the upgrade with 503)
     * @throws StoreException            if the store answers with an error
     * @throws NullPointerException      if {@code id} is null
     */
    Optional<Endpoint> lookup(String id) throws StoreException;
}
