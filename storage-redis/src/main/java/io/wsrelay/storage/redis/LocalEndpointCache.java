package io.wsrelay.storage.redis;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.wsrelay.relay.spi.Endpoint;
import io.wsrelay.relay.spi.StoreException;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;

/**
 * The in-process cache of one node (Caffeine): bounded in entries, each kept at most a TTL, and
 * dropped by the invalidations the subscriber hears.
 *
 * <p>It is trusted only while the subscriber is subscribed: an invalidation published while it
 * was not would be lost, so on losing the subscription the cache is cleared and bypassed, and on
 * subscribing again it is cleared once more (see {@link #trust}). Concurrent lookups of one id
 * share one load. A load that an invalidation overtakes is answered to its callers but not kept.
 * Thread-safe.
 */
final class LocalEndpointCache {

    /**
     * A load's outcome: the answer, or the failure to hand to the callers that shared it. A failed
     * load completes its future <em>normally</em> with the failure, after taking it out of the
     * cache: Caffeine logs every exceptionally completed load (a stack trace through
     * {@code System.Logger}, so JUL, outside the relay's log format), once per lookup during a
     * database outage; the store's own outage line says it once.
     */
    private record Loaded(Optional<Endpoint> endpoint, RuntimeException failure) {
    }

    private final AsyncCache<String, Loaded> cache;
    private volatile boolean trusted;

    /**
     * @param maxEntries at most this many ids are kept; the least valuable go first
     * @param ttl        how long an entry is kept after its load completed
     */
    LocalEndpointCache(int maxEntries, Duration ttl) {
        this.cache = Caffeine.newBuilder()
                .maximumSize(maxEntries)
                .expireAfterWrite(ttl)
                // Upkeep on the calling thread: no ForkJoinPool tasks, nothing outlives close.
                .executor(Runnable::run)
                .buildAsync();
    }

    /**
     * The lookup of {@code id}: from this cache if trusted and present, else from {@code loader}
     * (run on the calling thread; the only load for that id while it runs).
     *
     * @throws StoreException whatever {@code loader} throws; failures are not cached
     */
    Optional<Endpoint> get(String id, Function<String, Optional<Endpoint>> loader) {
        if (!trusted) {
            return loader.apply(id);
        }
        CompletableFuture<Loaded> mine = new CompletableFuture<>();
        CompletableFuture<Loaded> shared = cache.get(id, (key, executor) -> mine);
        if (shared == mine) {
            try {
                mine.complete(new Loaded(loader.apply(id), null));
            } catch (RuntimeException e) {
                cache.asMap().remove(id, mine); // failures are not cached
                mine.complete(new Loaded(null, e));
                throw e;
            } catch (Error e) {
                cache.asMap().remove(id, mine);
                mine.complete(new Loaded(null, new StoreException("endpoint lookup failed", e)));
                throw e;
            }
            return mine.join().endpoint();
        }
        Loaded loaded = join(shared);
        if (loaded.failure() != null) {
            // Another caller's load failed: rethrow its failure, which keeps its own cause.
            throw loaded.failure();
        }
        return loaded.endpoint();
    }

    /** Drops the entry of {@code id}, loaded or in flight. */
    void invalidate(String id) {
        cache.asMap().remove(id);
    }

    /**
     * Trusts the cache from now on ({@code true}, on subscribing) or bypasses it ({@code false},
     * on losing the subscription); clears it either way, since invalidations may have been missed.
     */
    void trust(boolean subscribed) {
        trusted = subscribed;
        cache.asMap().clear();
    }

    /** Entries held, loaded or in flight; for tests and {@link #toString()}. */
    long size() {
        return cache.asMap().size();
    }

    private static Loaded join(CompletableFuture<Loaded> shared) {
        try {
            return shared.get();
        } catch (ExecutionException | CompletionException e) {
            // Never completed exceptionally by this class; kept for a cancelled future.
            throw new StoreException("endpoint lookup failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted while waiting for another lookup of the same id", e);
        }
    }

    @Override
    public String toString() {
        return "LocalEndpointCache{trusted=" + trusted + ", size=" + size() + "}";
    }
}
