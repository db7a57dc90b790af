package io.wsrelay.storage.redis;

import io.wsrelay.relay.RelayProcess;
import io.wsrelay.relay.TestClient;
import io.wsrelay.relay.TestUpstream;
import io.wsrelay.relay.cli.RelayMain;
import io.wsrelay.relay.config.RelayConfig;
import io.wsrelay.storage.sql.PostgresSchemas;
import io.wsrelay.storage.sql.SqlStoreConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The launcher's path: {@code relay.store.type=redis} with the settings as the environment gives
 * them, and the composition root ({@code RelayMain}) putting this module's cache in front of the
 * SQL store it opens itself.
 */
class RedisEndpointStoreProviderIT {

    @TempDir
    Path dir;

    private final SharedRedis redis = new SharedRedis();
    private final PostgresSchemas schemas = new PostgresSchemas();
    private SqlStoreConfig database;
    private String prefix;

    @BeforeEach
    void open() {
        database = schemas.create();
        prefix = redis.newPrefix();
    }

    @AfterEach
    void close() {
        schemas.close();
        redis.close();
    }

    /** Output, error output and exit status of one command. */
    record Result(int status, String out, String err) {
    }

    /** The store's settings: Redis over this test's PostgreSQL schema. */
    private Map<String, String> settings() {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("relay.store.type", "redis");
        settings.put("relay.store.jdbc-url", database.jdbcUrl());
        settings.put("relay.store.user", database.user());
        settings.put("relay.store.pool-size", "2"); // other tests share the server's 100 connections
        settings.put("relay.store.redis.url", redis.url().toString());
        settings.put("relay.store.redis.key-prefix", prefix);
        return settings;
    }

    /** {@link #settings()} as the environment gives them. */
    private Map<String, String> env() {
        Map<String, String> env = new LinkedHashMap<>();
        settings().forEach((key, value) -> env.put(RelayConfig.environmentName(key), value));
        return env;
    }

    private Result wsrelay(String... args) {
        return wsrelay(Map.of(), args);
    }

    /** A command with {@code overrides} over {@link #settings()}, all from the environment. */
    private Result wsrelay(Map<String, String> overrides, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Map<String, String> env = env();
        overrides.forEach((key, value) -> env.put(RelayConfig.environmentName(key), value));
        int status = RelayMain.run(env, new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(status, out.toString(), err.toString());
    }

    @Test
    void endpointCommandsWriteThroughTheCacheAndLookupsFillIt() {
        Result added = wsrelay("endpoint", "add", "e1", "ws://localhost:9000/");
        Result shown = wsrelay("endpoint", "show", "e1");
        assertAll(
                () -> assertEquals(0, added.status(), added.err()),
                () -> assertEquals(0, shown.status(), shown.err()),
                () -> assertTrue(shown.out().contains("ws://localhost:9000/"), shown.out()),
                () -> assertEquals(List.of(prefix + "endpoint:e1", prefix + "generation:e1"),
                        redis.keys(prefix).stream().sorted().toList()));
    }

    @Test
    void migrateAppliesTheSqlSchemaOnceThenNothing() {
        Result first = wsrelay("migrate");
        Result second = wsrelay("migrate");
        String location = database.jdbcUrl().substring(0, database.jdbcUrl().indexOf('?'));
        assertAll(
                () -> assertEquals("applied 4 migration(s) to " + location + "\n", first.out(), first.err()), // V1, V2, V4, V5
                () -> assertEquals("applied 0 migration(s) to " + location + "\n", second.out(), second.err()));
    }

    @Test
    void checkReachesTheCacheAndTheStoreBehindIt() {
        assertEquals(0, wsrelay("migrate").status());
        Result r = wsrelay("check");
        assertEquals(0, r.status(), r.err());
        assertEquals("configuration ok; store redis reachable\n", r.out());
    }

    @Test
    void checkFailsWithTheReasonWhenRedisDoesNotAnswerNeverQuotingThePassword() throws Exception {
        assertEquals(0, wsrelay("migrate").status());
        int port = freePort();
        Result r = wsrelay(Map.of("relay.store.redis.url", "redis://app:hunter2@127.0.0.1:" + port + "/0"), "check");
        assertAll(
                () -> assertEquals(1, r.status(), r.out()),
                () -> assertEquals("", r.out()),
                () -> assertTrue(r.err().contains("wsrelay: configuration ok, but store redis failed: Redis at redis://***@127.0.0.1:"
                        + port + "/0 does not answer: "), r.err()),
                () -> assertTrue(r.err().toLowerCase(java.util.Locale.ROOT).contains("connection refused"), r.err()),
                () -> assertFalse(r.err().contains("hunter2"), r.err()));
    }

    @Test
    void checkFailsWhenTheSqlStoreBehindTheCacheDoesNotAnswer() throws Exception {
        int port = freePort();
        Result r = wsrelay(Map.of("relay.store.jdbc-url", "jdbc:postgresql://127.0.0.1:" + port + "/wsrelay",
                "relay.store.timeout", "1s"), "check");
        assertAll(
                () -> assertEquals(1, r.status(), r.out()),
                () -> assertTrue(r.err().contains("wsrelay: configuration ok, but store redis failed: "), r.err()));
    }

    /** A loopback port nothing listens on (bound, then closed again). */
    private static int freePort() throws java.io.IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Test
    void serveRelaysThroughTheCacheComposedOverTheSqlStore() throws Exception {
        try (TestUpstream upstream = TestUpstream.start()) {
            assertEquals(0, wsrelay("endpoint", "add", "e1", upstream.uri().toString()).status());
            try (RelayProcess relay = RelayProcess.start(dir, settings());
                 TestClient client = TestClient.open(relay.ws("/chat?endpointId=e1"))) {
                client.sendText("through redis over sql");
                assertEquals("through redis over sql", client.nextMessage(io.wsrelay.relay.Timeouts.MESSAGE).text());
                String log = relay.output();
                assertAll(
                        // The root opened the SQL store behind the cache: without its own memory of unknown ids.
                        () -> assertTrue(log.contains("Redis endpoint cache open") && log.contains("in front of SqlEndpointStore{")
                                && log.contains("negativeCache=off"), log),
                        () -> assertTrue(log.contains("store: redis RedisCacheConfig{") && log.contains(" over sql SqlStoreConfig{"), log),
                        () -> assertTrue(redis.keys(prefix).contains(prefix + "endpoint:e1"), "the upgrade's lookup is cached"));
            }
        }
    }
}
