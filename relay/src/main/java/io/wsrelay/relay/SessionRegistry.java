package io.wsrelay.relay;

import java.net.URI;
import java.time.Duration;
import java.util.List;
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
final class SessionRegistry {
    private final RelayConfig config;
    private final ScheduledExecutorService scheduler;
    private final Semaphore permits;
    private final RelayMetrics metrics;
    /** Open sessions, each with the meters of its endpoint label. */
    private final ConcurrentMap<RelaySession, RelayMetrics.EndpointMeters> open = new ConcurrentHashMap<>();
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
    int pumpThreads() {
        return pumpThreads.get();
    }

    /** The session holds its permit until it finishes. */
    void opened(RelaySession session) {
        open.put(session, metrics.sessionOpened(session.endpointId()));
        SessionLog.opened(session.id(), session.endpointId(), session.clientAddress(), session.upstreamHostPort());
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
        RelayMetrics.EndpointMeters meters = open.remove(session);
        if (meters != null) {
            permits.release();
            SessionSummary summary = session.summary();
            metrics.sessionClosed(meters, summary);
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
