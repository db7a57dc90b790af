package io.wsrelay.storage.sql;

import io.wsrelay.relay.spi.StoreException;
import org.jooq.SQLDialect;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ConnectionPoolsTest {

    @Test
    void h2UrlSelectsTheH2Dialect() {
        assertEquals(SQLDialect.H2, ConnectionPools.dialect("jdbc:h2:file:/tmp/x/wsrelay;MODE=PostgreSQL"));
    }

    @Test
    void postgresUrlSelectsThePostgresDialect() {
        assertEquals(SQLDialect.POSTGRES, ConnectionPools.dialect("jdbc:postgresql://db:5432/relay"));
    }

    @Test
    void otherDatabaseIsRefusedWithoutEchoingItsParameters() {
        StoreException e = assertThrows(StoreException.class,
                () -> ConnectionPools.dialect("jdbc:mysql://db/relay?password=hunter2"));
        assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
    }

    @Test
    void embeddedDirectoryIsTheParentOfTheDatabaseFile() {
        assertEquals(Optional.of(Path.of("/var/lib/wsrelay")),
                ConnectionPools.embeddedDirectory("jdbc:h2:file:/var/lib/wsrelay/wsrelay;MODE=PostgreSQL;AUTO_SERVER=TRUE"));
    }

    @Test
    void embeddedDirectoryExpandsTheHomeDirectory() {
        assertEquals(Optional.of(Path.of(System.getProperty("user.home"), ".wsrelay")),
                ConnectionPools.embeddedDirectory("jdbc:h2:~/.wsrelay/wsrelay"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"jdbc:h2:mem:test", "jdbc:h2:tcp://localhost/~/test", "jdbc:postgresql://db/relay"})
    void nonFileDatabasesHaveNoEmbeddedDirectory(String url) {
        assertEquals(Optional.empty(), ConnectionPools.embeddedDirectory(url));
    }

    @ParameterizedTest
    @CsvSource({"PT0.1S, 1", "PT1S, 1", "PT2S, 2", "PT2.001S, 3"})
    void queryTimeoutIsTheStoreTimeoutInWholeSecondsRoundedUp(Duration timeout, int seconds) {
        assertEquals(seconds, ConnectionPools.queryTimeoutSeconds(timeout));
    }

    @ParameterizedTest
    @CsvSource({
            "'jdbc:postgresql://db/relay?user=u&password=p', jdbc:postgresql://db/relay",
            "'jdbc:h2:file:/d/wsrelay;MODE=PostgreSQL;PASSWORD=p', jdbc:h2:file:/d/wsrelay"})
    void redactedUrlHasNoParameters(String url, String redacted) {
        assertEquals(redacted, ConnectionPools.redact(url));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "jdbc:h2:file:/d/wsrelay;MODE=PostgreSQL | jdbc:h2:file:/d/wsrelay;MODE=PostgreSQL;WRITE_DELAY=0;RETENTION_TIME=1000",
            "jdbc:h2:file:/d/wsrelay;write_delay=500 | jdbc:h2:file:/d/wsrelay;write_delay=500;RETENTION_TIME=1000",
            "jdbc:h2:file:/d/wsrelay;RETENTION_TIME=45000 | jdbc:h2:file:/d/wsrelay;RETENTION_TIME=45000;WRITE_DELAY=0",
            "jdbc:h2:mem:x | jdbc:h2:mem:x",
            "jdbc:postgresql://db:5432/relay | jdbc:postgresql://db:5432/relay"})
    void anEmbeddedFileWritesEachCommitAndReusesOldSpaceAfterOneSecondUnlessTheUrlSaysOtherwise(String url, String opened) {
        assertEquals(opened, ConnectionPools.durableUrl(url));
    }

    @Test
    void h2KeepsNoJvmWideCacheOfTheValuesWritten() {
        ConnectionPools.dialect("jdbc:h2:mem:x");
        assertEquals("false", System.getProperty(ConnectionPools.H2_OBJECT_CACHE));
    }

    @ParameterizedTest
    @ValueSource(ints = {90121, 90067})
    void anEmbeddedFileWhoseServingProcessExitedIsOpenedAgain(int h2ErrorCode) {
        Exception failure = new RuntimeException("Unable to check whether table exists",
                new java.sql.SQLException("session closed", "90067", h2ErrorCode));
        org.junit.jupiter.api.Assertions.assertAll(
                () -> org.junit.jupiter.api.Assertions.assertTrue(
                        ConnectionPools.embeddedServerWentAway("jdbc:h2:file:/tmp/x/wsrelay;AUTO_SERVER=TRUE", failure)),
                () -> assertFalse(ConnectionPools.embeddedServerWentAway("jdbc:postgresql://127.0.0.1:5432/x", failure)),
                () -> assertFalse(ConnectionPools.embeddedServerWentAway("jdbc:h2:file:/tmp/x/wsrelay",
                        new RuntimeException(new java.sql.SQLException("syntax", "42000", 42000)))));
    }
}
