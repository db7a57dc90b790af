package io.wsrelay.relay.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A refused value is quoted in its message unless it is a secret (then only its type) or a URL with
 * user information (then masked).
 */
class ConfigSecretsTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"relay.admin.token", "relay.tls.keystore-password"})
    void aSecretOfTheWrongTypeIsNeverEchoed(String key) throws Exception {
        Path file = Files.writeString(dir.resolve("wsrelay.conf"), key + " = [\"FileSecretPw6\"]\n");
        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> ConfigLoader.load(Map.of(), Map.of(), Optional.of(file)).config());
        assertAll(
                () -> assertEquals(key + " must be a string, was a list (a secret, not shown) (from "
                        + file + ": 1)", e.getMessage()),
                () -> assertFalse(String.valueOf(e.getCause()).contains("FileSecretPw6"), String.valueOf(e.getCause())));
    }

    @Test
    void aUrlRefusedByTypeHasItsPasswordMasked() {
        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> ConfigLoader.load(Map.of("relay.host", "ws://u:HostPw9@x"), Map.of(), Optional.empty())
                        .values().integer("relay.host", 1, 2));
        assertEquals("relay.host must be a whole number from 1 to 2, was 'ws://u:***@x' (from --set)", e.getMessage());
    }

}
