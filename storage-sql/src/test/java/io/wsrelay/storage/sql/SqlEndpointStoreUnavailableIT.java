package io.wsrelay.storage.sql;

import io.wsrelay.relay.spi.EndpointStore;
import io.wsrelay.relay.spi.StoreUnavailableException;
import org.h2.tools.Server;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.SQLException;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/** A database that is not there, or goes away, is {@link StoreUnavailableException}, fast. */
class SqlEndpointStoreUnavailableIT {

    /** Nothing listens on port 1 of the loopback address: connections are refused at once. */
    private static final String CLOSED_PORT_URL = "jdbc:postgresql://127.0.0.1:1/test";

    private final SqlEndpointStoreProvider provider = new SqlEndpointStoreProvider();

    private static SqlStoreConfig store(String jdbcUrl, boolean migrateOnStart) {
        return new SqlStoreConfig(jdbcUrl, "postgres", "", 2, Timeouts.SHORT_STORE, migrateOnStart);
    }

    @Test
    void openingAStoreOnAClosedPortThrowsStoreUnavailableWithinTheBound() {
        StoreUnavailableException e = assertTimeoutPreemptively(Timeouts.UNAVAILABLE,
                () -> assertThrows(StoreUnavailableException.class,
                        () -> SqlEndpointStore.create(store(CLOSED_PORT_URL, false))));
        assertNotNull(e.getCause(), "the driver's exception is kept as the cause");
    }

    @Test
    void providerCreateWithMigrateOnStartOnAClosedPortThrowsStoreUnavailableWithinTheBound() {
        assertTimeoutPreemptively(Timeouts.UNAVAILABLE,
                () -> assertThrows(StoreUnavailableException.class,
                        () -> provider.create(store(CLOSED_PORT_URL, true))));
    }

    @Test
    void migrateOnAClosedPortThrowsStoreUnavailableWithinTheBound() {
        assertTimeoutPreemptively(Timeouts.UNAVAILABLE,
                () -> assertThrows(StoreUnavailableException.class,
                        () -> provider.migrate(store(CLOSED_PORT_URL, true))));
    }

    @Test
    void lookupAndPingThrowStoreUnavailableAfterTheServerWentAway(@TempDir Path dir) throws SQLException {
        Server server = Server.createTcpServer("-tcpPort", "0", "-ifNotExists", "-baseDir", dir.toString()).start();
        try {
            String url = "jdbc:h2:tcp://127.0.0.1:" + server.getPort() + "/wsrelay;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE";
            try (EndpointStore store = provider.create(store(url, true))) {
                store.insert(TestEndpoints.bare("e1"));
                assertEquals(Optional.of(TestEndpoints.bare("e1")), store.lookup("e1"));

                server.stop();

                assertTimeoutPreemptively(Timeouts.UNAVAILABLE, () -> {
                    assertThrows(StoreUnavailableException.class, () -> store.lookup("e1"));
                    assertThrows(StoreUnavailableException.class, store::ping);
                });
            }
        } finally {
            server.stop();
        }
    }
}
