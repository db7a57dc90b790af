package io.wsrelay.storage.sql;

import io.wsrelay.relay.RawClient;
import io.wsrelay.relay.RelayHarness;
import io.wsrelay.relay.spi.EndpointStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The SQL store remembers unknown ids for a short while, so a flood of upgrades for one bogus id
 * does not become one database query per upgrade; writes through the store forget at once.
 * Queries are counted by the database itself (H2's {@code QUERY_STATISTICS}).
 */
class SqlEndpointStoreNegativeCacheIT {
    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static final int UPGRADES = 3_000;
    private static final int CLIENTS = 8;

    private String url;
    private SqlEndpointStore store;
    private Connection counter;

    @BeforeEach
    void open() throws SQLException {
        url = "jdbc:h2:mem:negative-" + DATABASES.incrementAndGet()
                + ";DB_CLOSE_DELAY=-1;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;QUERY_STATISTICS=TRUE";
        SqlStoreConfig config = TestEndpoints.settings(Map.of("relay.store.jdbc-url", url,
                "relay.store.pool-size", "8", "relay.store.timeout", Timeouts.STORE.toMillis() + "ms"));
        new SqlEndpointStoreProvider().migrate(config);
        store = SqlEndpointStore.create(config);
        counter = DriverManager.getConnection(url);
    }

    @AfterEach
    void close() throws SQLException {
        counter.close();
        store.close();
    }

    /** Lookups of one id the database ran so far. */
    private long lookupsRun() throws SQLException {
        try (Statement s = counter.createStatement();
             ResultSet r = s.executeQuery("SELECT COALESCE(SUM(EXECUTION_COUNT), 0) FROM INFORMATION_SCHEMA.QUERY_STATISTICS"
                     + " WHERE LOWER(SQL_STATEMENT) LIKE '%from endpoint where%'"
                     + " AND SQL_STATEMENT NOT LIKE '%QUERY_STATISTICS%'")) { // not this query itself
            r.next();
            return r.getLong(1);
        }
    }

    @Test
    void aFloodOfUpgradesForOneUnknownIdCostsAFewQueriesNotOnePerUpgrade() throws Exception {
        long before = lookupsRun();
        long start = System.nanoTime();
        try (RelayHarness relay = RelayHarness.start(Map.of(), store);
             ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Integer>> refused = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                refused.add(clients.submit(() -> {
                    int notFound = 0;
                    for (int i = 0; i < UPGRADES / CLIENTS; i++) {
                        try (RawClient client = RawClient.connect(relay.relay.port())) {
                            if (client.upgrade("/ws-proxy/x?endpointId=no-such-endpoint", Map.of()).status() == 404) {
                                notFound++;
                            }
                        }
                    }
                    return notFound;
                }));
            }
            int notFound = 0;
            for (Future<Integer> f : refused) {
                notFound += f.get(io.wsrelay.relay.Timeouts.TRANSFER.toSeconds(), TimeUnit.SECONDS);
            }
            assertEquals(UPGRADES / CLIENTS * CLIENTS, notFound, "every upgrade answered 404");
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long queries = lookupsRun() - before;
        // At most one query per client per TTL period (clients that miss together all ask).
        long bound = CLIENTS * ((long) Math.ceil(seconds / SqlEndpointStore.NEGATIVE_TTL.toSeconds()) + 1);
        assertTrue(queries <= bound, UPGRADES + " upgrades in " + seconds + " s ran " + queries
                + " lookups; at most " + bound + " expected");
    }

    @Test
    void writesThroughTheStoreForgetThatAnIdWasUnknown() throws Exception {
        assertTrue(store.lookup("later").isEmpty());
        assertTrue(store.lookup("later").isEmpty());
        assertTrue(store.insert(TestEndpoints.bare("later")));
        assertTrue(store.lookup("later").isPresent(), "found at once after the insert");
        assertTrue(store.remove("later"));
        assertTrue(store.lookup("later").isEmpty());
        assertTrue(store.insert(TestEndpoints.bare("later")));
        assertTrue(store.setStatus("later", EndpointStatus.INACTIVE));
        assertEquals(EndpointStatus.INACTIVE, store.lookup("later").orElseThrow().status());
    }

    @Test
    void unknownIdsAreAnsweredFromTheCacheUntilTheTtlEnds() throws Exception {
        long before = lookupsRun();
        for (int i = 0; i < 100; i++) {
            assertTrue(store.lookup("bogus").isEmpty());
        }
        assertEquals(1, lookupsRun() - before);
    }

    @Test
    void manyDistinctUnknownIdsAreBoundedInMemory() {
        for (int i = 0; i < SqlEndpointStore.NEGATIVE_MAX_IDS * 2; i++) {
            store.lookup("bogus-" + i);
        }
        long cached = store.unknownIdsCached();
        assertTrue(cached <= SqlEndpointStore.NEGATIVE_MAX_IDS, cached + " unknown ids held");
    }
}
