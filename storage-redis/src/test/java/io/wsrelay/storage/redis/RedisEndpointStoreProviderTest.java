package io.wsrelay.storage.redis;

import io.wsrelay.relay.cli.RelayMain;
import io.wsrelay.relay.spi.EndpointStoreProvider;
import io.wsrelay.relay.spi.StoreContext;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The provider as the composition root sees it, and the command line's strict config with this module's keys. */
class RedisEndpointStoreProviderTest {

    /** Output, error output and exit status of one command. */
    record Result(int status, String out, String err) {
    }

    private static Result wsrelay(Map<String, String> env, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Map<String, String> environment = new HashMap<>(Map.of("WSRELAY_STORE_TYPE", "redis"));
        environment.putAll(env);
        int status = RelayMain.run(environment, new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(status, out.toString(), err.toString());
    }

    @Test
    void serviceLoaderFindsOneProviderOfTypeRedisBesideTheSqlOne() {
        List<String> types = ServiceLoader.load(EndpointStoreProvider.class).stream()
                .map(p -> p.get().type())
                .sorted()
                .toList();
        assertEquals(List.of("redis", "sql"), types);
    }

    @Test
    void cachesTheSqlStoreAndRefusesToOpenWithoutIt() {
        RedisEndpointStoreProvider provider = new RedisEndpointStoreProvider();
        var configured = provider.configure(TestStores.settings(Map.of(), Map.of()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> configured.open(StoreContext.standalone(true)));
        assertAll(
                () -> assertEquals(Optional.of("sql"), provider.cachedType()),
                () -> assertEquals("the redis store caches another store (sql); open it over one", e.getMessage()),
                () -> assertEquals(0, configured.migrate(), "Redis holds nothing to migrate"));
    }

    @Test
    void misspeltRedisKeyExits2NamingTheNearestKey() {
        Result r = wsrelay(Map.of(), "--set", "relay.store.redis.negative-ttll=1s", "check");
        assertAll(
                () -> assertEquals(2, r.status()),
                () -> assertEquals("wsrelay: unknown setting relay.store.redis.negative-ttll (--set relay.store.redis.negative-ttll);"
                        + " did you mean relay.store.redis.negative-ttl?\n", r.err()));
    }

    @Test
    void misspeltSqlVariableExits2NamingTheNearestVariableAndKey() {
        Result r = wsrelay(Map.of("WSRELAY_STORE_JDBC_URI", "jdbc:postgresql://db/wsrelay"), "serve");
        assertAll(
                () -> assertEquals(2, r.status()),
                () -> assertEquals("wsrelay: unknown setting in the environment: WSRELAY_STORE_JDBC_URI; did you mean "
                        + "WSRELAY_STORE_JDBC_URL (relay.store.jdbc-url)?\n", r.err()));
    }

    @Test
    void malformedRedisValueExits2BeforeAnythingIsOpened() {
        Result r = wsrelay(Map.of(), "--set", "relay.store.redis.ttl=0s", "--set", "relay.store.jdbc-url=jdbc:postgresql://127.0.0.1:1/none",
                "endpoint", "list");
        assertAll(
                () -> assertEquals(2, r.status()),
                () -> assertEquals("wsrelay: relay.store.redis.ttl must be a positive duration (500ms, 10s, 2m), was '0s' (from --set)\n",
                        r.err()));
    }

    @Test
    void settingsShowEveryStoreModulesKeysWithTheirSources() {
        Result r = wsrelay(Map.of("WSRELAY_STORE_REDIS_TTL", "30s"), "--set", "relay.store.pool-size=4", "settings");
        assertAll(
                () -> assertEquals(0, r.status(), r.err()),
                () -> assertTrue(r.out().lines().anyMatch(l -> l.matches("relay\\.store\\.redis\\.ttl +30s +environment +WSRELAY_STORE_REDIS_TTL")), r.out()),
                () -> assertTrue(r.out().lines().anyMatch(l -> l.matches("relay\\.store\\.pool-size +4 +flag +WSRELAY_STORE_POOL_SIZE")), r.out()),
                () -> assertTrue(r.out().lines().anyMatch(l -> l.matches("relay\\.store\\.redis\\.url +redis://127\\.0\\.0\\.1:6379 +default +WSRELAY_STORE_REDIS_URL")), r.out()),
                () -> assertTrue(r.out().lines().anyMatch(l -> l.matches("relay\\.store\\.type +redis +environment +WSRELAY_STORE_TYPE")), r.out()));
    }
}
