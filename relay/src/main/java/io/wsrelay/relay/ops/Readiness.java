package io.wsrelay.relay.ops;

import io.wsrelay.relay.spi.StoreException;

import java.util.Objects;

/**
 * Whether the relay should get new sessions: its endpoint store answers and it is not draining
 * for shutdown. {@code GET /readyz} reports it; once draining has begun the upgrade handler
 * refuses every new upgrade with 503.
 *
 * <p>Draining only ever starts, never stops. Thread-safe.
 */
public final class Readiness {
    /** Checks the store; returns normally when it answers. */
    @FunctionalInterface
    public interface StoreCheck {
        /**
         * Blocks up to the store's own timeout.
         *
         * @throws StoreException if the store does not answer
         */
        void ping() throws StoreException;
    }

    /**
     * The outcome of one check.
     *
     * @param store      {@code up}, {@code down}, or {@code not_checked} (while draining)
     * @param storeError why the store is down; empty otherwise
     * @param draining   whether the relay is draining for shutdown
     */
    public record Status(String store, String storeError, boolean draining) {
        /** Ready for new sessions: store up and not draining. */
        public boolean isReady() {
            return "up".equals(store) && !draining;
        }
    }

    private final StoreCheck store;
    private volatile boolean draining;

    private Readiness(StoreCheck store) {
        this.store = Objects.requireNonNull(store, "store");
    }

    /** Readiness that pings {@code store}, e.g. {@code Readiness.create(endpointStore::ping)}. */
    public static Readiness create(StoreCheck store) {
        return new Readiness(store);
    }

    /** Readiness with no store to check (a relay over a lookup that cannot be pinged). */
    public static Readiness withoutStore() {
        return new Readiness(() -> { });
    }

    /** New upgrades are refused with 503 from now on, and readiness is false. Idempotent. */
    public void startDraining() {
        draining = true;
    }

    /** Whether the relay is draining for shutdown. */
    public boolean isDraining() {
        return draining;
    }

    /**
     * Checks readiness now. While draining it answers at once; otherwise it pings the store,
     * blocking up to the store's timeout ({@code relay.store.timeout}).
     */
    public Status check() {
        if (draining) {
            return new Status("not_checked", "", true);
        }
        try {
            store.ping();
            return new Status("up", "", false);
        } catch (StoreException e) {
            return new Status("down", e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage(), false);
        }
    }
}
