package io.wsrelay.storage.sql;

import io.wsrelay.relay.spi.DiscoveryStore;
import io.wsrelay.relay.spi.StoreException;
import org.jooq.DSLContext;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DSL;

import java.util.Objects;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

import static io.wsrelay.storage.sql.db.Tables.DISCOVERY_AGGREGATE;

/**
 * API discovery's documents in the table {@code discovery_aggregate} (migration V5), one row per
 * endpoint shared by every relay node. A merge reads the row {@code FOR UPDATE} and writes it back
 * in one transaction, so concurrent merges from several nodes queue on the row lock instead of
 * losing updates. Thread-safe; shares the endpoint store's pool and timeouts.
 */
final class SqlDiscoveryStore implements DiscoveryStore {
    /** SQLSTATE of a unique key violation, the same on PostgreSQL and H2. */
    private static final String UNIQUE_VIOLATION = "23505";
    /** Two nodes creating the first row at once: the loser retries once, and then finds the row. */
    private static final int ATTEMPTS = 2;

    private final DSLContext db;
    private final BooleanSupplier closed;

    SqlDiscoveryStore(DSLContext db, BooleanSupplier closed) {
        this.db = db;
        this.closed = closed;
    }

    @Override
    public Optional<String> load(String endpointId) throws StoreException {
        Objects.requireNonNull(endpointId, "endpointId");
        return call("discovery load", () -> db.select(DISCOVERY_AGGREGATE.STATE).from(DISCOVERY_AGGREGATE)
                .where(DISCOVERY_AGGREGATE.ENDPOINT_ID.eq(endpointId))
                .fetchOptional(DISCOVERY_AGGREGATE.STATE));
    }

    @Override
    public void merge(String endpointId, UnaryOperator<String> merge) throws StoreException {
        Objects.requireNonNull(endpointId, "endpointId");
        Objects.requireNonNull(merge, "merge");
        for (int attempt = 1; ; attempt++) {
            try {
                call("discovery merge", () -> {
                    db.transaction(tx -> {
                        DSLContext t = DSL.using(tx);
                        Optional<String> stored = t.select(DISCOVERY_AGGREGATE.STATE).from(DISCOVERY_AGGREGATE)
                                .where(DISCOVERY_AGGREGATE.ENDPOINT_ID.eq(endpointId))
                                .forUpdate()
                                .fetchOptional(DISCOVERY_AGGREGATE.STATE);
                        String next = merge.apply(stored.orElse(null));
                        if (stored.isPresent()) {
                            t.update(DISCOVERY_AGGREGATE)
                                    .set(DISCOVERY_AGGREGATE.STATE, next)
                                    .set(DISCOVERY_AGGREGATE.FLUSHES, DISCOVERY_AGGREGATE.FLUSHES.plus(1))
                                    .set(DISCOVERY_AGGREGATE.UPDATED_AT, DSL.currentOffsetDateTime())
                                    .where(DISCOVERY_AGGREGATE.ENDPOINT_ID.eq(endpointId))
                                    .execute();
                        } else {
                            t.insertInto(DISCOVERY_AGGREGATE)
                                    .set(DISCOVERY_AGGREGATE.ENDPOINT_ID, endpointId)
                                    .set(DISCOVERY_AGGREGATE.STATE, next)
                                    .set(DISCOVERY_AGGREGATE.FLUSHES, 1L)
                                    .execute();
                        }
                    });
                    return null;
                });
                return;
            } catch (StoreException e) {
                if (attempt >= ATTEMPTS || !(e.getCause() instanceof DataAccessException d)
                        || !UNIQUE_VIOLATION.equals(d.sqlState())) {
                    throw e;
                }
            }
        }
    }

    @Override
    public boolean clear(String endpointId) throws StoreException {
        Objects.requireNonNull(endpointId, "endpointId");
        return call("discovery clear", () -> db.deleteFrom(DISCOVERY_AGGREGATE)
                .where(DISCOVERY_AGGREGATE.ENDPOINT_ID.eq(endpointId)).execute() == 1);
    }

    private <T> T call(String operation, Supplier<T> action) {
        if (closed.getAsBoolean()) {
            throw new io.wsrelay.relay.spi.StoreUnavailableException(operation + " failed: the store is closed");
        }
        try {
            return action.get();
        } catch (DataAccessException e) {
            throw StoreFailures.map(operation, e);
        }
    }

    @Override
    public String toString() {
        return "SqlDiscoveryStore{table=discovery_aggregate}";
    }
}
