package io.wsrelay.storage.redis;

import io.wsrelay.relay.config.RelayConfig;
import io.wsrelay.relay.spi.EndpointStore;
import io.wsrelay.storage.sql.PostgresSchemas;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static io.wsrelay.storage.sql.TestEndpoints.bare;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/** The launcher's path: settings as the environment gives them, through the provider. */
class RedisEndpointStoreProviderIT {

    private final SharedRedis redis = new SharedRedis();
    private final PostgresSchemas schemas = new PostgresSchemas();
    private final RedisEndpointStoreProvider provider = new RedisEndpointStoreProvider();

    @AfterEach
    void close() {
        schemas.close();
        redis.close();
    }

    private RelayConfig.Store settings(String prefix) {
        RelayConfig.Store database = schemas.create();
        Map<String, String> env = new HashMap<>(Map.of(
                "WSRELAY_STORE_TYPE", "redis",
                "WSRELAY_STORE_JDBC_URL", database.jdbcUrl(),
                "WSRELAY_STORE_USER", database.user(),
                "WSRELAY_STORE_REDIS_URL", redis.url().toString(),
                "WSRELAY_STORE_REDIS_KEY_PREFIX", prefix));
        return RelayConfig.load(Map.of(), env, Optional.empty()).store();
    }

    @Test
    void storeOpenedFromEnvironmentSettingsMigratesCachesAndUsesThePrefix() {
        String prefix = redis.newPrefix();
        try (EndpointStore store = provider.create(settings(prefix))) {
            assertInstanceOf(CachingEndpointStore.class, store);
            store.insert(bare("e1"));

            assertEquals(Optional.of(bare("e1")), store.lookup("e1"));
            assertEquals(List.of(prefix + "endpoint:e1", prefix + "generation:e1"),
                    redis.keys(prefix).stream().sorted().toList());
        }
    }

    @Test
    void migrateAppliesTheSqlSchemaOnceThenNothing() {
        RelayConfig.Store config = settings(redis.newPrefix());
        assertEquals(4, provider.migrate(config)); // V1, V2, V4 and V5
        assertEquals(0, provider.migrate(config));
    }
}
