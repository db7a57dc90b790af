package io.wsrelay.relay.policy;

import io.wsrelay.relay.SessionRegistry;
import io.wsrelay.relay.UpgradeRejectedException;
import io.wsrelay.relay.config.RelayConfig;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.wsrelay.relay.spi.Cluster;
import io.wsrelay.relay.spi.Endpoint;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The per-client and per-endpoint limits on opening handshakes, checked before the upgrade:
 * <ul>
 * <li>upgrades per minute per client address ({@code relay.limits.upgrades-per-minute-per-client}),
 *     a token bucket: over it 429 {@code rate_limited} with {@code Retry-After};</li>
 * <li>concurrent sessions per client address ({@code relay.limits.max-sessions-per-client}):
 *     over it 429 {@code too_many_client_sessions};</li>
 * <li>concurrent sessions per endpoint (the endpoint's own max connections, else
 *     {@code relay.limits.max-sessions-per-endpoint}): over it 503 {@code endpoint_at_capacity}.</li>
 * </ul>
 * The relay-wide session limit stays with {@link SessionRegistry}.
 *
 * <p>With a {@link Cluster}, the two session counts are also kept across every node, with
 * expiring leases ({@link Cluster#acquire}): an endpoint's limit and a client address's hold for
 * the sessions of all nodes together, not per node. While the cluster's server cannot be reached
 * they hold per node only.
 *
 * <p>Memory is bounded: session counters exist only while their client or endpoint has a
 * session or a pending upgrade (at most {@code relay.limits.max-sessions} of them), and rate
 * buckets are kept for {@value #MAX_TRACKED_CLIENTS} client addresses at most, each dropped a
 * minute after its last upgrade, when it would be full again anyway. Thread-safe.
 */
public final class Admission {
    /**
     * Client addresses whose upgrade rate is tracked. An attacker with more addresses than this
     * can push out buckets, so the limit then holds per recent address only; each entry is a few
     * hundred bytes.
     */
    static final int MAX_TRACKED_CLIENTS = 100_000;
    private static final Duration RATE_PERIOD = Duration.ofMinutes(1);

    private final RelayConfig.Limits limits;
    private final Cluster cluster;
    private final String node;
    /** Numbers the cluster leases of this node's admissions. */
    private final AtomicLong holders = new AtomicLong();
    private final ConcurrentMap<String, Integer> perClient = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Integer> perEndpoint = new ConcurrentHashMap<>();
    private final Cache<String, Bucket> buckets = Caffeine.newBuilder()
            .maximumSize(MAX_TRACKED_CLIENTS).expireAfterAccess(RATE_PERIOD).build();

    public Admission(RelayConfig.Limits limits) {
        this(limits, null, "");
    }

    /**
     * Limits counted on this node and, when {@code cluster} is not null, across the cluster,
     * with {@code node} naming this node's leases.
     */
    public Admission(RelayConfig.Limits limits, Cluster cluster, String node) {
        this.limits = limits;
        this.cluster = cluster;
        this.node = node;
    }

    /** One admitted handshake's hold on its counters; {@link #close()} gives them back, once. */
    public interface Ticket extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Counts one upgrade from {@code client} against its rate limit.
     *
     * @throws UpgradeRejectedException 429 {@code rate_limited}, with the seconds until the next
     *         upgrade is allowed as {@code Retry-After}
     */
    public void checkRate(String client) {
        int perMinute = limits.upgradesPerMinutePerClient();
        if (perMinute == 0) {
            return;
        }
        Bucket bucket = buckets.get(client, k -> Bucket.builder()
                .addLimit(Bandwidth.builder().capacity(perMinute).refillGreedy(perMinute, RATE_PERIOD).build())
                .build());
        ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
        if (!probe.isConsumed()) {
            long seconds = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(probe.getNanosToWaitForRefill() + 999_999_999L));
            throw new UpgradeRejectedException(429, "rate_limited", "more than " + perMinute
                    + " upgrades per minute from this address", null, seconds);
        }
    }

    /**
     * Takes a session slot for {@code client}.
     *
     * @throws UpgradeRejectedException 429 {@code too_many_client_sessions} when the client
     *         already has {@code relay.limits.max-sessions-per-client} sessions
     */
    public Ticket admitClient(String client) {
        if (!tryIncrement(perClient, client, limits.maxSessionsPerClient())) {
            throw new UpgradeRejectedException(429, "too_many_client_sessions", "this address already has "
                    + limits.maxSessionsPerClient() + " open sessions");
        }
        return once(() -> decrement(perClient, client));
    }

    /**
     * Takes a session slot for {@code endpoint}.
     *
     * @throws UpgradeRejectedException 503 {@code endpoint_at_capacity} when the endpoint is at
     *         its limit
     */
    public Ticket admitEndpoint(Endpoint endpoint) {
        int max = endpointLimit(endpoint);
        if (max == 0) {
            return () -> { };
        }
        if (!tryIncrement(perEndpoint, endpoint.id(), max)) {
            throw new UpgradeRejectedException(503, "endpoint_at_capacity", "endpoint " + endpoint.id()
                    + " is at its limit of " + max + " sessions");
        }
        return once(() -> decrement(perEndpoint, endpoint.id()));
    }

    /**
     * Takes the cluster-wide slots of a session of {@code endpoint} from {@code client}: one of
     * the client address's count and, if the endpoint has a limit, one of the endpoint's. Call
     * after {@link #admitClient} and {@link #admitEndpoint} (the node's own counts) passed; blocks
     * one round trip to the cluster's server. Without a cluster it takes nothing.
     *
     * @throws UpgradeRejectedException 429 {@code too_many_client_sessions} or 503
     *         {@code endpoint_at_capacity} when the cluster-wide count is full
     */
    public Ticket admitCluster(String client, Endpoint endpoint) {
        if (cluster == null) {
            return () -> { };
        }
        Map<String, Integer> counts = new LinkedHashMap<>();
        counts.put(CLIENT_KEY + client, limits.maxSessionsPerClient());
        int max = endpointLimit(endpoint);
        if (max > 0) {
            counts.put(ENDPOINT_KEY + endpoint.id(), max);
        }
        String holder = node + ":a" + holders.incrementAndGet();
        Optional<String> full = cluster.acquire(holder, counts);
        if (full.isPresent()) {
            if (full.get().startsWith(CLIENT_KEY)) {
                throw new UpgradeRejectedException(429, "too_many_client_sessions", "this address already has "
                        + limits.maxSessionsPerClient() + " open sessions across the cluster");
            }
            throw new UpgradeRejectedException(503, "endpoint_at_capacity", "endpoint " + endpoint.id()
                    + " is at its limit of " + max + " sessions across the cluster");
        }
        return once(() -> cluster.release(holder));
    }

    /** Cluster count keys: {@code client:<address>}, {@code endpoint:<id>}. */
    static final String CLIENT_KEY = "client:";
    static final String ENDPOINT_KEY = "endpoint:";

    private int endpointLimit(Endpoint endpoint) {
        return endpoint.maxConnections() > 0 ? endpoint.maxConnections() : limits.maxSessionsPerEndpoint();
    }

    /** Sessions (and pending upgrades) counted for {@code client} now; for tests and metrics. */
    int clientSessions(String client) {
        return perClient.getOrDefault(client, 0);
    }

    /** Client addresses and endpoints with a counter now; 0 when the relay is idle. */
    int trackedCounters() {
        return perClient.size() + perEndpoint.size();
    }

    private static boolean tryIncrement(ConcurrentMap<String, Integer> counts, String key, int max) {
        AtomicBoolean taken = new AtomicBoolean();
        counts.compute(key, (k, n) -> {
            int current = n == null ? 0 : n;
            if (current >= max) {
                return n;
            }
            taken.set(true);
            return current + 1;
        });
        return taken.get();
    }

    private static void decrement(ConcurrentMap<String, Integer> counts, String key) {
        // Removing the entry at zero is what keeps the map as small as the live sessions.
        counts.computeIfPresent(key, (k, n) -> n <= 1 ? null : n - 1);
    }

    private static Ticket once(Runnable release) {
        AtomicBoolean released = new AtomicBoolean();
        return () -> {
            if (released.compareAndSet(false, true)) {
                release.run();
            }
        };
    }
}
