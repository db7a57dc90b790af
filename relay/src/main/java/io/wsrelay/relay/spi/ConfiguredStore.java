package io.wsrelay.relay.spi;

/**
 * A storage module's settings, read and checked ({@link EndpointStoreProvider#configure}): what
 * opens and migrates the store they describe. Immutable; {@code toString()} shows the settings
 * for the log, never a password.
 */
public interface ConfiguredStore {

    /**
     * Opens the store. Blocks while pools connect and, if {@code context.migrate()} and the
     * module's settings ask for it, while the schema is migrated.
     *
     * @return an open store; the caller closes it
     * @throws StoreUnavailableException if the backing server cannot be reached
     * @throws StoreException            if the store cannot be opened for another reason
     * @throws IllegalArgumentException  if the context does not fit the module (a caching module
     *                                   opened without a delegate)
     */
    EndpointStore open(StoreContext context) throws StoreException;

    /**
     * Applies the schema migrations and returns how many were applied; 0 for a store that has
     * nothing to migrate.
     *
     * @throws StoreUnavailableException if the database cannot be reached
     * @throws StoreException            if a migration fails
     */
    int migrate() throws StoreException;

    /** Where the store keeps its data, for messages: e.g. a JDBC URL without its parameters. Never a password. */
    String location();
}
