package io.wsrelay.relay.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The default data directory is {@code $HOME/.wsrelay}, and {@code settings} shows it. */
class DataDirTest {
    @TempDir
    Path dir;

    @Test
    void theDefaultDataDirectoryIsUnderHomeAndShownBySettings() {
        ConfigLoader loader = ConfigLoader.load(Map.of(), Map.of("HOME", dir.toString()), Optional.empty());
        ConfigLoader.Setting shown = loader.settings().stream().filter(s -> s.key().equals("relay.data-dir")).findFirst().orElseThrow();
        assertAll(
                () -> assertEquals(dir.resolve(".wsrelay"), loader.values().dataDir()),
                () -> assertEquals(dir.resolve(".wsrelay").toString(), shown.value()),
                () -> assertEquals(ConfigLoader.Source.DEFAULT, shown.source()));
    }

    @Test
    void withoutHomeTheDataDirectoryIsUnderUserHome() {
        assertEquals(Path.of(System.getProperty("user.home"), ".wsrelay"),
                ConfigLoader.load(Map.of(), Map.of(), Optional.empty()).values().dataDir());
    }
}
