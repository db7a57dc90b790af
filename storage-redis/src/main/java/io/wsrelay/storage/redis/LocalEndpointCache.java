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

    private final AsyncCache<String, Optional<Endpoint>> cache;
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
        CompletableFuture<Optional<Endpoint>> mine = new CompletableFuture<>();
        CompletableFuture<Optional<Endpoint>> shared = cache.get(id, (key, executor) -> mine);
        if (shared == mine) {
            try {
                mine.complete(loader.apply(id));
            } catch (RuntimeException | Error e) {
                mine.completeExceptionally(e);
                throw e;
            }
        }
        return join(shared);
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

    private static Optional<Endpoint> join(CompletableFuture<Optional<Endpoint>> shared) {
        try {
            return shared.get();
        } catch (ExecutionException | CompletionException e) {
            // Another caller's load failed: rethrow its failure, which keeps its own cause.
            if (e.getCause() instanceof RuntimeException failure) {
                throw failure;
            }
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
