package io.wsrelay.storage.sql;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The store on the embedded H2 file, through the relay's own default JDBC URL. */
class SqlEndpointStoreH2IT extends SqlEndpointStoreContract {

    /** Static: JUnit injects it before {@code @BeforeAll}, instance fields only before each test. */
    @TempDir
    static Path dir;
    private final AtomicInteger databases = new AtomicInteger();

    @Override
    SqlStoreConfig freshDatabase() {
        // A directory that does not exist yet: opening the store creates it.
        return TestEndpoints.embedded(dir.resolve("data-" + databases.incrementAndGet()).resolve("nested"));
    }

    /** The files go with the temporary directory. */
    @Override
    void dropDatabases() {
    }

    @Test
    void openingTheEmbeddedStoreCreatesItsMissingDirectory() {
        Path dataDir = dir.resolve("missing").resolve("deeper");
        try (var store = SqlEndpointStore.create(TestEndpoints.embedded(dataDir))) {
            store.ping();
        }
        assertTrue(Files.isDirectory(dataDir), dataDir + " was not created");
    }
}
