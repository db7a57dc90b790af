package io.wsrelay.storage.redis;

import io.wsrelay.relay.LogText;
import io.wsrelay.relay.spi.CacheStatistics;
import io.wsrelay.relay.spi.Cluster;
import io.wsrelay.relay.spi.LiveSession;
import io.wsrelay.relay.spi.Endpoint;
import io.wsrelay.relay.spi.EndpointStatus;
import io.wsrelay.relay.spi.EndpointStore;
import io.wsrelay.relay.spi.StoreException;
import io.wsrelay.relay.spi.StoreUnavailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * An {@link EndpointStore} that caches the lookups of another store (the delegate, normally the
 * SQL store, which stays the source of truth) in Redis, and optionally in-process on each node.
 *
 * <p><b>Lookups</b> read through: the in-process cache (if on and trusted), then Redis, then the
 * delegate. A miss caches the delegate's answer in Redis for {@code ttl}; an unknown id is cached
 * as unknown for {@code negative-ttl}, so repeated bogus ids do not reach the database.
 *
 * <p><b>Writes</b> go to the delegate first; then, whether it succeeded or failed, the id's Redis
 * entry is deleted and the id published on the invalidation channel, which every node's store
 * subscribes to and which drops that node's in-process copy. A node therefore sees a write as soon
 * as the message arrives (milliseconds), and at the latest after {@code local-cache-ttl}.
 *
 * <p><b>Failures</b>: Redis unreachable or too slow: lookups go to the delegate, one WARN is logged
 * per outage, and the cache is used again once Redis answers (see {@link RedisHealth}); the
 * in-process cache is bypassed while the subscription is down, since invalidations could be missed.
 * Delegate unreachable: entries cached in Redis are still served; a miss throws the delegate's
 * {@link StoreUnavailableException}. Both unreachable: lookups throw
 * {@link StoreUnavailableException} (the relay answers 503). Data under our keys that is not ours
 * is a miss, logged, and overwritten. A write whose invalidation cannot reach Redis still succeeds
 * (the delegate has it); other nodes may then use their Redis copy for up to {@code ttl}.
 *
 * <p><b>Cluster</b>: it is also the relay nodes' {@link Cluster}: endpoint writes and close
 * requests reach every node through Redis pub/sub, and each node's live sessions are listed in
 * Redis ({@link ClusterBoard}).
 *
 * <p>Lifecycle: {@link #create} starts the subscriber (two daemon threads) and a lazily connected
 * Redis pool; it does not wait for Redis, so a relay starts during a Redis outage. {@link #close}
 * stops the threads and closes the pool and the delegate. Safe for any number of concurrent
 * callers, typically virtual threads.
 */
public final class CachingEndpointStore implements EndpointStore, CacheStatistics, Cluster {
    private static final String LOCAL = "local";
    private static final String REDIS = "redis";

    // Cache statistics for /metrics; LongAdders because lookups run on many threads at once.
    private final LongAdder localLookups = new LongAdder();
    private final LongAdder localMisses = new LongAdder();
    private final LongAdder redisHits = new LongAdder();
    private final LongAdder redisMisses = new LongAdder();


    private static final Logger LOG = LoggerFactory.getLogger(CachingEndpointStore.class);

    private final EndpointStore delegate;
    private final RedisCacheConfig config;
    private final RedisCache redis;
    private final LocalEndpointCache local;
    private final InvalidationSubscriber subscriber;
    private final ClusterBoard board;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Whether readiness is answered from Redis because the SQL store is unreachable. */
    private final AtomicBoolean servingFromCache = new AtomicBoolean();
    /** The joined relay's listener; null until {@link #join}. */
    private volatile Cluster.Listener cluster;
    /** {@link System#nanoTime()} when the subscription was lost; 0 while subscribed or never subscribed. */
    private volatile long gapStart;

    private CachingEndpointStore(EndpointStore delegate, RedisCacheConfig config) {
        this.delegate = delegate;
        this.config = config;
        RedisHealth health = new RedisHealth(RedisCacheConfig.redact(config.url()), config.retryInterval(),
                System::nanoTime);
        redis.clients.jedis.RedisClient pool = RedisConnections.pool(config);
        this.redis = new RedisCache(pool, config, health);
        this.board = new ClusterBoard(pool, config, health);
        this.local = config.hasLocalCache() ? new LocalEndpointCache(config.localCacheSize(), config.localCacheTtl())
                : null;
        this.subscriber = InvalidationSubscriber.start(config, health, new InvalidationSubscriber.Listener() {
            @Override
            public void subscribed() {
                trustLocal(true);
                long since = gapStart;
                if (since != 0) {
                    gapStart = 0;
                    Cluster.Listener l = cluster;
                    LOG.info("endpoint changes reach this node again after a gap of {} ms; changes made meanwhile "
                            + "may have been missed, so every endpoint with open sessions is checked again",
                            java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since));
                    if (l != null) {
                        l.resynchronized();
                    }
                }
            }

            @Override
            public void unsubscribed() {
                trustLocal(false);
                gapStart = System.nanoTime();
            }

            @Override
            public void invalidated(String id) {
                dropLocal(id);
                Cluster.Listener l = cluster;
                if (l != null) {
                    l.endpointChanged(id);
                }
            }

            @Override
            public void command(String message) {
                Cluster.Listener l = cluster;
                Cluster.CloseRequest request = ClusterBoard.parse(message);
                if (l != null && request != null) {
                    l.closeRequested(request);
                }
            }
        });
    }

    /**
     * Puts a Redis cache in front of {@code delegate}, which this store owns from now on and
     * closes on {@link #close()}. Returns at once; Redis is connected on first use.
     *
     * @param delegate the store of record, normally the SQL store; one that does not cache
     *                 unknown ids itself (opened {@linkplain io.wsrelay.relay.spi.StoreContext#behindCache
     *                 behind a cache}), since it would not hear other nodes' writes and this store
     *                 would copy its stale "unknown" into Redis
     * @param config   the Redis settings ({@link RedisCacheConfig#from})
     * @return an open store; the caller closes it
     * @throws NullPointerException if an argument is null
     */
    public static CachingEndpointStore create(EndpointStore delegate, RedisCacheConfig config) {
        Objects.requireNonNull(delegate, "delegate");
        Objects.requireNonNull(config, "config");
        CachingEndpointStore store = new CachingEndpointStore(delegate, config);
        LOG.info("Redis endpoint cache open: {}, in front of {}", config, delegate);
        return store;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Blocks for at most: the Redis timeout (or pool wait), then the delegate's own timeout on a
     * miss. An id longer than {@link Endpoint#MAX_ID_LENGTH} characters is answered with empty
     * without asking anyone.
     *
     * @throws StoreUnavailableException if the answer is cached nowhere reachable and the delegate
     *                                   cannot be reached
     */
    @Override
    public Optional<Endpoint> lookup(String id) throws StoreException {
        Objects.requireNonNull(id, "id");
        requireOpen("lookup");
        if (id.length() > Endpoint.MAX_ID_LENGTH) {
            return Optional.empty();
        }
        if (local == null) {
            return lookupShared(id);
        }
        localLookups.increment();
        return local.get(id, missed -> {
            localMisses.increment();
            return lookupShared(missed);
        });
    }

    private Optional<Endpoint> lookupShared(String id) {
        RedisCache.Read read = redis.read(id);
        if (read.state() == RedisCache.Read.State.HIT) {
            redisHits.increment();
            return read.endpoint();
        }
        redisMisses.increment();
        Optional<Endpoint> answer = delegate.lookup(id);
        if (read.state() == RedisCache.Read.State.MISS) {
            redis.fill(id, read, answer);
        }
        return answer;
    }

    /** {@code ["local", "redis"]}, or {@code ["redis"]} when the in-process cache is off. */
    @Override
    public List<String> cacheLayers() {
        return local == null ? List.of(REDIS) : List.of(LOCAL, REDIS);
    }

    @Override
    public long hits(String layer) {
        return switch (checkLayer(layer)) {
            case LOCAL -> localLookups.sum() - localMisses.sum();
            default -> redisHits.sum();
        };
    }

    @Override
    public long misses(String layer) {
        return switch (checkLayer(layer)) {
            case LOCAL -> localMisses.sum();
            default -> redisMisses.sum();
        };
    }

    private String checkLayer(String layer) {
        if (!cacheLayers().contains(layer)) {
            throw new IllegalArgumentException("no cache layer " + layer + "; layers: " + cacheLayers());
        }
        return layer;
    }

    @Override
    public boolean insert(Endpoint endpoint) throws StoreException {
        return write("insert", endpoint.id(), () -> delegate.insert(endpoint));
    }

    @Override
    public boolean update(Endpoint endpoint) throws StoreException {
        return write("update", endpoint.id(), () -> delegate.update(endpoint));
    }

    @Override
    public boolean setStatus(String id, EndpointStatus status) throws StoreException {
        Objects.requireNonNull(id, "id");
        return write("setStatus", id, () -> delegate.setStatus(id, status));
    }

    @Override
    public boolean remove(String id) throws StoreException {
        Objects.requireNonNull(id, "id");
        return write("remove", id, () -> delegate.remove(id));
    }

    /** {@inheritDoc} <p>Always from the delegate; listing is an admin operation, never cached. */
    @Override
    public List<Endpoint> list() throws StoreException {
        requireOpen("list");
        return delegate.list();
    }

    /** The delegate's: discovery data is not cached. */
    @Override
    public java.util.Optional<io.wsrelay.relay.spi.DiscoveryStore> discovery() {
        return delegate.discovery();
    }

    /**
     * {@inheritDoc}
     *
     * <p>Ready while the delegate answers (the relay serves without Redis, so a Redis outage does
     * not make it unready), and also while the delegate is unreachable but Redis answers: cached
     * endpoints are then still served, so a node behind a load balancer stays in rotation (every
     * node shares the one database: taking them all out would refuse every upgrade, not only the
     * uncached ones). One WARN per database outage says so.
     *
     * @throws StoreUnavailableException if neither the delegate nor Redis answers
     */
    @Override
    public void ping() throws StoreException {
        requireOpen("ping");
        try {
            delegate.ping();
            if (servingFromCache.compareAndSet(true, false)) {
                LOG.info("the SQL store answers again; readiness follows it again");
            }
        } catch (StoreUnavailableException e) {
            if (!redis.ping()) {
                throw e;
            }
            if (servingFromCache.compareAndSet(false, true)) {
                LOG.warn("the SQL store is unreachable ({}); this node stays ready and serves the endpoints "
                        + "cached in Redis, uncached ones get 503 until it answers", e.getMessage());
            }
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Both the store behind the cache and Redis must answer: serving works without Redis
     * ({@link #ping()}), but a configuration whose Redis never answers is a mistake to report.
     *
     * @throws StoreUnavailableException naming the SQL store or Redis (redacted URL) and why
     */
    @Override
    public void verify() throws StoreException {
        requireOpen("verify");
        delegate.verify();
        redis.verify(RedisCacheConfig.redact(config.url()));
    }

    /**
     * {@inheritDoc}
     *
     * <p>Endpoint changes come from the invalidation channel; close requests from the command
     * channel; this node's sessions are written to Redis every {@link ClusterBoard#REPORT_PERIOD}.
     * After a gap in the subscription (Redis restarted or unreachable), one INFO line says how
     * long it was and {@link Cluster.Listener#resynchronized()} is called.
     *
     * @throws IllegalStateException if called twice
     */
    @Override
    public void join(String node, Cluster.Listener listener, java.util.function.Supplier<List<LiveSession>> sessions) {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(sessions, "sessions");
        if (cluster != null) {
            throw new IllegalStateException("already joined");
        }
        cluster = Objects.requireNonNull(listener, "listener");
        board.join(node, sessions);
    }

    @Override
    public boolean requestClose(Cluster.CloseRequest request) {
        requireOpen("requestClose");
        return board.publish(request);
    }

    @Override
    public Optional<String> acquire(String holder, java.util.Map<String, Integer> limits) {
        requireOpen("acquire");
        return board.acquire(holder, limits);
    }

    @Override
    public void release(String holder) {
        if (!closed.get()) {
            board.release(holder);
        }
    }

    @Override
    public List<LiveSession> sessions() throws StoreException {
        requireOpen("sessions");
        return board.sessions();
    }

    /** Stops the subscriber and the session reports, closes the Redis pool, then the delegate. Idempotent; never throws. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            board.close();
            subscriber.close();
            redis.close();
        } finally {
            delegate.close();
        }
        LOG.info("Redis endpoint cache closed: {}", RedisCacheConfig.redact(config.url()));
    }

    /** Whether the subscriber threads are alive; for tests. */
    boolean isSubscriberRunning() {
        return subscriber.isRunning();
    }

    @Override
    public String toString() {
        return "CachingEndpointStore{redis=" + RedisCacheConfig.redact(config.url()) + ", keyPrefix="
                + config.keyPrefix() + ", local=" + local + ", " + subscriber + ", delegate=" + delegate
                + ", closed=" + closed.get() + "}";
    }

    /** The delegate's write, then the invalidation, even if the write failed halfway. */
    private boolean write(String operation, String id, Supplier<Boolean> action) {
        requireOpen(operation);
        boolean answered = false;
        try {
            boolean changed = action.get();
            answered = true;
            return changed;
        } finally {
            dropLocal(id);
            if (!redis.invalidate(id) && answered) {
                LOG.warn("endpoint {} was written ({}) but Redis could not be told: other relay nodes may use "
                        + "their cached copy for up to {}", LogText.safe(id), operation, config.ttl());
            }
        }
    }

    private void dropLocal(String id) {
        if (local != null) {
            local.invalidate(id);
        }
    }

    private void trustLocal(boolean subscribed) {
        if (local != null) {
            local.trust(subscribed);
        }
    }

    private void requireOpen(String operation) {
        if (closed.get()) {
            throw new StoreUnavailableException(operation + " failed: the store is closed");
        }
    }
}
