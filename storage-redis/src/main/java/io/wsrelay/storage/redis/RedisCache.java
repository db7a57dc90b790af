package io.wsrelay.storage.redis;

import io.wsrelay.relay.LogText;
import io.wsrelay.relay.spi.Endpoint;
import io.wsrelay.relay.spi.StoreException;
import io.wsrelay.relay.spi.StoreUnavailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.exceptions.JedisException;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The shared cache in Redis: reads, fills and invalidates the entry of one endpoint id.
 *
 * <p>Keys, all under the configured prefix {@code P}: {@code P endpoint:<id>} holds the cached
 * lookup ({@link EntryCodec}); {@code P generation:<id>} holds a token that every write of that id
 * replaces; channel {@code P invalidate} carries the id of every write.
 *
 * <p>Why the generation: a lookup that read the database just before a write committed would
 * otherwise put the old row back after the write's invalidation, and every node would serve it
 * until the TTL. A fill therefore only lands if the generation is still the one the lookup saw
 * before it read the database (checked and set atomically in a script).
 *
 * <p>No method throws on a Redis failure: the failure goes to {@link RedisHealth} and the caller
 * carries on without the cache. Thread-safe; every call borrows a pooled connection.
 */
final class RedisCache implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RedisCache.class);

    /**
     * How long a generation token outlives its write. It only has to outlast a lookup in flight
     * (seconds, bounded by the store timeouts); an hour is far beyond that and still lets the
     * tokens of ids no longer written expire.
     */
    static final Duration GENERATION_TTL = Duration.ofHours(1);

    /**
     * KEYS[1] entry, KEYS[2] generation; ARGV[1] generation seen ('' if none), ARGV[2] entry,
     * ARGV[3] TTL in ms. A generation key of a foreign type reads as none, like MGET reads it.
     */
    private static final String FILL = """
            local g = redis.pcall('GET', KEYS[2])
            if type(g) ~= 'string' then g = '' end
            if g ~= ARGV[1] then return 0 end
            redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
            return 1
            """;

    /**
     * KEYS[1] entry, KEYS[2] generation; ARGV[1] channel, ARGV[2] id, ARGV[3] new generation,
     * ARGV[4] its TTL in ms. One script, so the entry is gone before any node hears of the write.
     */
    private static final String INVALIDATE = """
            redis.call('DEL', KEYS[1])
            redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[4])
            return redis.call('PUBLISH', ARGV[1], ARGV[2])
            """;

    /**
     * What Redis holds for an id.
     *
     * @param state      whether the entry was found, missing, or Redis could not be asked
     * @param endpoint   the cached answer when {@code state} is {@code HIT}, else empty
     * @param generation the generation token seen with it ({@code ""} if none), for {@link #fill}
     */
    record Read(State state, Optional<Endpoint> endpoint, String generation) {
        enum State { HIT, MISS, UNAVAILABLE }

        static final Read UNAVAILABLE = new Read(State.UNAVAILABLE, Optional.empty(), "");
    }

    private final RedisClient redis;
    private final RedisCacheConfig config;
    private final RedisHealth health;
    private final String channel;

    RedisCache(RedisClient redis, RedisCacheConfig config, RedisHealth health) {
        this.redis = redis;
        this.config = config;
        this.health = health;
        this.channel = channel(config.keyPrefix());
    }

    /** The invalidation channel for keys under {@code prefix}. */
    static String channel(String prefix) {
        return prefix + "invalidate";
    }

    /** The channel of the cluster's session commands, for keys under {@code prefix}. */
    static String commandChannel(String prefix) {
        return prefix + "sessions:commands";
    }

    /** The key of the cached lookup of {@code id}. */
    String entryKey(String id) {
        return config.keyPrefix() + "endpoint:" + id;
    }

    /** The key of the generation token of {@code id}. */
    String generationKey(String id) {
        return config.keyPrefix() + "generation:" + id;
    }

    /**
     * Reads the cached lookup of {@code id} in one round trip. An entry that is not ours (corrupt,
     * foreign, of another version or type) is a miss, logged at WARN; the fill that follows the
     * miss overwrites it.
     */
    Read read(String id) {
        if (!health.shouldTry()) {
            return Read.UNAVAILABLE;
        }
        List<String> values;
        try {
            values = redis.mget(entryKey(id), generationKey(id));
        } catch (JedisException e) {
            health.failed("read", e);
            return Read.UNAVAILABLE;
        }
        health.succeeded();
        String json = values.get(0);
        String generation = values.get(1) == null ? "" : values.get(1);
        if (json == null) {
            return new Read(Read.State.MISS, Optional.empty(), generation);
        }
        try {
            return new Read(Read.State.HIT, EntryCodec.decode(id, json), generation);
        } catch (StoreException e) {
            LOG.warn("Redis key {} does not hold a wsrelay cache entry ({}); treated as a miss and overwritten",
                    LogText.safe(entryKey(id)), e.getMessage());
            LOG.debug("unreadable cache entry {}", LogText.safe(entryKey(id)), e);
            return new Read(Read.State.MISS, Optional.empty(), generation);
        }
    }

    /**
     * Caches {@code answer} for {@code id}, for the TTL (found) or the negative TTL (unknown),
     * unless the id was written since {@code seen.generation()} was read. Does nothing for an
     * unknown id when negative caching is off.
     */
    void fill(String id, Read seen, Optional<Endpoint> answer) {
        Duration ttl = answer.isPresent() ? config.ttl() : config.negativeTtl();
        if (ttl.isZero()) {
            return;
        }
        try {
            Object filled = redis.eval(FILL, List.of(entryKey(id), generationKey(id)),
                    List.of(seen.generation(), EntryCodec.encode(answer), Long.toString(ttl.toMillis())));
            health.succeeded();
            if (!Long.valueOf(1).equals(filled)) {
                LOG.debug("endpoint {} was written during its lookup; not cached", LogText.safe(id));
            }
        } catch (JedisException e) {
            health.failed("fill", e);
        }
    }

    /**
     * Drops the cached lookup of {@code id} on every node: deletes the entry, replaces the
     * generation and publishes the id. Tried even during an outage, since a write is rare and
     * its invalidation matters.
     *
     * @return whether Redis took the invalidation
     */
    boolean invalidate(String id) {
        try {
            redis.eval(INVALIDATE, List.of(entryKey(id), generationKey(id)),
                    List.of(channel, id, java.util.UUID.randomUUID().toString(),
                            Long.toString(GENERATION_TTL.toMillis())));
            health.succeeded();
            return true;
        } catch (JedisException e) {
            health.failed("invalidate", e);
            return false;
        }
    }

    /** Whether Redis answers a PING now; a failure goes to {@link RedisHealth}. */
    boolean ping() {
        try {
            redis.ping();
            health.succeeded();
            return true;
        } catch (JedisException e) {
            health.failed("ping", e);
            return false;
        }
    }

    /**
     * PINGs Redis once, for {@code wsrelay check}.
     *
     * @throws StoreUnavailableException naming the server (redacted URL) and why it did not answer
     */
    void verify(String server) throws StoreUnavailableException {
        try {
            redis.ping();
            health.succeeded();
        } catch (JedisException e) {
            throw new StoreUnavailableException("Redis at " + server + " does not answer: " + reason(e));
        }
    }

    /**
     * The failure and what caused it, e.g. "Failed to connect to 127.0.0.1:6399. (connection
     * refused)": Jedis keeps the socket's error as a cause or, having tried every address of the
     * host, as a suppressed exception. Jedis never quotes the password.
     */
    static String reason(Throwable e) {
        String top = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        for (Throwable t = e; t != null; t = t.getCause()) {
            java.util.List<Throwable> candidates = new java.util.ArrayList<>(java.util.List.of(t.getSuppressed()));
            if (t.getCause() != null) {
                candidates.addFirst(t.getCause());
            }
            for (Throwable c : candidates) {
                if (c instanceof java.io.IOException || c instanceof java.nio.channels.UnresolvedAddressException) {
                    return top + " (" + io.wsrelay.relay.ConnectFailure.reason(c) + ")";
                }
            }
        }
        return top;
    }

    /** Closes the pool. */
    @Override
    public void close() {
        redis.close();
    }
}
