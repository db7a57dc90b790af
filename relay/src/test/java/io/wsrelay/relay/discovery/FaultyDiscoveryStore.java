package io.wsrelay.relay.discovery;

import io.wsrelay.relay.spi.DiscoveryStore;
import io.wsrelay.relay.spi.StoreException;
import io.wsrelay.relay.spi.StoreUnavailableException;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

/**
 * A {@link DiscoveryStore} in memory that fails or blocks on demand: while {@link #down} is set
 * every call throws {@link StoreUnavailableException}, as a store whose database is gone does;
 * a {@link Gate} on an operation makes its next call wait until the test opens the gate, and then
 * either go on or fail. Counts its calls and records the size of each row written. Thread-safe.
 */
final class FaultyDiscoveryStore implements DiscoveryStore {
    /** The stored JSON per endpoint id. */
    final Map<String, String> rows = new ConcurrentHashMap<>();
    final AtomicInteger loads = new AtomicInteger();
    final AtomicInteger merges = new AtomicInteger();
    final AtomicInteger clears = new AtomicInteger();
    /** The size of each row written, in UTF-8 bytes, in the order written. */
    final List<Integer> written = new CopyOnWriteArrayList<>();
    /** Bound of the waits of this store, in seconds, so a wrong test ends instead of hanging. */
    private static final long WAIT_SECONDS = 30;
    private volatile boolean down;
    private final Map<String, Gate> gates = new ConcurrentHashMap<>();

    /** Holds the next call of one operation: {@link #entered} counts down when it arrives. */
    static final class Gate {
        final CountDownLatch entered = new CountDownLatch(1);
        private final CountDownLatch open = new CountDownLatch(1);
        private volatile boolean fail;

        /** Lets the held call go on to the store. */
        void pass() {
            open.countDown();
        }

        /** Lets the held call fail as an unreachable store does, writing nothing. */
        void fail() {
            fail = true;
            open.countDown();
        }

        void await() throws InterruptedException {
            if (!entered.await(WAIT_SECONDS, TimeUnit.SECONDS)) {
                throw new AssertionError("the call did not reach the store");
            }
        }
    }

    void down(boolean unreachable) {
        this.down = unreachable;
    }

    /** Holds the next call of {@code operation} ({@code load}, {@code merge} or {@code clear}). */
    Gate hold(String operation) {
        Gate g = new Gate();
        gates.put(operation, g);
        return g;
    }

    private void check(String operation) {
        Gate g = gates.remove(operation);
        if (g != null) {
            g.entered.countDown();
            try {
                if (!g.open.await(WAIT_SECONDS, TimeUnit.SECONDS)) {
                    throw new StoreUnavailableException("test gate never opened");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StoreUnavailableException("interrupted");
            }
            if (g.fail) {
                throw new StoreUnavailableException("test store: " + operation + " timed out");
            }
        }
        if (down) {
            throw new StoreUnavailableException("test store switched off");
        }
    }

    @Override
    public Optional<String> load(String endpointId) throws StoreException {
        loads.incrementAndGet();
        check("load");
        return Optional.ofNullable(rows.get(endpointId));
    }

    @Override
    public void merge(String endpointId, UnaryOperator<String> merge) throws StoreException {
        merges.incrementAndGet();
        check("merge");
        rows.compute(endpointId, (id, stored) -> {
            String row = merge.apply(stored);
            written.add(row.getBytes(StandardCharsets.UTF_8).length);
            return row;
        });
    }

    @Override
    public boolean clear(String endpointId) throws StoreException {
        clears.incrementAndGet();
        check("clear");
        return rows.remove(endpointId) != null;
    }
}
