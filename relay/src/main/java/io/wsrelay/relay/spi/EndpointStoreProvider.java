package io.wsrelay.relay.spi;

import io.wsrelay.relay.config.RelayConfig;

/**
 * Creates an {@link EndpointStore} for one configured store type; found with
 * {@link java.util.ServiceLoader} by the relay's launcher only.
 *
 * <p>The launcher picks the provider whose {@link #type()} equals {@code relay.store.type} and
 * fails at startup, naming the types it found, if none or several match.
 */
public interface EndpointStoreProvider {

    /** The value of {@code relay.store.type} that selects this provider, e.g. {@code "sql"}. */
    String type();

    /**
     * Opens a store. Blocks while pools connect and, if {@code config.migrateOnStart()}, while
     * the schema is migrated.
     *
     * @throws StoreUnavailableException if the backing server cannot be reached
     * @throws StoreException            if the store cannot be opened for another reason
     */
    EndpointStore create(RelayConfig.Store config) throws StoreException;

    /**
     * Applies the schema migrations to the configured database and returns how many were applied.
     *
     * @throws StoreUnavailableException if the database cannot be reached
     * @throws StoreException            if a migration fails
     */
    int migrate(RelayConfig.Store config) throws StoreException;
}
