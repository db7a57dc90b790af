package io.wsrelay.storage.redis;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wsrelay.relay.RawClient;
import io.wsrelay.relay.RelayProcess;
import io.wsrelay.relay.TestUpstream;
import io.wsrelay.relay.spi.Endpoint;
import io.wsrelay.storage.sql.PostgresSchemas;
import io.wsrelay.storage.sql.SqlEndpointStore;
import io.wsrelay.storage.sql.SqlEndpointStoreProvider;
import io.wsrelay.storage.sql.SqlStoreConfig;
import io.wsrelay.storage.sql.TcpProxy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code wsrelay serve} with the Redis store as a real process, logging in JSON, through a
 * PostgreSQL outage (a proxy in front of it is cut) while upgrades keep coming, some for an
 * endpoint cached on the node, some for ids no cache holds: the log stays in the configured format
 * (no JUL stack traces on stderr), says once that the database is unreachable and once that it
 * answers again.
 */
class DatabaseOutageLogIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int UPGRADES = 300;

    @TempDir
    Path dir;

    private SharedRedis redis;
    private PostgresSchemas schemas;
    private TcpProxy postgres;
    private TestUpstream upstream;

    @BeforeEach
    void start() throws Exception {
        redis = new SharedRedis();
        schemas = new PostgresSchemas();
        postgres = TcpProxy.to("127.0.0.1", 5432);
        upstream = TestUpstream.start();
    }

    @AfterEach
    void stop() throws Exception {
        upstream.close();
        postgres.close();
        schemas.close();
        redis.close();
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES) // a relay process and 300 upgrades on a shared machine
    void anOutageIsOneLineWhenItStartsAndOneWhenItEndsInTheConfiguredFormat() throws Exception {
        SqlStoreConfig database = schemas.create();
        new SqlEndpointStoreProvider().migrate(database);
        try (SqlEndpointStore direct = SqlEndpointStore.create(database)) {
            direct.insert(Endpoint.of("e1", upstream.uri().toString()));
        }
        SqlStoreConfig proxied = TestStores.throughProxy(database, postgres);
        Map<String, String> settings = new HashMap<>(Map.of(
                "relay.store.type", "redis",
                "relay.store.jdbc-url", proxied.jdbcUrl(),
                "relay.store.timeout", "500ms",
                "relay.store.migrate-on-start", "false",
                "relay.store.redis.url", redis.url().toString(),
                "relay.store.redis.key-prefix", redis.newPrefix(),
                "relay.store.redis.local-cache-size", "100",
                // Longer than the outage (300 upgrades, half of them waiting out the store timeout).
                "relay.store.redis.ttl", "10m",
                "relay.log.format", "json"));
        if (!database.user().isEmpty()) {
            settings.put("relay.store.user", database.user());
        }
        try (RelayProcess relay = RelayProcess.start(dir, settings)) {
            try {
                outage(relay);
            } catch (AssertionError | Exception e) {
                String output = relay.output();
                throw new AssertionError(e + "\nrelay output (last 4000 characters):\n"
                        + output.substring(Math.max(0, output.length() - 4000)), e);
            }
        }
    }

    private void outage(RelayProcess relay) throws Exception {
        // The first upgrade opens the pools and warms the process up: seconds on a loaded machine.
        await("e1 to be served (and so cached)").atMost(Timeouts.CONCURRENT).ignoreExceptions()
                .until(() -> upgrade(relay, "e1") == 101);
        postgres.cut();
        List<Integer> cached = new ArrayList<>();
        List<Integer> uncached = new ArrayList<>();
        for (int i = 0; i < UPGRADES; i++) {
            if (i % 2 == 0) {
                cached.add(upgrade(relay, "e1"));
            } else {
                uncached.add(upgrade(relay, "never-seen-" + i));
            }
        }
        postgres.restore();
        await("the database to answer again").atMost(Timeouts.CONCURRENT).pollInterval(Duration.ofMillis(200))
                .until(() -> upgrade(relay, "after-" + System.nanoTime()) == 404);
        assertEquals(101, upgrade(relay, "e1"));
        assertAll(
                () -> assertTrue(cached.stream().allMatch(s -> s == 101), "cached endpoint served: " + cached),
                () -> assertTrue(uncached.stream().allMatch(s -> s == 503), "uncached ids 503: " + uncached));

        relay.terminate();
        assertTrue(relay.awaitExit(Duration.ofSeconds(30)), "relay exits after SIGTERM");
        List<String> notJson = new ArrayList<>();
        List<JsonNode> lines = new ArrayList<>();
        for (String line : relay.output().lines().toList()) {
            try {
                JsonNode node = JSON.readTree(line);
                if (node == null || !node.isObject() || !node.has("level")) {
                    notJson.add(line);
                } else {
                    lines.add(node);
                }
            } catch (Exception e) {
                notJson.add(line);
            }
        }
        List<String> warnings = lines.stream().filter(n -> List.of("WARN", "ERROR").contains(n.get("level").asText()))
                .map(n -> n.get("loggerName").asText() + ": " + n.get("formattedMessage").asText()).toList();
        List<String> recovered = lines.stream().map(n -> n.get("formattedMessage").asText())
                .filter(m -> m.endsWith("answers again") && !m.contains("unreachable")).toList();
        assertAll(
                () -> assertEquals(List.of(), notJson.subList(0, Math.min(notJson.size(), 20)),
                        notJson.size() + " lines outside the configured JSON format"),
                () -> assertEquals(1, warnings.size(), "WARN/ERROR lines: " + warnings),
                () -> assertEquals(1, recovered.size(), "'answers again' lines: " + recovered));
    }

    /** The status of an opening handshake for {@code id}; a 101 connection is closed at once. */
    private static int upgrade(RelayProcess relay, String id) throws Exception {
        URI uri = relay.ws("/echo?endpointId=" + id);
        try (RawClient client = RawClient.connect(uri.getPort())) {
            int status = client.upgrade(uri.getRawPath() + "?" + uri.getRawQuery(), Map.of()).status();
            if (status == 101) {
                client.sendClose(1000);
            }
            return status;
        }
    }
}
