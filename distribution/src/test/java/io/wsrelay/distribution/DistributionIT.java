package io.wsrelay.distribution;

import io.wsrelay.relay.TestClient;
import io.wsrelay.relay.TestUpstream;
import io.wsrelay.relay.Timeouts;
import io.wsrelay.storage.sql.PostgresSchemas;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The release archive as an operator uses it: unpacked into a temporary folder away from the
 * source tree, its launcher run with only a JDK 25 somewhere on the machine (the default
 * {@code java} is older), each store module run from its own folder.
 */
class DistributionIT {
    @TempDir
    static Path dir;

    private static Archive archive;
    private static TestUpstream upstream;
    private static PostgresSchemas schemas;

    @BeforeAll
    static void unpack() throws Exception {
        archive = Archive.unpack(dir);
        upstream = TestUpstream.start();
        schemas = new PostgresSchemas();
    }

    @AfterAll
    static void stop() throws Exception {
        upstream.close();
        schemas.close();
    }

    private static Set<String> jars(String folder) throws IOException {
        try (Stream<Path> files = Files.list(archive.home().resolve(folder))) {
            return new java.util.TreeSet<>(files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".jar")).toList());
        }
    }

    private static String commitOfTheSourceTree() throws Exception {
        Process git = new ProcessBuilder("git", "-C", Archive.SOURCE.toString(), "rev-parse", "HEAD").start();
        assertTrue(git.waitFor(Timeouts.MESSAGE.toSeconds(), TimeUnit.SECONDS), "git rev-parse");
        return new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    }

    private static void relaysAMessage(Archive.Serve relay, String endpoint) throws Exception {
        try (TestClient client = TestClient.open(relay.ws("/chat?room=1&endpointId=" + endpoint))) {
            client.sendText("through the archive");
            assertEquals("through the archive", client.nextMessage(Timeouts.MESSAGE).text());
        }
    }

    @Test
    void archiveHoldsLauncherConfigDeployFilesAndOneFolderPerStorageModule() throws Exception {
        Path home = archive.home();
        Set<String> lib = jars("lib");
        Set<String> sql = jars("storage/sql");
        Set<String> redis = jars("storage/redis");
        Set<String> stores = new HashSet<>(sql);
        stores.addAll(redis);
        Set<String> inTwo = new HashSet<>(lib);
        inTwo.retainAll(stores);
        assertAll(
                () -> assertTrue(Files.isExecutable(home.resolve("bin/wsrelay")), "bin/wsrelay executable"),
                () -> assertTrue(Files.isRegularFile(home.resolve("conf/wsrelay.conf"))),
                () -> assertTrue(Files.isRegularFile(home.resolve("deploy/systemd/wsrelay.service"))),
                () -> assertTrue(Files.isRegularFile(home.resolve("deploy/nginx/wsrelay.conf"))),
                () -> assertTrue(Files.isRegularFile(home.resolve("migrations/V1__create_endpoint.sql"))),
                () -> assertTrue(lib.contains("wsrelay-relay-" + Archive.VERSION + ".jar"), lib.toString()),
                () -> assertTrue(lib.stream().noneMatch(j -> j.startsWith("wsrelay-storage") || j.startsWith("jooq")
                        || j.startsWith("jedis") || j.startsWith("h2-") || j.startsWith("postgresql")), "no store in lib/: " + lib),
                () -> assertTrue(sql.contains("wsrelay-storage-sql-" + Archive.VERSION + ".jar") && sql.stream().anyMatch(j -> j.startsWith("jooq")), sql.toString()),
                () -> assertTrue(sql.stream().noneMatch(j -> j.startsWith("jedis") || j.startsWith("wsrelay-storage-redis")), "no Redis in storage/sql: " + sql),
                () -> assertTrue(redis.containsAll(sql), "the Redis store carries the SQL store it fronts: " + redis),
                () -> assertTrue(redis.stream().anyMatch(j -> j.startsWith("jedis")), redis.toString()),
                () -> assertEquals(Set.of(), inTwo, "jars both in lib/ and in a storage folder"));
    }

    @Test
    void versionNamesTheVersionAndTheCommitItWasBuiltFrom() throws Exception {
        String expected = "wsrelay " + Archive.VERSION + " (commit " + commitOfTheSourceTree();
        Archive.Result launcher = archive.wsrelay(Map.of(), "--version");
        Archive.Result jar = archive.run(List.of(java25(),
                "-jar", "lib/wsrelay-relay-" + Archive.VERSION + ".jar", "--version"), Map.of());
        assertAll(
                () -> assertEquals(0, launcher.status(), launcher.toString()),
                () -> assertTrue(launcher.out().startsWith(expected), launcher.toString()),
                () -> assertEquals(0, jar.status(), jar.toString()),
                () -> assertEquals(launcher.out(), jar.out(), "java -jar prints what the launcher prints"));
    }

    /** The JDK 25 that runs this test: the machine has one, and java -jar needs it. */
    private static String java25() {
        return ProcessHandle.current().info().command().orElseThrow();
    }

    @Test
    void serveOnTheEmbeddedStoreRelaysAMessage() throws Exception {
        Map<String, String> env = Archive.env("WSRELAY_DATA_DIR", dir.resolve("embedded").toString());
        try (Archive.Serve relay = archive.serve(env)) {
            Archive.Result added = archive.wsrelay(env, "endpoint", "add", "e1", upstream.uri().toString());
            assertEquals(0, added.status(), added.toString());
            relaysAMessage(relay, "e1");
        }
    }

    @Test
    void migrateThenServeOnPostgresWithTheRedisCacheRelaysAMessage() throws Exception {
        var database = schemas.create();
        Map<String, String> env = Archive.env("WSRELAY_STORE_JDBC_URL", database.jdbcUrl(),
                "WSRELAY_STORE_USER", database.user(), "WSRELAY_STORE_TYPE", "redis",
                "WSRELAY_STORE_REDIS_KEY_PREFIX", "wsrelay-dist-" + UUID.randomUUID() + ":");
        Archive.Result migrated = archive.wsrelay(env, "migrate");
        assertEquals(0, migrated.status(), migrated.toString());
        assertTrue(migrated.out().startsWith("applied " + migrations() + " migration(s)"), migrated.toString());

        try (Archive.Serve relay = archive.serve(env, "--set", "relay.store.migrate-on-start=false")) {
            Archive.Result added = archive.wsrelay(env, "endpoint", "add", "e2", upstream.uri().toString());
            assertEquals(0, added.status(), added.toString());
            relaysAMessage(relay, "e2");
            assertTrue(relay.output().contains("Redis endpoint cache open"), relay.output());
        }
    }

    @Test
    void javaJarRunsTheStorageModuleNamedByTheStoreType() throws Exception {
        Archive.Result migrated = archive.run(List.of(java25(), "-jar", "lib/wsrelay-relay-" + Archive.VERSION + ".jar",
                "--set", "relay.store.type=sql", "--set", "relay.data-dir=" + dir.resolve("jar"), "migrate"), Map.of());
        assertEquals(0, migrated.status(), migrated.toString());
        assertTrue(migrated.out().startsWith("applied " + migrations() + " migration(s)"), migrated.toString());
    }

    /** The Flyway scripts the archive ships. */
    private static long migrations() throws IOException {
        try (Stream<Path> files = Files.list(archive.home().resolve("migrations"))) {
            return files.filter(p -> p.getFileName().toString().endsWith(".sql")).count();
        }
    }

    @Test
    void oneShotCommandsLogOnlyWarningsUnlessVerbose() throws Exception {
        Map<String, String> env = Archive.env("WSRELAY_DATA_DIR", dir.resolve("quiet").toString());
        Archive.Result quiet = archive.wsrelay(env, "migrate");
        Archive.Result verbose = archive.wsrelay(env, "--verbose", "endpoint", "list");
        assertAll(
                () -> assertEquals(0, quiet.status(), quiet.toString()),
                () -> assertEquals("", quiet.err(), "no INFO lines about schema and pools"),
                () -> assertEquals(0, verbose.status(), verbose.toString()),
                () -> assertTrue(verbose.err().contains(" INFO ") && verbose.err().contains("SQL endpoint store open"), verbose.toString()));
    }

    @Test
    void everyInstalledStorageModulesKeysAreKnownWhicheverTypeIsChosen() throws Exception {
        Archive.Result misspelt = archive.wsrelay(Map.of(), "--set", "relay.store.redis.urll=redis://127.0.0.1:1", "check");
        Archive.Result settings = archive.wsrelay(Archive.env("WSRELAY_STORE_REDIS_TTL", "30s"), "settings");
        assertAll(
                () -> assertEquals(2, misspelt.status(), misspelt.toString()),
                () -> assertEquals("wsrelay: unknown setting relay.store.redis.urll (--set relay.store.redis.urll); did you mean "
                        + "relay.store.redis.url?\n", misspelt.err()),
                () -> assertEquals(0, settings.status(), settings.toString()),
                () -> assertTrue(settings.out().lines().anyMatch(l -> l.matches("relay\\.store\\.redis\\.ttl +30s +environment +WSRELAY_STORE_REDIS_TTL")),
                        settings.out()),
                () -> assertTrue(settings.out().lines().anyMatch(l -> l.matches("relay\\.store\\.pool-size +16 +default +WSRELAY_STORE_POOL_SIZE")),
                        settings.out()));
    }

    @Test
    void aStoreTypeWithoutItsFolderIsRefusedNamingTheFolder() throws Exception {
        Archive.Result result = archive.wsrelay(Map.of(), "--set", "relay.store.type=mongo", "endpoint", "list");
        assertAll(
                () -> assertEquals(2, result.status(), result.toString()),
                () -> assertTrue(result.err().contains("no storage module 'mongo'")
                        && result.err().contains(archive.home().resolve("storage/mongo").toString())
                        && result.err().contains("installed: [redis, sql]"), result.toString()),
                () -> assertFalse(result.err().contains("Exception"), "a message, not a stack trace: " + result));
    }

    @Test
    void aStoreTypeThatIsAPathIsRefusedAsOne() throws Exception {
        for (String type : new String[] {"../lib", "/opt/wsrelay/storage/sql", "sql/"}) {
            Archive.Result result = archive.wsrelay(Map.of(), "--set", "relay.store.type=" + type, "endpoint", "list");
            assertAll(type,
                    () -> assertEquals(2, result.status(), result.toString()),
                    () -> assertEquals("wsrelay: relay.store.type names a storage module, not a path: '" + type
                            + "'; installed: [redis, sql] (folders of " + archive.home().resolve("storage") + ")\n", result.err()));
        }
    }
}
