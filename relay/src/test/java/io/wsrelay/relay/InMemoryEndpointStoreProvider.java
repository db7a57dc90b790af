package io.wsrelay.relay;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.wsrelay.relay.config.ConfigValues;
import io.wsrelay.relay.spi.ConfiguredStore;
import io.wsrelay.relay.spi.EndpointStore;
import io.wsrelay.relay.spi.EndpointStoreProvider;
import io.wsrelay.relay.spi.StoreContext;

/**
 * Store type {@code memory}: an empty {@link InMemoryEndpointStore}, so tests can run
 * {@code RelayMain serve} as a real process from the relay module's test classpath (the SQL and
 * Redis providers live in modules that depend on this one). Endpoints are added through the admin
 * API. Declares no settings. Registered in the test resources only, and kept out of the test-jar.
 */
public final class InMemoryEndpointStoreProvider implements EndpointStoreProvider {
    @Override
    public String type() {
        return "memory";
    }

    @Override
    public Config defaults() {
        return ConfigFactory.empty();
    }

    @Override
    public ConfiguredStore configure(ConfigValues settings) {
        return new ConfiguredStore() {
            @Override
            public EndpointStore open(StoreContext context) {
                return new InMemoryEndpointStore();
            }

            @Override
            public int migrate() {
                return 0;
            }

            @Override
            public String location() {
                return "memory";
            }

            @Override
            public String toString() {
                return "memory";
            }
        };
    }
}
