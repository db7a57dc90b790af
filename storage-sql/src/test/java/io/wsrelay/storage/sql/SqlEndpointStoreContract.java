package io.wsrelay.storage.sql;

import io.wsrelay.relay.spi.Endpoint;
import io.wsrelay.relay.spi.EndpointStatus;
import io.wsrelay.relay.spi.EndpointStore;
import io.wsrelay.relay.spi.StoreException;
import io.wsrelay.relay.spi.StoreUnavailableException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static io.wsrelay.storage.sql.TestEndpoints.CREATED;
import static io.wsrelay.storage.sql.TestEndpoints.UPDATED;
import static io.wsrelay.storage.sql.TestEndpoints.bare;
import static io.wsrelay.storage.sql.TestEndpoints.full;
import static io.wsrelay.storage.sql.TestEndpoints.withMigrateOnStart;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every behaviour of the SQL store, run against each database by a subclass that says how to get
 * a fresh, empty one. The store is tested through {@link EndpointStore} only.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class SqlEndpointStoreContract {

    private static final int CONCURRENT_LOOKUPS = 200;

    private final SqlEndpointStoreProvider provider = new SqlEndpointStoreProvider();
    private EndpointStore store;

    /**
     * Settings of a new, empty database (nothing migrated) that no other test uses, with
     * {@code migrateOnStart} on and {@link Timeouts#STORE}.
     */
    abstract SqlStoreConfig freshDatabase();

    /** Drops what {@link #freshDatabase()} created; runs after the class's store is closed. */
    abstract void dropDatabases();

    @BeforeAll
    void openStore() {
        store = provider.create(freshDatabase());
    }

    @AfterAll
    void closeStore() {
        if (store != null) {
            store.close();
        }
        dropDatabases();
    }

    @BeforeEach
    void removeEveryEndpoint() {
        for (Endpoint endpoint : store.list()) {
            store.remove(endpoint.id());
        }
    }

    @Test
    void lookupReturnsEmptyForUnknownId() {
        assertEquals(Optional.empty(), store.lookup("nobody"));
    }

    @Test
    void lookupReturnsEmptyForIdLongerThanAnyStoredOne() {
        assertEquals(Optional.empty(), store.lookup("x".repeat(Endpoint.MAX_ID_LENGTH + 1)));
    }

    @Test
    void insertedEndpointRoundTripsEveryField() {
        assertTrue(store.insert(full("e1")));
        assertEquals(Optional.of(full("e1")), store.lookup("e1"));
    }

    @Test
    void insertedEndpointWithoutSettingsRoundTrips() {
        assertTrue(store.insert(bare("e1")));
        assertEquals(Optional.of(bare("e1")), store.lookup("e1"));
    }

    @Test
    void insertReturnsFalseForDuplicateIdAndKeepsTheFirst() {
        assertTrue(store.insert(bare("e1")));
        assertFalse(store.insert(full("e1")));
        assertEquals(Optional.of(bare("e1")), store.lookup("e1"));
    }

    @Test
    void insertOfSettingsTooLongForTheirColumnThrowsStoreException() {
        Endpoint tooLong = new Endpoint("e1", "ws://h", EndpointStatus.ACTIVE, List.of(), List.of(), 0,
                Map.of("X-Api-Key", "s".repeat(9000)), CREATED, UPDATED);
        assertThrows(StoreException.class, () -> store.insert(tooLong));
        assertEquals(Optional.empty(), store.lookup("e1"));
    }

    @Test
    void updateReplacesSettingsKeepsCreatedAtAndSetsUpdatedAt() {
        store.insert(bare("e1"));
        Endpoint changed = new Endpoint("e1", "wss://other.example.com", EndpointStatus.INACTIVE,
                List.of("h1"), List.of("https://o1"), 3, Map.of("Authorization", "Bearer t"), Endpoint.ORIGIN_NONE,
                TestEndpoints.CA_PEM, Instant.parse("2030-01-01T00:00:00Z"), Instant.parse("2030-01-01T00:00:00Z"));
        Instant before = Instant.now().minusSeconds(60);

        assertTrue(store.update(changed));

        Endpoint read = store.lookup("e1").orElseThrow();
        assertAll(
                () -> assertEquals(changed.destinationUrl(), read.destinationUrl()),
                () -> assertEquals(changed.status(), read.status()),
                () -> assertEquals(changed.allowedHosts(), read.allowedHosts()),
                () -> assertEquals(changed.allowedOrigins(), read.allowedOrigins()),
                () -> assertEquals(changed.maxConnections(), read.maxConnections()),
                () -> assertEquals(changed.upstreamHeaders(), read.upstreamHeaders()),
                () -> assertEquals(changed.upstreamOrigin(), read.upstreamOrigin()),
                () -> assertEquals(changed.trustedCa(), read.trustedCa()),
                () -> assertEquals(CREATED, read.createdAt()),
                () -> assertTrue(read.updatedAt().isAfter(before), () -> "updatedAt " + read.updatedAt()));
    }

    @Test
    void updateClearsSettingsSetToEmpty() {
        store.insert(full("e1"));
        assertTrue(store.update(bare("e1")));
        Endpoint read = store.lookup("e1").orElseThrow();
        assertEquals(bare("e1"), new Endpoint(read.id(), read.destinationUrl(), read.status(), read.allowedHosts(),
                read.allowedOrigins(), read.maxConnections(), read.upstreamHeaders(), read.upstreamOrigin(), read.trustedCa(),
                CREATED, UPDATED));
    }

    @Test
    void updateReturnsFalseForUnknownId() {
        assertFalse(store.update(bare("nobody")));
        assertEquals(Optional.empty(), store.lookup("nobody"));
    }

    @Test
    void setStatusChangesTheStatusAndUpdatedAtOnly() {
        store.insert(full("e1"));
        assertTrue(store.setStatus("e1", EndpointStatus.ACTIVE));
        Endpoint read = store.lookup("e1").orElseThrow();
        Endpoint e = full("e1");
        assertAll(
                () -> assertEquals(new Endpoint(e.id(), e.destinationUrl(), EndpointStatus.ACTIVE, e.allowedHosts(),
                        e.allowedOrigins(), e.maxConnections(), e.upstreamHeaders(), e.upstreamOrigin(), e.trustedCa(),
                        e.createdAt(), read.updatedAt()),
                        read),
                () -> assertTrue(read.updatedAt().isAfter(UPDATED), () -> "updatedAt " + read.updatedAt()));
    }

    @Test
    void setStatusReturnsFalseForUnknownId() {
        assertFalse(store.setStatus("nobody", EndpointStatus.INACTIVE));
    }

    @Test
    void removeDeletesTheEndpoint() {
        store.insert(bare("e1"));
        assertTrue(store.remove("e1"));
        assertEquals(Optional.empty(), store.lookup("e1"));
    }

    @Test
    void removeReturnsFalseForUnknownId() {
        assertFalse(store.remove("nobody"));
    }

    @Test
    void listReturnsEveryEndpointOrderedById() {
        for (String id : List.of("e3", "e1", "e10", "e2")) {
            store.insert(bare(id));
        }
        assertEquals(List.of("e1", "e10", "e2", "e3"), store.list().stream().map(Endpoint::id).toList());
    }

    @Test
    void listIsEmptyWhenNoEndpointIsRegistered() {
        assertEquals(List.of(), store.list());
    }

    @Test
    void pingSucceedsOnAReachableDatabase() {
        assertDoesNotThrow(store::ping);
    }

    @Test
    void concurrentLookupsFromVirtualThreadsAllSucceed() throws Exception {
        store.insert(full("e1"));
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Optional<Endpoint>>> results = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < CONCURRENT_LOOKUPS; i++) {
                results.add(threads.submit(() -> {
                    start.await();
                    return store.lookup("e1");
                }));
            }
            start.countDown();
            for (Future<Optional<Endpoint>> result : results) {
                assertEquals(Optional.of(full("e1")), result.get(Timeouts.CONCURRENT.toMillis(), TimeUnit.MILLISECONDS));
            }
        }
    }

    @Test
    void migrateAppliesTheSchemaOnceThenNothing() {
        SqlStoreConfig fresh = freshDatabase();
        assertEquals(4, provider.migrate(fresh)); // V1, V2, V4 and V5
        assertEquals(0, provider.migrate(fresh));
    }

    @Test
    void storeOpenedWithMigrateOnStartOnAFreshDatabaseIsUsable() {
        try (EndpointStore opened = provider.create(freshDatabase())) {
            assertTrue(opened.insert(bare("e1")));
            assertEquals(Optional.of(bare("e1")), opened.lookup("e1"));
        }
    }

    @Test
    void lookupOnAnUnmigratedDatabaseThrowsStoreExceptionNotUnavailable() {
        try (EndpointStore unmigrated = provider.create(withMigrateOnStart(freshDatabase(), false))) {
            StoreException e = assertThrows(StoreException.class, () -> unmigrated.lookup("e1"));
            assertFalse(e instanceof StoreUnavailableException, () -> "unexpected: " + e);
            assertInstanceOf(org.jooq.exception.DataAccessException.class, e.getCause());
        }
    }

    @Test
    void closedStoreIsUnavailableAndClosesAgainQuietly() {
        EndpointStore second = SqlEndpointStore.create(freshDatabase());
        second.close();
        second.close();
        assertThrows(StoreUnavailableException.class, () -> second.lookup("e1"));
    }
}
