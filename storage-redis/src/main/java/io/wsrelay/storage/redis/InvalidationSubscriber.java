package io.wsrelay.storage.redis;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Connection;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.exceptions.JedisException;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Listens on the invalidation channel and the cluster's command channel on a connection of its
 * own, and tells the local cache and the cluster listener.
 *
 * <p>Two platform daemon threads per store, named {@code wsrelay-redis-subscriber-N} and
 * {@code wsrelay-redis-heartbeat-N}. The subscriber thread blocks in {@code SUBSCRIBE}; when the
 * connection fails it reports to {@link RedisHealth}, distrusts the local cache, and reconnects
 * after a pause that doubles from {@value #FIRST_RETRY_MILLIS} ms up to the retry interval. The
 * heartbeat thread pings the subscribed connection every {@link #HEARTBEAT}, so a connection that
 * went silent (a network partition, no FIN) fails its read after {@link #SILENT_LIMIT} instead of
 * never. {@link #close()} stops and joins both.
 */
final class InvalidationSubscriber implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(InvalidationSubscriber.class);
    /** Distinguishes the threads of several stores in one process (tests, the benchmark). */
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    /** First pause before reconnecting: short, since a restarted Redis is usually back at once. */
    static final long FIRST_RETRY_MILLIS = 50;
    /** How often the subscribed connection is pinged. */
    static final Duration HEARTBEAT = Duration.ofSeconds(5);
    /** Read timeout while subscribed: three missed heartbeats. */
    static final Duration SILENT_LIMIT = HEARTBEAT.multipliedBy(3);
    /** Longest {@link #close()} waits for each thread; both normally end at once. */
    private static final Duration JOIN_LIMIT = Duration.ofSeconds(5);

    /** What the subscriber reports to its store; called on the subscriber thread, never concurrently. */
    interface Listener {
        /** Subscribed (again); invalidations flow from now on. */
        void subscribed();

        /** The subscription is lost; invalidations may be missed until {@link #subscribed()}. */
        void unsubscribed();

        /** Endpoint {@code id} was written somewhere. */
        void invalidated(String id);

        /** A message arrived on the cluster's command channel ({@link RedisCache#commandChannel}). */
        default void command(String message) {
        }
    }

    private final RedisCacheConfig config;
    private final RedisHealth health;
    private final Listener listener;
    private final String channel;
    private final String commandChannel;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CountDownLatch closing = new CountDownLatch(1);
    private final Thread subscriber;
    private final Thread heartbeat;
    private volatile Connection connection;
    private volatile JedisPubSub pubSub;

    private InvalidationSubscriber(RedisCacheConfig config, RedisHealth health, Listener listener) {
        this.config = config;
        this.health = health;
        this.listener = listener;
        this.channel = RedisCache.channel(config.keyPrefix());
        this.commandChannel = RedisCache.commandChannel(config.keyPrefix());
        int n = INSTANCES.incrementAndGet();
        this.subscriber = Thread.ofPlatform().daemon().name("wsrelay-redis-subscriber-" + n).unstarted(this::run);
        this.heartbeat = Thread.ofPlatform().daemon().name("wsrelay-redis-heartbeat-" + n).unstarted(this::beat);
    }

    /** Starts both threads; returns at once, before the first subscription. */
    static InvalidationSubscriber start(RedisCacheConfig config, RedisHealth health, Listener listener) {
        InvalidationSubscriber s = new InvalidationSubscriber(config, health, listener);
        s.subscriber.start();
        s.heartbeat.start();
        return s;
    }

    private void run() {
        long retryMillis = FIRST_RETRY_MILLIS;
        while (!closed.get()) {
            Listening listening = new Listening();
            try (Connection c = RedisConnections.subscriber(config, SILENT_LIMIT)) {
                connection = c;
                pubSub = listening;
                if (closed.get()) {
                    break; // close() ran before it could see this connection
                }
                listening.proceed(c, channel, commandChannel); // returns when unsubscribed; throws when the connection fails
            } catch (JedisException e) {
                if (!closed.get()) {
                    health.failed("subscribe", e);
                }
            } finally {
                pubSub = null;
                connection = null;
            }
            if (listening.wasSubscribed) {
                listener.unsubscribed();
                retryMillis = FIRST_RETRY_MILLIS;
            }
            if (pause(retryMillis)) {
                break;
            }
            retryMillis = Math.min(retryMillis * 2, config.retryInterval().toMillis());
        }
        LOG.debug("invalidation subscriber on {} stopped", channel);
    }

    private void beat() {
        while (!pause(HEARTBEAT.toMillis())) {
            JedisPubSub current = pubSub;
            if (current != null && current.isSubscribed()) {
                try {
                    current.ping();
                } catch (JedisException e) {
                    // The subscriber thread sees the same failure on its read and handles it.
                    LOG.debug("heartbeat on {} failed", channel, e);
                }
            }
        }
    }

    /** Waits {@code millis} or until closed; returns whether closed. */
    private boolean pause(long millis) {
        try {
            return closing.await(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    /** Whether both threads are alive; for tests. */
    boolean isRunning() {
        return subscriber.isAlive() && heartbeat.isAlive();
    }

    /**
     * Unsubscribes, closes the connection and joins both threads, each for at most 5 s.
     * Idempotent; never throws.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        closing.countDown();
        JedisPubSub current = pubSub;
        if (current != null && current.isSubscribed()) {
            try {
                current.unsubscribe();
            } catch (JedisException e) {
                LOG.debug("unsubscribe from {} failed; closing the connection", channel, e);
            }
        }
        Connection c = connection;
        if (c != null) {
            try {
                c.close(); // ends a read that the unsubscribe did not
            } catch (JedisException e) {
                LOG.debug("closing the subscriber connection to {} failed", channel, e);
            }
        }
        join(subscriber);
        join(heartbeat);
    }

    private static void join(Thread thread) {
        try {
            if (!thread.join(JOIN_LIMIT)) {
                LOG.warn("{} did not stop within {}", thread.getName(), JOIN_LIMIT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        JedisPubSub current = pubSub;
        return "InvalidationSubscriber{channel=" + channel + ", subscribed="
                + (current != null && current.isSubscribed()) + ", closed=" + closed.get() + "}";
    }

    /** One subscription on one connection. */
    private final class Listening extends JedisPubSub {
        private boolean wasSubscribed;

        @Override
        public void onSubscribe(String ch, int subscribedChannels) {
            LOG.debug("subscribed to {}", ch);
            // Both channels are subscribed with one command; the news flows once both are.
            if (subscribedChannels == 2) {
                wasSubscribed = true;
                health.succeeded();
                listener.subscribed();
            }
        }

        @Override
        public void onMessage(String ch, String message) {
            if (message == null) {
                return;
            }
            if (ch.equals(channel)) {
                listener.invalidated(message);
            } else {
                listener.command(message);
            }
        }
    }
}
