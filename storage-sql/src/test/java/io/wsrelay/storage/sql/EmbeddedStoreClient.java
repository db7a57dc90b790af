package io.wsrelay.storage.sql;

import io.wsrelay.relay.spi.EndpointStatus;
import io.wsrelay.relay.spi.EndpointStore;

import java.nio.file.Path;

/**
 * What the command line does while a relay holds the embedded file open, run in its own JVM by
 * {@link EmbeddedStoreSharingIT}: opens the default store of data directory {@code args[0]},
 * checks it sees {@value EmbeddedStoreSharingIT#FROM_RELAY}, deactivates it and adds
 * {@value EmbeddedStoreSharingIT#FROM_CLIENT}. Exits 0 on success, 2 if the relay's endpoint is
 * missing, 3 if a write was refused.
 */
final class EmbeddedStoreClient {

    private EmbeddedStoreClient() {
    }

    static void main(String[] args) {
        try (EndpointStore store = new SqlEndpointStoreProvider().create(TestEndpoints.embedded(Path.of(args[0])))) {
            if (store.lookup(EmbeddedStoreSharingIT.FROM_RELAY).isEmpty()) {
                System.exit(2);
            }
            boolean written = store.setStatus(EmbeddedStoreSharingIT.FROM_RELAY, EndpointStatus.INACTIVE)
                    && store.insert(TestEndpoints.bare(EmbeddedStoreSharingIT.FROM_CLIENT));
            if (!written) {
                System.exit(3);
            }
        }
    }
}
