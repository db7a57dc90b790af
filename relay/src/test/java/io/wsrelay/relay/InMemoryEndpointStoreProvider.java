package io.wsrelay.relay;

import io.wsrelay.relay.cli.RelayMain;
import io.wsrelay.relay.config.RelayConfig;
import io.wsrelay.relay.spi.EndpointStore;
import io.wsrelay.relay.spi.EndpointStoreProvider;

/**
 * Store type {@code memory}: an empty {@link InMemoryEndpointStore}, so tests can run
 * {@code RelayMain serve} as a real process from the relay module's test classpath (the SQL and
 * Redis providers live in modules that depend on this one). Endpoints are added through the admin
 * API. Registered in the test resources only, and kept out of the test-jar.
 */
public final class InMemoryEndpointStoreProvider implements EndpointStoreProvider {
    @Override
    public String type() {
        return "memory";
    }

    @Override
    public EndpointStore create(RelayConfig.Store config) {
        return new InMemoryEndpointStore();
    }

    @Override
    public int migrate(RelayConfig.Store config) {
        return 0;
    }
}
