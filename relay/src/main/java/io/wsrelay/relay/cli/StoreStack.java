package io.wsrelay.relay.cli;

import io.wsrelay.relay.config.ConfigValues;
import io.wsrelay.relay.config.ConfigurationException;
import io.wsrelay.relay.spi.ConfiguredStore;
import io.wsrelay.relay.spi.EndpointStore;
import io.wsrelay.relay.spi.EndpointStoreProvider;
import io.wsrelay.relay.spi.StoreContext;
import io.wsrelay.relay.spi.StoreException;

import java.util.Objects;
import java.util.Optional;

/**
 * The configured endpoint store, composed here at the root: the store of {@code relay.store.type}
 * and, when that module caches another store ({@link EndpointStoreProvider#cachedType()}), the
 * store behind it, e.g. {@code redis} over {@code sql}. Both modules' settings are read and
 * checked when this is made, before anything is opened. Immutable.
 */
final class StoreStack {
    private final String type;
    private final ConfiguredStore top;
    /** The cached store's type and settings, when {@link #top} is a cache. */
    private final Optional<String> behindType;
    private final Optional<ConfiguredStore> behind;

    private StoreStack(String type, ConfiguredStore top, Optional<String> behindType, Optional<ConfiguredStore> behind) {
        this.type = type;
        this.top = top;
        this.behindType = behindType;
        this.behind = behind;
    }

    /**
     * Finds the provider of {@code type} (and of the store it caches) and reads their settings.
     *
     * @throws ConfigurationException if a module is missing or a setting is invalid, naming it
     */
    static StoreStack configure(StoreModules modules, String type, ConfigValues settings) {
        Objects.requireNonNull(settings, "settings");
        EndpointStoreProvider provider = modules.provider(type);
        Optional<String> cached = provider.cachedType();
        Optional<EndpointStoreProvider> source = cached.map(t -> modules.delegate(provider, t));
        if (source.flatMap(EndpointStoreProvider::cachedType).isPresent()) {
            throw new ConfigurationException("store " + type + " caches " + cached.orElseThrow()
                    + ", which is a cache itself; a cache goes in front of a store of its own");
        }
        // The store behind first: its keys (relay.store.jdbc-url, ...) are the first a user sets.
        Optional<ConfiguredStore> behind = source.map(p -> p.configure(settings));
        return new StoreStack(type, provider.configure(settings), cached, behind);
    }

    /** {@code relay.store.type}. */
    String type() {
        return type;
    }

    /**
     * Opens the store: for a cache, the store behind it first (without its own memory of
     * unknown ids), then the cache over it, which closes it on close.
     *
     * @param migrate whether opening may migrate the schema, as the settings ask ({@code check}: no)
     */
    EndpointStore open(boolean migrate) throws StoreException {
        if (behind.isEmpty()) {
            return top.open(StoreContext.standalone(migrate));
        }
        EndpointStore source = behind.get().open(StoreContext.behindCache(migrate));
        try {
            return top.open(StoreContext.over(source, migrate));
        } catch (RuntimeException e) {
            try {
                source.close();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** Applies every migration of the stack (the store behind first); returns how many were applied. */
    int migrate() throws StoreException {
        int applied = behind.isPresent() ? behind.get().migrate() : 0;
        return applied + top.migrate();
    }

    /** Where the endpoints are kept: the store of record's location (the one behind a cache). */
    String location() {
        return behind.orElse(top).location();
    }

    /** The settings in effect, for the log; never a password. */
    @Override
    public String toString() {
        return type + " " + top + behindType.map(t -> " over " + t + " " + behind.orElseThrow()).orElse("");
    }
}
