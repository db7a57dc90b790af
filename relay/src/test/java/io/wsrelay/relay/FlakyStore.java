package io.wsrelay.relay;

import io.wsrelay.relay.spi.CacheStatistics;
import io.wsrelay.relay.spi.Endpoint;
import io.wsrelay.relay.spi.EndpointStatus;
import io.wsrelay.relay.spi.EndpointStore;
import io.wsrelay.relay.spi.StoreUnavailableException;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An {@link EndpointStore} in front of another that can be switched unreachable: while
 * {@link #down} is set every call throws {@link StoreUnavailableException}, as a store whose
 * database is gone does. It also reports made-up cache counts ({@link CacheStatistics}) that a
 * test sets, one layer named {@code test}. Thread-safe.
 */
public final class FlakyStore implements EndpointStore, CacheStatistics {
    private final EndpointStore delegate;
    private volatile boolean down;
    /** The counts {@link #hits} and {@link #misses} report for layer {@code test}. */
    public final AtomicLong hits = new AtomicLong();
    public final AtomicLong misses = new AtomicLong();

    public FlakyStore(EndpointStore delegate) {
        this.delegate = delegate;
    }

    /** Makes every call fail (true) or pass through (false). */
    public void down(boolean unreachable) {
        this.down = unreachable;
    }

    private void check() {
        if (down) {
            throw new StoreUnavailableException("test store switched off");
        }
    }

    @Override
    public Optional<Endpoint> lookup(String id) {
        check();
        return delegate.lookup(id);
    }

    @Override
    public boolean insert(Endpoint endpoint) {
        check();
        return delegate.insert(endpoint);
    }

    @Override
    public boolean update(Endpoint endpoint) {
        check();
        return delegate.update(endpoint);
    }

    @Override
    public boolean setStatus(String id, EndpointStatus status) {
        check();
        return delegate.setStatus(id, status);
    }

    @Override
    public boolean remove(String id) {
        check();
        return delegate.remove(id);
    }

    @Override
    public List<Endpoint> list() {
        check();
        return delegate.list();
    }

    @Override
    public void ping() {
        check();
    }

    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public List<String> cacheLayers() {
        return List.of("test");
    }

    @Override
    public long hits(String layer) {
        return hits.get();
    }

    @Override
    public long misses(String layer) {
        return misses.get();
    }
}
