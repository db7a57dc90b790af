package io.wsrelay.distribution;

import io.wsrelay.storage.sql.PostgresSchemas;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The schema applied by stock Flyway tooling, with the command the README documents
 * ({@code mvn -pl migrations flyway:migrate -Dflyway.url=... -Dflyway.user=...}, run in the
 * source tree), is the schema the relay expects: the archive's {@code wsrelay migrate} then has
 * nothing left to apply, and endpoints can be added.
 */
class FlywayMavenPluginIT {
    @TempDir
    Path dir;

    private PostgresSchemas schemas;

    @BeforeEach
    void open() {
        schemas = new PostgresSchemas();
    }

    @AfterEach
    void close() {
        schemas.close();
    }

    @Test
    void flywayMavenPluginAppliesTheSchemaTheRelayExpects() throws Exception {
        var database = schemas.create();
        Archive archive = Archive.unpack(dir);
        Archive.Result flyway = archive.run(List.of("mvn", "-B", "-q", "-f", Archive.SOURCE.resolve("pom.xml").toString(),
                // The launcher's HOME is a scratch folder: keep Maven on this machine's repository.
                "-Dmaven.repo.local=" + System.getProperty("maven.repo.local",
                        Path.of(System.getProperty("user.home"), ".m2", "repository").toString()),
                "-pl", "migrations", "flyway:migrate",
                "-Dflyway.url=" + database.jdbcUrl(), "-Dflyway.user=" + database.user()), Map.of());
        assertEquals(0, flyway.status(), flyway.toString());

        Map<String, String> env = Archive.env("WSRELAY_STORE_JDBC_URL", database.jdbcUrl(), "WSRELAY_STORE_USER", database.user());
        Archive.Result migrate = archive.wsrelay(env, "migrate");
        Archive.Result add = archive.wsrelay(env, "--set", "relay.store.migrate-on-start=false",
                "endpoint", "add", "e1", "wss://example.com/socket");
        assertAll(
                () -> assertEquals(0, migrate.status(), migrate.toString()),
                () -> assertTrue(migrate.out().startsWith("applied 0 migration(s)"), migrate.toString()),
                () -> assertEquals(0, add.status(), add.toString()));
    }

    @Test
    void theDocsNameNoFlywayCommandButTheOneThisTestRuns() throws Exception {
        List<String> commands = new java.util.ArrayList<>();
        try (var docs = Files.list(Archive.SOURCE.resolve("docs"))) {
            for (Path doc : java.util.stream.Stream.concat(java.util.stream.Stream.of(Archive.SOURCE.resolve("README.md")),
                    docs.filter(p -> p.toString().endsWith(".md")).sorted()).toList()) {
                Files.readString(doc).lines().map(String::strip)
                        .filter(line -> line.matches("`?(mvn|flyway) .*") && line.contains("flyway"))
                        .forEach(commands::add);
            }
        }
        assertEquals(List.of("mvn -pl migrations flyway:migrate -Dflyway.url=jdbc:postgresql://127.0.0.1:5432/wsrelay"
                + " -Dflyway.user=wsrelay -Dflyway.password=..."), commands);
    }
}
