package io.wsrelay.relay.spi;

import java.util.Objects;
import java.util.Optional;

/**
 * How the composition root opens a store ({@link ConfiguredStore#open}).
 *
 * @param migrate     whether opening may apply the schema migrations, as the module's settings
 *                    ask; {@code false} when the caller only looks ({@code wsrelay check})
 * @param behindCache a caching store will sit in front of this one and hear every node's writes:
 *                    this store must not remember unknown ids itself (a remembered "unknown"
 *                    would not hear another node's insert, and would be copied into the cache)
 * @param delegate    for a caching module ({@link EndpointStoreProvider#cachedType()}): the store
 *                    it caches, opened by the root; the caching store closes it when it is closed.
 *                    Empty for a store of its own
 */
public record StoreContext(boolean migrate, boolean behindCache, Optional<EndpointStore> delegate) {

    public StoreContext {
        Objects.requireNonNull(delegate, "delegate");
        if (behindCache && delegate.isPresent()) {
            throw new IllegalArgumentException("a store behind a cache is not itself a cache here");
        }
    }

    /** A store of its own, nothing in front. */
    public static StoreContext standalone(boolean migrate) {
        return new StoreContext(migrate, false, Optional.empty());
    }

    /** The source of truth of a caching store. */
    public static StoreContext behindCache(boolean migrate) {
        return new StoreContext(migrate, true, Optional.empty());
    }

    /** A caching store over {@code delegate}. */
    public static StoreContext over(EndpointStore delegate, boolean migrate) {
        return new StoreContext(migrate, false, Optional.of(delegate));
    }
}
