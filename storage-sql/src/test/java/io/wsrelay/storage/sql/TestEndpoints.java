package io.wsrelay.storage.sql;

import io.wsrelay.relay.config.ConfigLoader;
import io.wsrelay.relay.spi.Endpoint;
import io.wsrelay.relay.spi.EndpointStatus;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Endpoints and store settings the storage tests share. */
public final class TestEndpoints {

    /** Microsecond timestamps: what both databases keep. */
    public static final Instant CREATED = Instant.parse("2024-05-06T07:08:09.123456Z");
    public static final Instant UPDATED = Instant.parse("2024-06-07T08:09:10.654321Z");

    private TestEndpoints() {
    }

    /** PEM text standing in for a trusted CA; the store keeps it as text and never parses it. */
    public static final String CA_PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

    /**
     * An endpoint with every setting used: lists, headers, a connection limit, an upstream Origin,
     * a trusted CA, INACTIVE.
     */
    public static Endpoint full(String id) {
        return new Endpoint(id, "wss://api.example.com/base", EndpointStatus.INACTIVE,
                List.of("cdn.example.com", "ws.example.com:8443"), List.of("https://app.example.com"), 25,
                Map.of("X-Api-Key", "secret", "X-Tenant", "t1"), "https://www.example.com", CA_PEM, CREATED, UPDATED);
    }

    /** An ACTIVE endpoint with no settings. */
    public static Endpoint bare(String id) {
        return new Endpoint(id, "ws://localhost:9000", EndpointStatus.ACTIVE, List.of(), List.of(), 0, Map.of(),
                CREATED, UPDATED);
    }

    /**
     * The default store settings of a relay whose data directory is {@code dataDir}: the embedded
     * H2 file with the relay's own URL, 8 connections, {@link Timeouts#STORE}.
     */
    static SqlStoreConfig embedded(Path dataDir) {
        return settings(Map.of(
                "relay.data-dir", dataDir.toString(),
                "relay.store.pool-size", "8",
                "relay.store.timeout", Timeouts.STORE.toMillis() + "ms"));
    }

    /** The SQL store's settings as the relay reads them: {@code keys} as flags, the rest at their defaults. */
    public static SqlStoreConfig settings(Map<String, String> keys) {
        return SqlStoreConfig.from(ConfigLoader.load(keys, Map.of(), Optional.empty(),
                List.of(new SqlEndpointStoreProvider().defaults())).values());
    }

    /** {@code config} with another {@code migrateOnStart}. */
    static SqlStoreConfig withMigrateOnStart(SqlStoreConfig config, boolean migrate) {
        return config.withMigrateOnStart(migrate);
    }
}
