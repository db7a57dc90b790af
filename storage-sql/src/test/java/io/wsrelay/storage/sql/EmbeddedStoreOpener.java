package io.wsrelay.storage.sql;

import io.wsrelay.relay.spi.EndpointStore;

import java.nio.file.Path;

/**
 * Opens the default store of data directory {@code args[0]} and adds endpoint {@code args[1]},
 * in its own JVM, for {@link EmbeddedStoreSharingIT}: a relay and a command started together on
 * a new data directory. Exits 0 on success; an open failure ends it with a stack trace.
 */
final class EmbeddedStoreOpener {

    private EmbeddedStoreOpener() {
    }

    static void main(String[] args) {
        try (EndpointStore store = new SqlEndpointStoreProvider().create(TestEndpoints.embedded(Path.of(args[0])))) {
            if (!store.insert(TestEndpoints.bare(args[1]))) {
                System.exit(3);
            }
        }
    }
}
