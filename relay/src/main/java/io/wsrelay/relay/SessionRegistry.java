package io.wsrelay.relay;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The relay's live sessions and the permit count that bounds them
 * ({@code relay.limits.max-sessions}). A permit is taken before the upstream is contacted and
 * given back when the session finishes or its upgrade is refused. Thread-safe.
 */
final class SessionRegistry {
    private final RelayConfig config;
    private final ScheduledExecutorService scheduler;
    private final Semaphore permits;
    private final Set<RelaySession> open = ConcurrentHashMap.newKeySet();
    private final java.util.concurrent.atomic.AtomicInteger pumpThreads = new java.util.concurrent.atomic.AtomicInteger();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition emptied = lock.newCondition();

    SessionRegistry(RelayConfig config, ScheduledExecutorService scheduler) {
        this.config = config;
        this.scheduler = scheduler;
        this.permits = new Semaphore(config.limits().maxSessions());
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
        }, pumpThreads);
    }

    /** Pump threads alive now, counted from their start to the last line they run. */
    int pumpThreads() {
        return pumpThreads.get();
    }

    /** The session holds its permit until it finishes. */
    void opened(RelaySession session) {
        open.add(session);
    }

    /** Sessions between a successful upgrade and their finish. */
    int size() {
        return open.size();
    }

    /** Asks every session to close with {@code code}; returns at once. */
    void closeAll(int code, String reason) {
        for (RelaySession session : List.copyOf(open)) {
            session.close(code, reason);
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
        if (open.remove(session)) {
            permits.release();
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
