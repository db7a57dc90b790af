package io.wsrelay.relay.discovery;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.wsrelay.relay.LogText;
import io.wsrelay.relay.SessionTap;
import io.wsrelay.relay.spi.CaptureMode;
import io.wsrelay.relay.spi.DiscoveryStore;
import io.wsrelay.relay.spi.StoreException;
import io.wsrelay.relay.spi.StoreUnavailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * API discovery on one relay node: makes the taps of sessions whose endpoint has capture on,
 * takes what they hand over through one bounded queue ({@link DiscoveryLimits#queueCapacity()}
 * events; when it is full the event is dropped and counted, the pump never waits), aggregates it
 * on one thread ({@code discovery-aggregator}), and every {@link DiscoveryLimits#flushInterval()}
 * (thread {@code discovery-flusher}) and at {@link #close()} merges what it learnt into the shared
 * {@link DiscoveryStore}, if there is one; without one the node keeps its aggregates in memory only.
 * The periodic flush spends at most {@link DiscoveryLimits#flushBytesPerSecond()} bytes a second
 * on each endpoint's row: after writing a row of B bytes it leaves that endpoint until B / that
 * rate seconds have passed, its delta staying in memory (and in views) meanwhile.
 *
 * <p>Lifecycle: {@link #create} starts the threads; {@link #close()} stops them after a last drain
 * and flush. Thread-safe: pumps, handshakes, the admin API, the flusher and the aggregator call in
 * concurrently. Aggregates are guarded by one lock, held by the aggregator per event batch and by
 * the others only to take or put back a copy, never across a store call, so a slow or unreachable
 * store never holds up the aggregator. A store outage is logged once: a WARN when a call first
 * fails, an INFO when one succeeds again.
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
    /** How long {@link #close()} waits for each thread to end. */
    private static final long CLOSE_MILLIS = 5_000;
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
    private final Thread flusher;
    private final CountDownLatch stopFlushing = new CountDownLatch(1);
    /**
     * Taken by each store call: shared by views, exclusive for each endpoint's flush write and
     * for clears, so a view sees an endpoint's delta either still here or already in the store,
     * never both or neither. Never taken by the aggregator.
     */
    private final ReentrantReadWriteLock io = new ReentrantReadWriteLock(true);
    /** Store calls that found it unreachable. */
    private final AtomicLong storeFailures = new AtomicLong();
    private final String node = UUID.randomUUID().toString();
    /** The time, in nanoseconds of {@link #clock}. */
    private final LongSupplier clock;
    /**
     * Per endpoint whose last written row holds its next periodic flush back: the {@link #clock}
     * time before which that flush leaves it. Entries whose time has passed are removed by the
     * periodic flush, so it holds at most the endpoints written in the last hold.
     */
    private final Map<String, Long> heldUntil = new ConcurrentHashMap<>();

    private Discovery(DiscoveryLimits limits, DiscoveryStore store, LongSupplier clock) {
        this.limits = limits;
        this.store = store;
        this.clock = clock;
        this.queue = new ArrayBlockingQueue<>(limits.queueCapacity());
        this.budget = new SampleBudget(limits.samplesPerSecond());
        this.aggregator = new Aggregator(limits, node);
        this.thread = Thread.ofPlatform().name("discovery-aggregator").daemon(true).unstarted(this::run);
        this.flusher = Thread.ofPlatform().name("discovery-flusher").daemon(true).unstarted(this::flushEvery);
    }

    /**
     * Starts discovery on this node.
     *
     * @param store where every node merges what it learnt, or empty to keep it in memory only
     */
    public static Discovery create(DiscoveryLimits limits, Optional<DiscoveryStore> store) {
        return create(limits, store, System::nanoTime);
    }

    /** As {@link #create(DiscoveryLimits, Optional)}, the write budget measured with {@code clock} (nanoseconds). */
    static Discovery create(DiscoveryLimits limits, Optional<DiscoveryStore> store, LongSupplier clock) {
        Discovery d = new Discovery(Objects.requireNonNull(limits, "limits"), store.orElse(null),
                Objects.requireNonNull(clock, "clock"));
        d.thread.start();
        if (d.store != null) {
            d.flusher.start();
        }
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
        }
    }

    /**
     * The flusher thread: every flush interval (at least {@value #POLL_MILLIS} ms) until
     * {@link #close()}, a flush of the endpoints the write budget lets through ({@link #flushDue()}).
     */
    private void flushEvery() {
        long interval = Math.max(TimeUnit.MILLISECONDS.toNanos(POLL_MILLIS), limits.flushInterval().toNanos());
        try {
            while (!stopFlushing.await(interval, TimeUnit.NANOSECONDS)) {
                try {
                    flushDue();
                } catch (RuntimeException e) {
                    LOG.warn("discovery: a flush failed: {}", e.toString(), e);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
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
     * here; a no-op without a store. Blocks on the store, one transaction per endpoint, never
     * holding the aggregates' lock while it does: an endpoint's delta is taken out (a fresh one
     * goes on learning), written, and on failure merged back into the fresh one, so what was
     * learnt is neither lost nor counted twice. The store's first failure ends the flush: the
     * endpoints not yet written wait for the next one, so a flush waits for the store's timeout
     * once, not once per endpoint. Writes every endpoint, whatever the write budget
     * ({@link DiscoveryLimits#flushBytesPerSecond()}); each row written holds back that endpoint's
     * next periodic flush as the budget says. Safe to call from any thread.
     */
    public void flush() {
        flush(false);
    }

    /**
     * The periodic flush: as {@link #flush()}, but leaves each endpoint whose last written row of
     * B bytes was written less than B / {@link DiscoveryLimits#flushBytesPerSecond()} seconds ago;
     * its delta stays in memory for a later flush. A failed write holds nothing back.
     */
    void flushDue() {
        flush(true);
    }

    private void flush(boolean onlyDue) {
        if (store == null) {
            return;
        }
        if (onlyDue) {
            long now = clock.getAsLong();
            heldUntil.values().removeIf(until -> now - until >= 0);
        }
        List<String> ids;
        lock.lock();
        try {
            ids = List.copyOf(aggregator.deltas.keySet());
        } finally {
            lock.unlock();
        }
        for (String id : ids) {
            if (onlyDue && heldUntil.containsKey(id)) {
                continue;
            }
            if (!flush(id)) {
                return;
            }
        }
    }

    /** The nanoseconds a row of {@code bytes} takes of the write budget. */
    private long holdNanos(long bytes) {
        double nanos = bytes * 1e9 / limits.flushBytesPerSecond();
        return nanos >= Long.MAX_VALUE / 2 ? Long.MAX_VALUE / 2 : (long) Math.ceil(nanos);
    }

    /** The UTF-8 bytes of {@code s}, without encoding it. */
    static long utf8Length(String s) {
        long bytes = 0;
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                bytes++;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }

    /** Writes the delta of one endpoint; false if the store failed (the flush stops). */
    private boolean flush(String id) {
        long failures = storeFailures.get();
        io.writeLock().lock();
        try {
            if (storeFailures.get() != failures) {
                // The store failed another caller while this flush waited: try again next time.
                return false;
            }
            EndpointAggregate taken;
            lock.lock();
            try {
                taken = aggregator.deltas.get(id);
                if (taken == null) {
                    return true;
                }
                if (taken.isEmpty()) {
                    aggregator.forget(id);
                    return true;
                }
                // The kinds of the delta being written still count against the node's bound.
                aggregator.deltas.put(id, EndpointAggregate.of(id));
            } finally {
                lock.unlock();
            }
            taken.encode();
            String json = write(taken);
            // The size of the row the store took: its last call of the merge if it retried.
            AtomicLong rowBytes = new AtomicLong();
            try {
                call("flush", () -> {
                    store.merge(id, stored -> {
                        String row = write(merged(stored, json));
                        rowBytes.set(utf8Length(row));
                        return row;
                    });
                    return null;
                });
            } catch (RuntimeException e) {
                lock.lock();
                try {
                    putBack(id, taken);
                } finally {
                    lock.unlock();
                }
                if (e instanceof StoreException) {
                    return false;
                }
                // Not the store: the other endpoints are still written.
                LOG.warn("discovery: cannot flush endpoint {}, keeping what was learnt in memory: {}", id,
                        e.toString(), e);
                return true;
            }
            heldUntil.put(id, clock.getAsLong() + holdNanos(rowBytes.get()));
            lock.lock();
            try {
                aggregator.kinds -= taken.kindCount();
                EndpointAggregate fresh = aggregator.deltas.get(id);
                if (fresh != null && fresh.isEmpty()) {
                    aggregator.forget(id);
                }
            } finally {
                lock.unlock();
            }
            return true;
        } finally {
            io.writeLock().unlock();
        }
    }

    /** Merges what was learnt while {@code taken} was being written into it, and makes it the delta again. */
    private void putBack(String id, EndpointAggregate taken) {
        EndpointAggregate fresh = aggregator.deltas.get(id);
        int held = taken.kindCount() + (fresh == null ? 0 : fresh.kindCount());
        if (fresh != null) {
            fresh.encode();
            taken.merge(read(write(fresh)), limits, new int[]{Integer.MAX_VALUE});
        }
        aggregator.deltas.put(id, taken);
        aggregator.kinds += taken.kindCount() - held;
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
     * {@link DiscoveryLimits#flushInterval()} of learning shows after their next flush. Blocks on
     * one store read, and first for a flush of this node being written (one endpoint's
     * transaction); if that write finds the store unreachable, fails at once without asking it
     * again. Never holds the aggregates' lock while it waits.
     *
     * @return the aggregate, or empty if nothing was learnt of this endpoint
     * @throws StoreUnavailableException if the store cannot be reached
     * @throws StoreException            if the store cannot be read
     */
    Optional<EndpointAggregate> view(String endpointId) {
        String localJson = null;
        Optional<String> stored;
        long failures = storeFailures.get();
        io.readLock().lock();
        try {
            failFast(failures);
            lock.lock();
            try {
                EndpointAggregate local = aggregator.deltas.get(endpointId);
                if (local != null && !local.isEmpty()) {
                    local.encode();
                    localJson = write(local);
                }
            } finally {
                lock.unlock();
            }
            stored = store == null ? Optional.empty() : call("read", () -> store.load(endpointId));
        } finally {
            io.readLock().unlock();
        }
        if (stored.isEmpty() && localJson == null) {
            return Optional.empty();
        }
        EndpointAggregate view = stored.map(this::read).orElseGet(() -> EndpointAggregate.of(endpointId));
        if (localJson != null) {
            view.merge(read(localJson), limits, new int[]{Integer.MAX_VALUE});
        }
        return Optional.of(view);
    }

    /**
     * Forgets everything learnt of {@code endpointId}, in the shared store and then here: all or
     * nothing, so if the store fails this node keeps its data too. Other nodes' not yet flushed
     * learning reappears after their next flush. Blocks on one store delete (and first for a flush
     * being written, as {@link #view} does), never holding the aggregates' lock while it waits.
     *
     * @return whether there was anything to forget
     * @throws StoreUnavailableException if the store cannot be reached (nothing is forgotten)
     * @throws StoreException            if the store cannot be written (nothing is forgotten)
     */
    public boolean clear(String endpointId) {
        long failures = storeFailures.get();
        io.writeLock().lock();
        try {
            failFast(failures);
            boolean stored = store != null && call("delete", () -> store.clear(endpointId));
            // The row is gone: the next one starts small.
            heldUntil.remove(endpointId);
            lock.lock();
            try {
                EndpointAggregate local = aggregator.deltas.get(endpointId);
                boolean had = local != null && !local.isEmpty();
                aggregator.forget(endpointId);
                return had || stored;
            } finally {
                lock.unlock();
            }
        } finally {
            io.writeLock().unlock();
        }
    }

    /** Throws if the store was found unreachable since {@code failures} was read (while the caller waited). */
    private void failFast(long failures) {
        if (storeFailures.get() != failures && storeDown.get()) {
            throw new StoreUnavailableException("the discovery store did not answer a call just made");
        }
    }

    /**
     * Runs one store call, logging outages once each: a WARN when a call first fails, an INFO when
     * one succeeds again.
     */
    private <T> T call(String operation, Supplier<T> action) {
        T result;
        try {
            result = action.get();
        } catch (StoreException e) {
            if (e instanceof StoreUnavailableException) {
                storeFailures.incrementAndGet();
            }
            if (storeDown.compareAndSet(false, true)) {
                LOG.warn("discovery: the store fails ({} failed: {}); this node keeps what it learns in memory "
                        + "and the discovery admin API answers 503 until it answers again", operation,
                        LogText.safe(e.getMessage()));
            } else {
                LOG.debug("discovery: {} failed: {}", operation, LogText.safe(e.getMessage()));
            }
            throw e;
        }
        if (storeDown.compareAndSet(true, false)) {
            LOG.info("discovery: the store answers again");
        }
        return result;
    }

    /** Events dropped because the hand-off was full: whole sessions' records and samples. */
    public long droppedSessions() {
        return droppedSessions.get();
    }

    /** Samples waiting for the aggregator now (at most {@link DiscoveryLimits#queueCapacity()}). */
    public int queued() {
        return queue.size();
    }

    /** Endpoints with learning not yet in the store (0 without a store, whose data is never flushed). */
    private int unflushed() {
        if (store == null) {
            return 0;
        }
        lock.lock();
        try {
            return (int) aggregator.deltas.values().stream().filter(a -> !a.isEmpty()).count();
        } finally {
            lock.unlock();
        }
    }

    /** Callers waiting for another's store call to end (an estimate, for tests). */
    int waitingForTheStore() {
        return io.getQueueLength();
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
        stopFlushing.countDown();
        try {
            thread.join(CLOSE_MILLIS);
            if (flusher.isAlive()) {
                flusher.join(CLOSE_MILLIS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        flush();
        int unflushed = unflushed();
        if (unflushed > 0) {
            LOG.warn("discovery stopped; what was learnt of {} endpoint(s) since their last flush is lost "
                    + "(the store did not take it)", unflushed);
        }
        LOG.info("discovery stopped (session records dropped: {})", droppedSessions.get());
    }

    @Override
    public String toString() {
        return "Discovery{node=" + node + ", queued=" + queue.size() + ", store=" + store + "}";
    }
}
