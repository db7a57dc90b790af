package io.wsrelay.relay;

import io.wsrelay.relay.config.RelayConfig;
import io.wsrelay.relay.ops.RelayMetrics;
import java.net.URI;
import io.wsrelay.relay.spi.LiveSessionPolicy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The relay's live sessions and the permit count that bounds them
 * ({@code relay.limits.max-sessions}). A permit is taken before the upstream is contacted and
 * given back when the session finishes or its upgrade is refused. Each session's open and close
 * go to the {@link SessionLog} and the {@link RelayMetrics} from here. Thread-safe.
 */
public final class SessionRegistry {
    private final RelayConfig config;
    private final ScheduledExecutorService scheduler;
    private final Semaphore permits;
    private final RelayMetrics metrics;
    /** Open sessions, each with the meters of its endpoint label and what INACTIVE/removal does to it. */
    private final ConcurrentMap<RelaySession, Entry> open = new ConcurrentHashMap<>();

    /**
     * One open session as the registry holds it.
     *
     * @param session  the session
     * @param meters   its endpoint label's meters
     * @param policy   what its endpoint's INACTIVE status or removal does to it (the endpoint's
     *                 policy when it opened, or as last seen since)
     * @param openedAt when it was registered (its upgrade accepted)
     */
    record Entry(RelaySession session, RelayMetrics.EndpointMeters meters, LiveSessionPolicy policy, Instant openedAt) {
    }
    private final java.util.concurrent.atomic.AtomicInteger pumpThreads = new java.util.concurrent.atomic.AtomicInteger();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition emptied = lock.newCondition();

    SessionRegistry(RelayConfig config, ScheduledExecutorService scheduler, RelayMetrics metrics) {
        this.config = config;
        this.metrics = metrics;
        this.scheduler = scheduler;
        this.permits = new Semaphore(config.limits().maxSessions());
    }

    /** Payload bytes held in the hand-offs of every open session now. */
    long heldBytes() {
        return open.keySet().stream().mapToLong(RelaySession::heldBytes).sum();
    }

    int limit() {
        return config.limits().maxSessions();
    }

    /** Takes a session permit without waiting; false when the relay is full. */
    boolean tryAcquire() {
        return permits.tryAcquire();
    }

    /** Gives back a permit whose upgrade did not become a session. */
    void release() {
        permits.release();
    }

    /**
     * A session not yet counted as open; {@code release} runs once it finishes (after it was
     * {@link #opened}), to give back what the handshake took besides the permit.
     */
    RelaySession newSession(long id, String endpointId, String client, URI upstreamUri, Runnable release) {
        return new RelaySession(id, endpointId, client, upstreamUri, config, scheduler, session -> {
            try {
                finished(session);
            } finally {
                release.run();
            }
        }, pumpThreads, metrics);
    }

    /** Pump threads alive now, counted from their start to the last line they run. */
    public int pumpThreads() {
        return pumpThreads.get();
    }

    /** The session holds its permit until it finishes; {@code policy} is its endpoint's {@link LiveSessionPolicy}. */
    void opened(RelaySession session, LiveSessionPolicy policy) {
        open.put(session, new Entry(session, metrics.sessionOpened(session.endpointId()), policy, Instant.now()));
        SessionLog.opened(session.id(), session.endpointId(), session.clientAddress(), session.upstreamHostPort());
    }

    /** The open sessions now, in no particular order; an empty list when there are none. */
    List<Entry> entries() {
        return List.copyOf(open.values());
    }

    /** The open sessions of endpoint {@code endpointId} now; empty when it has none. */
    List<Entry> entries(String endpointId) {
        return open.values().stream().filter(e -> e.session().endpointId().equals(endpointId)).toList();
    }

    /** The open session numbered {@code id}, if any. */
    Optional<Entry> entry(long id) {
        return open.values().stream().filter(e -> e.session().id() == id).findFirst();
    }

    /** Records that endpoint {@code endpointId}'s sessions now follow {@code policy}. */
    void policyChanged(String endpointId, LiveSessionPolicy policy) {
        for (Entry e : entries(endpointId)) {
            open.computeIfPresent(e.session(), (s, old) -> new Entry(s, old.meters(), policy, old.openedAt()));
        }
    }

    /** Sessions between a successful upgrade and their finish. */
    int size() {
        return open.size();
    }

    /** Asks every session to close, the client's side with {@code clientCode}, the upstream with {@code upstreamCode}; returns at once. */
    void closeAll(int clientCode, int upstreamCode, String reason) {
        for (RelaySession session : List.copyOf(open.keySet())) {
            session.close(clientCode, upstreamCode, reason);
        }
    }

    /**
     * Waits until every session has finished.
     *
     * @return false if some were still open after {@code timeout}
     * @throws InterruptedException if the calling thread is interrupted
     */
    boolean awaitEmpty(Duration timeout) throws InterruptedException {
        long nanos = timeout.toNanos();
        lock.lock();
        try {
            while (!open.isEmpty()) {
                if (nanos <= 0) {
                    return false;
                }
                nanos = emptied.awaitNanos(nanos);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    private void finished(RelaySession session) {
        Entry entry = open.remove(session);
        if (entry != null) {
            permits.release();
            SessionSummary summary = session.summary();
            metrics.sessionClosed(entry.meters(), summary);
            SessionLog.closed(summary);
        }
        lock.lock();
        try {
            if (open.isEmpty()) {
                emptied.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }
}
