package io.wsrelay.relay.discovery;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.wsrelay.relay.SessionTap;
import io.wsrelay.relay.spi.CaptureMode;
import io.wsrelay.relay.spi.DiscoveryStore;
import io.wsrelay.relay.spi.StoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * API discovery on one relay node: makes the taps of sessions whose endpoint has capture on,
 * takes what they hand over through one bounded queue ({@link DiscoveryLimits#queueCapacity()}
 * events; when it is full the event is dropped and counted, the pump never waits), aggregates it
 * on one thread ({@code discovery-aggregator}), and every {@link DiscoveryLimits#flushInterval()}
 * and at {@link #close()} merges what it learnt into the shared {@link DiscoveryStore}, if there is
 * one; without one the node keeps its aggregates in memory only.
 *
 * <p>Lifecycle: {@link #create} starts the aggregator thread; {@link #close()} stops it after a
 * last drain and flush. Thread-safe: pumps, handshakes, the admin API and the aggregator call in
 * concurrently; aggregates are guarded by one lock, held by the aggregator per event and per flush
 * and by readers per snapshot.
 */
public final class Discovery implements SessionTap.Factory, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Discovery.class);
    /** How long the aggregator waits for a sample before it looks at the session events and the flush time. */
    private static final long POLL_MILLIS = 50;
    /**
     * Session starts and ends waiting for the aggregator. Separate from the samples, so that a
     * sample flood cannot push them out: there is one per session end (bounded by the session
     * limit's churn), and a full queue still drops and counts rather than block a pump.
     */
    private static final int SESSION_EVENTS = 4096;
    /** Events the aggregator takes at once. */
    private static final int BATCH = 256;

    private final DiscoveryLimits limits;
    private final DiscoveryStore store;
    private final BlockingQueue<Event> queue;
    private final BlockingQueue<Event> sessionEvents = new ArrayBlockingQueue<>(SESSION_EVENTS);
    private final SampleBudget budget;
    private final Aggregator aggregator;
    private final ReentrantLock lock = new ReentrantLock();
    private final AtomicLong droppedSessions = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean storeDown = new AtomicBoolean();
    private final Thread thread;
    private final String node = UUID.randomUUID().toString();

    private Discovery(DiscoveryLimits limits, DiscoveryStore store) {
        this.limits = limits;
        this.store = store;
        this.queue = new ArrayBlockingQueue<>(limits.queueCapacity());
        this.budget = new SampleBudget(limits.samplesPerSecond());
        this.aggregator = new Aggregator(limits, node);
        this.thread = Thread.ofPlatform().name("discovery-aggregator").daemon(true).unstarted(this::run);
    }

    /**
     * Starts discovery on this node.
     *
     * @param store where every node merges what it learnt, or empty to keep it in memory only
     */
    public static Discovery create(DiscoveryLimits limits, Optional<DiscoveryStore> store) {
        Discovery d = new Discovery(Objects.requireNonNull(limits, "limits"), store.orElse(null));
        d.thread.start();
        return d;
    }

    DiscoveryLimits limits() {
        return limits;
    }

    SampleBudget budget() {
        return budget;
    }

    /** A random id of this node (this process), shown in the HAR export's entries. */
    public String node() {
        return node;
    }

    @Override
    public SessionTap open(SessionTap.Opening opening) {
        CaptureMode mode = opening.endpoint().capture();
        if (!mode.isOn() || closed.get()) {
            return null;
        }
        return new CaptureTap(opening, this, mode == CaptureMode.SAMPLES);
    }

    @Override
    public void refused(SessionTap.Opening opening) {
        if (opening.endpoint().capture().isOn() && !closed.get() && !sessionEvents.offer(new Event.Refused(opening,
                System.currentTimeMillis()))) {
            droppedSessions.incrementAndGet();
        }
    }

    /** Hands a sample over without waiting; false (the caller counts it) when the hand-off is full. */
    boolean offer(Event.Sample sample) {
        return queue.offer(sample);
    }

    void ended(Event.Ended ended) {
        if (!sessionEvents.offer(ended)) {
            droppedSessions.incrementAndGet();
        }
    }

    private void run() {
        long nextFlush = System.nanoTime() + limits.flushInterval().toNanos();
        List<Event> ends = new ArrayList<>();
        List<Event> batch = new ArrayList<>();
        while (!closed.get() || !queue.isEmpty() || !sessionEvents.isEmpty()) {
            try {
                // A session's samples were queued before its end: take the ends first, then
                // every sample queued so far, and apply the samples before the ends.
                sessionEvents.drainTo(ends, BATCH);
                Event first = ends.isEmpty() ? queue.poll(POLL_MILLIS, TimeUnit.MILLISECONDS) : queue.poll();
                if (first != null) {
                    batch.add(first);
                    queue.drainTo(batch, BATCH - 1);
                }
                batch.addAll(ends);
                if (!batch.isEmpty()) {
                    apply(batch);
                }
            } catch (InterruptedException e) {
                break;
            } catch (RuntimeException e) {
                // One malformed event must not end discovery for the node.
                LOG.warn("discovery: an event could not be aggregated: {}", e.toString(), e);
            } finally {
                batch.clear();
                ends.clear();
            }
            if (System.nanoTime() - nextFlush >= 0) {
                flush();
                nextFlush = System.nanoTime() + limits.flushInterval().toNanos();
            }
        }
    }

    private void apply(List<Event> batch) {
        lock.lock();
        try {
            for (Event e : batch) {
                aggregator.apply(e);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Merges what this node learnt since its last flush into the shared store and forgets it
     * here; a no-op without a store. Blocks on the store (one transaction per endpoint). If the
     * store fails, what was not flushed stays in memory (still bounded) for the next flush.
     */
    public void flush() {
        if (store == null) {
            return;
        }
        lock.lock();
        try {
            for (String id : List.copyOf(aggregator.deltas.keySet())) {
                EndpointAggregate delta = aggregator.deltas.get(id);
                delta.encode();
                String json = write(delta);
                store.merge(id, stored -> write(merged(stored, json)));
                aggregator.forget(id);
            }
            if (storeDown.compareAndSet(true, false)) {
                LOG.info("discovery: the store answers again; flushed");
            }
        } catch (StoreException e) {
            if (storeDown.compareAndSet(false, true)) {
                LOG.warn("discovery: cannot flush to the store, keeping what was learnt in memory: {}", e.getMessage());
            }
        } finally {
            lock.unlock();
        }
    }

    private EndpointAggregate merged(String stored, String delta) {
        EndpointAggregate base = null;
        if (stored != null) {
            try {
                base = read(stored);
            } catch (StoreException e) {
                // A row of an unknown format would block every later flush: this node's learning replaces it.
                LOG.warn("discovery: the stored data of an endpoint is unreadable and is replaced: {}", e.getMessage());
            }
        }
        EndpointAggregate d = read(delta);
        if (base == null) {
            return d;
        }
        base.merge(d, limits, new int[]{Integer.MAX_VALUE});
        base.encode();
        return base;
    }

    /**
     * What every node has learnt of {@code endpointId}: the shared store's aggregate (all nodes'
     * flushes) merged with what this node has not flushed yet. Other nodes' last
     * {@link DiscoveryLimits#flushInterval()} of learning shows after their next flush.
     *
     * @return the aggregate, or empty if nothing was learnt of this endpoint
     * @throws StoreException if the store cannot be read
     */
    Optional<EndpointAggregate> view(String endpointId) {
        lock.lock();
        try {
            EndpointAggregate local = aggregator.deltas.get(endpointId);
            String localJson = null;
            if (local != null) {
                local.encode();
                localJson = write(local);
            }
            Optional<String> stored = store == null ? Optional.empty() : store.load(endpointId);
            if (stored.isEmpty() && localJson == null) {
                return Optional.empty();
            }
            EndpointAggregate view = stored.map(this::read).orElseGet(() -> EndpointAggregate.of(endpointId));
            if (localJson != null) {
                view.merge(read(localJson), limits, new int[]{Integer.MAX_VALUE});
            }
            return Optional.of(view);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Forgets everything learnt of {@code endpointId}, here and in the shared store. Other nodes'
     * not yet flushed learning reappears after their next flush.
     *
     * @return whether there was anything to forget
     * @throws StoreException if the store cannot be written
     */
    public boolean clear(String endpointId) {
        lock.lock();
        try {
            boolean local = aggregator.deltas.containsKey(endpointId);
            aggregator.forget(endpointId);
            boolean stored = store != null && store.clear(endpointId);
            return local || stored;
        } finally {
            lock.unlock();
        }
    }

    /** Events dropped because the hand-off was full: whole sessions' records and samples. */
    public long droppedSessions() {
        return droppedSessions.get();
    }

    /** Samples waiting for the aggregator now (at most {@link DiscoveryLimits#queueCapacity()}). */
    public int queued() {
        return queue.size();
    }

    /** Events of endpoints past {@link DiscoveryLimits#maxEndpoints()}, not recorded. */
    long endpointsDropped() {
        lock.lock();
        try {
            return aggregator.endpointsDropped;
        } finally {
            lock.unlock();
        }
    }

    /** Kinds this node holds in memory now, over all endpoints (at most {@link DiscoveryLimits#maxKindsPerNode()}). */
    public int kindsInMemory() {
        lock.lock();
        try {
            return aggregator.kinds;
        } finally {
            lock.unlock();
        }
    }

    EndpointAggregate read(String json) {
        try {
            return Aggregator.JSON.readValue(json, EndpointAggregate.class);
        } catch (JsonProcessingException e) {
            throw new StoreException("discovery data is not readable (" + e.getOriginalMessage() + ")", e);
        }
    }

    static String write(EndpointAggregate a) {
        try {
            return Aggregator.JSON.writeValueAsString(a);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("discovery aggregates always serialize", e);
        }
    }

    /** Stops taking new sessions, aggregates what is queued, flushes, and stops the aggregator thread. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            thread.join(limits.flushInterval().toMillis() + 5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        flush();
        LOG.info("discovery stopped (session records dropped: {})", droppedSessions.get());
    }

    @Override
    public String toString() {
        return "Discovery{node=" + node + ", queued=" + queue.size() + ", store=" + store + "}";
    }
}
