package io.wsrelay.relay.spi;

import java.util.List;

/**
 * Hit and miss counts of a caching endpoint store, which the relay exports as the metric
 * {@code wsrelay_store_cache_lookups_total{layer, result}}.
 *
 * <p>A store that caches lookups implements this beside {@link EndpointStore}; the relay's
 * launcher notices it and reads the counts each time {@code /metrics} is scraped, so the store
 * needs no metrics library. Counts only grow, from the store's creation; keep them in
 * {@link java.util.concurrent.atomic.LongAdder}s or similar, since lookups run on many threads
 * at once. Every method is cheap, never blocks and is safe to call from any thread.
 */
public interface CacheStatistics {

    /**
     * The cache layers, outermost first, e.g. {@code ["local", "redis"]}; fixed for the life of
     * the store. Each name becomes a value of the {@code layer} label.
     */
    List<String> cacheLayers();

    /**
     * Lookups that {@code layer} answered, found or known-unknown (negative caching), since the
     * store was created.
     *
     * @throws IllegalArgumentException if {@code layer} is not one of {@link #cacheLayers()}
     */
    long hits(String layer);

    /**
     * Lookups that {@code layer} could not answer and passed on, since the store was created.
     *
     * @throws IllegalArgumentException if {@code layer} is not one of {@link #cacheLayers()}
     */
    long misses(String layer);
}
