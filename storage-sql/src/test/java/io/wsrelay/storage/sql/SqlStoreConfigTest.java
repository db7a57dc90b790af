package io.wsrelay.storage.sql;

import io.wsrelay.relay.cli.RelayMain;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The keys this module declares: defaults, the embedded URL, and the command line's strict config with them. */
class SqlStoreConfigTest {
    @TempDir
    Path dir;

    /** Output, error output and exit status of one command. */
    record Result(int status, String out, String err) {
    }

    private Result wsrelay(Map<String, String> env, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Map<String, String> environment = new HashMap<>(Map.of("WSRELAY_DATA_DIR", dir.toString()));
        environment.putAll(env);
        int status = RelayMain.run(environment, new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(status, out.toString(), err.toString());
    }

    @Test
    void defaultsAreTheDocumentedOnes() {
        SqlStoreConfig c = TestEndpoints.settings(Map.of("relay.data-dir", dir.toString()));
        assertAll(
                () -> assertTrue(c.isEmbedded(), c.jdbcUrl()),
                () -> assertEquals("", c.user()),
                () -> assertEquals(16, c.poolSize()),
                () -> assertEquals(Duration.ofSeconds(2), c.timeout()),
                () -> assertTrue(c.migrateOnStart()));
    }

    @Test
    void embeddedDatabaseLivesInTheDataDirectory() {
        SqlStoreConfig c = TestEndpoints.settings(Map.of("relay.data-dir", dir.toString()));
        assertTrue(c.jdbcUrl().startsWith("jdbc:h2:file:" + dir.toAbsolutePath().resolve("wsrelay") + ";"), c.jdbcUrl());
    }

    @Test
    void toStringNeverShowsThePassword() {
        SqlStoreConfig c = TestEndpoints.settings(Map.of("relay.store.password", "s3cret",
                "relay.store.jdbc-url", "jdbc:postgresql://db/wsrelay?password=s3cret"));
        assertFalse(c.toString().contains("s3cret"), c.toString());
    }

    @Test
    void misspeltSqlKeyExits2NamingTheNearestKey() {
        Result r = wsrelay(Map.of(), "--set", "relay.store.jdbc-ulr=jdbc:postgresql://db/wsrelay", "check");
        assertAll(
                () -> assertEquals(2, r.status()),
                () -> assertEquals("wsrelay: unknown setting relay.store.jdbc-ulr (--set relay.store.jdbc-ulr); did you mean "
                        + "relay.store.jdbc-url?\n", r.err()));
    }

    @Test
    void misspeltSqlKeyInTheConfigFileExits2() throws Exception {
        Path file = Files.writeString(dir.resolve("wsrelay.conf"), "relay.store {\n  pool-sise = 4\n}\n");
        Result r = wsrelay(Map.of(), "--config", file.toString(), "migrate");
        assertAll(
                () -> assertEquals(2, r.status()),
                () -> assertTrue(r.err().startsWith("wsrelay: unknown setting relay.store.pool-sise (")
                        && r.err().endsWith("did you mean relay.store.pool-size?\n"), r.err()));
    }

    @Test
    void malformedSqlValueExits2NamingTheKeyAndItsSource() {
        Result r = wsrelay(Map.of("WSRELAY_STORE_POOL_SIZE", "0"), "endpoint", "list");
        assertAll(
                () -> assertEquals(2, r.status()),
                () -> assertEquals("wsrelay: relay.store.pool-size must be a whole number of at least 1, was '0' (from the environment)\n",
                        r.err()));
    }

    @Test
    void aJdbcUrlOfAnotherDatabaseExits2() {
        Result r = wsrelay(Map.of(), "--set", "relay.store.jdbc-url=jdbc:mysql://db/wsrelay", "check");
        assertAll(
                () -> assertEquals(2, r.status()),
                () -> assertEquals("wsrelay: relay.store.jdbc-url must be a jdbc:postgresql: or jdbc:h2: URL, or empty for the "
                        + "embedded database, was 'jdbc:mysql://db/wsrelay' (from --set)\n", r.err()));
    }

    @Test
    void settingsShowTheSqlKeysWithTheirSources() throws Exception {
        Path file = Files.writeString(dir.resolve("wsrelay.conf"), "relay.store.user = wsrelay\n");
        Result r = wsrelay(Map.of("WSRELAY_STORE_PASSWORD", "hunter2"), "--config", file.toString(),
                "--set", "relay.store.timeout=3s", "settings");
        assertAll(
                () -> assertEquals(0, r.status(), r.err()),
                () -> assertTrue(r.out().lines().anyMatch(l -> l.matches("relay\\.store\\.user +wsrelay +file +WSRELAY_STORE_USER")), r.out()),
                () -> assertTrue(r.out().lines().anyMatch(l -> l.matches("relay\\.store\\.timeout +3s +flag +WSRELAY_STORE_TIMEOUT")), r.out()),
                () -> assertTrue(r.out().lines().anyMatch(l -> l.matches(
                        "relay\\.store\\.password +\\(secret\\) +environment +WSRELAY_STORE_PASSWORD")), r.out()),
                () -> assertTrue(r.out().lines().anyMatch(l -> l.matches("relay\\.store\\.migrate-on-start +true +default +WSRELAY_STORE_MIGRATE_ON_START")), r.out()),
                () -> assertFalse(r.out().contains("hunter2")));
    }

    @Test
    void everyKeyIsInTheReadmeConfigurationTable() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        Set<String> missing = new TreeSet<>();
        new SqlEndpointStoreProvider().defaults().entrySet().forEach(e -> {
            if (!readme.contains("| `" + e.getKey() + "` |")) {
                missing.add(e.getKey());
            }
        });
        assertEquals(Set.of(), missing, "settings missing from the configuration table in README.md");
    }
}
