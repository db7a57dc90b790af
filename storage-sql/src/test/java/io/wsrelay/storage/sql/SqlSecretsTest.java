package io.wsrelay.storage.sql;

import io.wsrelay.relay.cli.RelayMain;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The SQL store's secrets never reach output: a password of the wrong type, a JDBC URL's user
 * information (masked in {@link SqlStoreConfig#toString}, {@link ConnectionPools#redact} and every
 * message), a URL of another kind refused by type.
 */
class SqlSecretsTest {
    @TempDir
    Path dir;

    record Result(int status, String out, String err) {
        boolean shows(String secret) {
            return out.contains(secret) || err.contains(secret);
        }
    }

    private Result wsrelay(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Map<String, String> environment = new HashMap<>(Map.of("WSRELAY_DATA_DIR", dir.toString()));
        int status = RelayMain.run(environment, new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(status, out.toString(), err.toString());
    }

    @Test
    void aPasswordOfTheWrongTypeIsNeverEchoed() throws Exception {
        Path file = Files.writeString(dir.resolve("wsrelay.conf"), "relay.store.password = [\"FileSecretPw6\"]\n");
        Result r = wsrelay("--config", file.toString(), "check");
        assertAll(
                () -> assertEquals(2, r.status(), r.err()),
                () -> assertTrue(r.err().contains("relay.store.password must be a string, was a list (a secret, not shown) (from "
                        + file + ": 1)"), r.err()),
                () -> assertFalse(r.shows("FileSecretPw6"), r.err()));
    }

    @Test
    void aJdbcUrlOfTheWrongTypeHasItsPasswordMasked() throws Exception {
        Path file = Files.writeString(dir.resolve("wsrelay.conf"),
                "relay.store.jdbc-url = [\"jdbc:postgresql://u:ListPw7@127.0.0.1/x\"]\n");
        Result r = wsrelay("--config", file.toString(), "check");
        assertAll(
                () -> assertEquals(2, r.status(), r.err()),
                () -> assertTrue(r.err().contains("relay.store.jdbc-url must be a string, was "
                        + "'[jdbc:postgresql://u:***@127.0.0.1/x]' (from " + file + ": 1)"), r.err()),
                () -> assertFalse(r.shows("ListPw7"), r.err()));
    }

    @Test
    void aUrlOfAnotherKindHasItsPasswordMasked() {
        Result r = wsrelay("--set", "relay.store.jdbc-url=postgres://u:GarbPw11@127.0.0.1/x", "check");
        assertAll(
                () -> assertEquals(2, r.status(), r.err()),
                () -> assertTrue(r.err().contains("relay.store.jdbc-url must be a jdbc:postgresql: or jdbc:h2: URL, or empty for "
                        + "the embedded database, was 'postgres://u:***@127.0.0.1/x' (from --set)"), r.err()),
                () -> assertFalse(r.shows("GarbPw11"), r.err()));
    }

    @Test
    void aJdbcUrlsUserInformationIsMaskedInTextAndInTheErrorOfAnUnreachableDatabase() {
        String url = "jdbc:postgresql://u:UserinfoPw43@127.0.0.1:5999/x";
        SqlStoreConfig c = TestEndpoints.settings(Map.of("relay.store.jdbc-url", url));
        Result r = wsrelay("--set", "relay.store.jdbc-url=" + url, "--set", "relay.store.timeout=1s", "check");
        assertAll(
                () -> assertEquals("jdbc:postgresql://u:***@127.0.0.1:5999/x", ConnectionPools.redact(url)),
                () -> assertEquals("jdbc:postgresql://u:***@127.0.0.1:5999/x", ConnectionPools.redact(url + "?password=p;x=1")),
                () -> assertTrue(c.toString().contains("jdbcUrl=jdbc:postgresql://u:***@127.0.0.1:5999/x,"), c.toString()),
                () -> assertFalse(c.toString().contains("UserinfoPw43"), c.toString()),
                () -> assertEquals(1, r.status(), r.err()),
                () -> assertTrue(r.err().contains("jdbc:postgresql://u:***@127.0.0.1:5999/x"), r.err()),
                () -> assertFalse(r.shows("UserinfoPw43"), r.out() + r.err()));
    }
}
