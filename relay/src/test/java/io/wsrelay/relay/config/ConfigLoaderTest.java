package io.wsrelay.relay.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Strict configuration: unknown keys from every source, malformed values, effective values and their sources. */
class ConfigLoaderTest {

    private static ConfigurationException refused(Map<String, String> flags, Map<String, String> env, Optional<Path> file) {
        return assertThrows(ConfigurationException.class, () -> ConfigLoader.load(flags, env, file).config());
    }

    @Test
    void misspeltFlagIsRefusedWithTheNearestKey() {
        ConfigurationException e = refused(Map.of("relay.upstream.allow-privat-addresses", "true"), Map.of(), Optional.empty());
        assertEquals("unknown setting relay.upstream.allow-privat-addresses (--set relay.upstream.allow-privat-addresses);"
                + " did you mean relay.upstream.allow-private-addresses?", e.getMessage());
    }

    @Test
    void misspeltKeyInTheFileIsRefusedNamingFileAndLine(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("wsrelay.conf");
        Files.writeString(file, "relay {\n  port = 3001\n  stroe.type = redis\n}\n");
        ConfigurationException e = refused(Map.of(), Map.of(), Optional.of(file));
        assertAll(
                () -> assertTrue(e.getMessage().startsWith("unknown setting relay.stroe.type ("), e.getMessage()),
                () -> assertTrue(e.getMessage().contains("wsrelay.conf: 3"), "file and line: " + e.getMessage()),
                () -> assertTrue(e.getMessage().endsWith("did you mean relay.store.type?"), e.getMessage()));
    }

    @Test
    void misspeltKeyInAPropertiesFileIsRefused(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("wsrelay.properties");
        Files.writeString(file, "relay.idle-timout=5s\n");
        assertTrue(refused(Map.of(), Map.of(), Optional.of(file)).getMessage().endsWith("did you mean relay.idle-timeout?"));
    }

    @Test
    void misspeltEnvironmentVariableIsRefusedWithTheNearestVariable() {
        ConfigurationException e = refused(Map.of(), Map.of("WSRELAY_STROE_TYPE", "redis"), Optional.empty());
        assertEquals("unknown setting in the environment: WSRELAY_STROE_TYPE; did you mean WSRELAY_STORE_TYPE (relay.store.type)?",
                e.getMessage());
    }

    @Test
    void launcherVariablesAndOtherProgramsVariablesAreNotSettings() {
        RelayConfig c = ConfigLoader.load(Map.of(), Map.of("WSRELAY_JAVA_OPTS", "-Xmx1g", "WSRELAY_JAVA_HOME", "/opt/jdk",
                "PATH", "/usr/bin", "JAVA_HOME", "/usr/lib/jvm/x"), Optional.empty()).config();
        assertEquals(3001, c.port());
    }

    @Test
    void everyKeyHasItsOwnEnvironmentVariable() {
        Map<String, Long> byVariable = RelayConfig.documentedDefaults().keySet().stream()
                .collect(Collectors.groupingBy(RelayConfig::environmentName, Collectors.counting()));
        assertEquals(Map.of(), byVariable.entrySet().stream().filter(e -> e.getValue() > 1)
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)), "two keys, one variable");
    }

    @Test
    void everyKeyOfTheDefaultsTableIsSettableFromEverySource() {
        // What another module adds to the defaults table is known at once: nothing else lists keys.
        for (String key : RelayConfig.documentedDefaults().keySet()) {
            String value = ConfigLoader.load(Map.of(), Map.of(), Optional.empty()).value(key);
            ConfigLoader.load(Map.of(key, value), Map.of(RelayConfig.environmentName(key), value), Optional.empty());
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "relay.limits.max-sessions|-5|relay.limits.max-sessions must be a whole number of at least 1, was '-5' (from --set)",
            "relay.upstream.allow-private-addresses|yes please|relay.upstream.allow-private-addresses must be true or false, was 'yes please' (from --set)",
            "relay.idle-timeout|soon|relay.idle-timeout must be a positive duration (500ms, 10s, 2m), was 'soon' (from --set)",
            "relay.idle-timeout|0s|relay.idle-timeout must be a positive duration (500ms, 10s, 2m), was '0s' (from --set)",
            "relay.port|70000|relay.port must be a whole number from 0 to 65535, was '70000' (from --set)",
            "relay.limits.max-frame-bytes|lots|relay.limits.max-frame-bytes must be a size (bytes, or with KiB, MiB, GiB) of at least 1, was 'lots' (from --set)",
            "relay.log.format|xml|relay.log.format must be one of text, json, was 'xml' (from --set)",
            "relay.log.level|loud|relay.log.level must be one of trace, debug, info, warn, error, off, was 'loud' (from --set)",
            "relay.shutdown.drain-period|-1s|relay.shutdown.drain-period must be a duration of 0 or more (500ms, 10s, 2m), was '-1s' (from --set)",
    })
    void malformedValueNamesTheKeyTheValueAndItsSource(String key, String value, String message) {
        assertEquals(message, refused(Map.of(key, value), Map.of(), Optional.empty()).getMessage());
    }

    @Test
    void malformedValueFromTheEnvironmentSaysSo() {
        assertEquals("relay.port must be a whole number from 0 to 65535, was 'three' (from the environment)",
                refused(Map.of(), Map.of("WEBSOCKET_PORT", "three"), Optional.empty()).getMessage());
    }

    @Test
    void settingsShowTheEffectiveValueAndWhereItCameFrom(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("wsrelay.conf");
        Files.writeString(file, "relay.port = 4000\nrelay.idle-timeout = 7s\nrelay.ping-interval = 9s\n");
        Map<String, String> env = new HashMap<>(Map.of("WSRELAY_IDLE_TIMEOUT", "8s", "WSRELAY_ADMIN_TOKEN", "t0ken-s3cret"));
        ConfigLoader loader = ConfigLoader.load(Map.of("relay.port", "4002"), env, Optional.of(file));
        Map<String, ConfigLoader.Setting> settings = loader.settings().stream()
                .collect(Collectors.toMap(ConfigLoader.Setting::key, Function.identity()));
        assertAll(
                () -> assertEquals(new ConfigLoader.Setting("relay.port", "4002", ConfigLoader.Source.FLAG, "WSRELAY_PORT"),
                        settings.get("relay.port")),
                () -> assertEquals(new ConfigLoader.Setting("relay.idle-timeout", "8s", ConfigLoader.Source.ENVIRONMENT,
                        "WSRELAY_IDLE_TIMEOUT"), settings.get("relay.idle-timeout")),
                () -> assertEquals(new ConfigLoader.Setting("relay.ping-interval", "9s", ConfigLoader.Source.FILE,
                        "WSRELAY_PING_INTERVAL"), settings.get("relay.ping-interval")),
                () -> assertEquals(new ConfigLoader.Setting("relay.close-timeout", "5s", ConfigLoader.Source.DEFAULT,
                        "WSRELAY_CLOSE_TIMEOUT"), settings.get("relay.close-timeout")),
                () -> assertEquals(RelayConfig.documentedDefaults().keySet(), settings.keySet()),
                () -> assertEquals("(secret)", settings.get("relay.admin.token").value()),
                () -> assertFalse(settings.toString().contains("s3cret")));
    }

    /** A storage module's defaults table, as a provider declares it. */
    private static final Config MODULE = ConfigFactory.parseString("""
            relay.store.demo {
              url = "demo://127.0.0.1:1"
              jdbc-url = ""
              pool-size = 4
            }
            """, ConfigParseOptions.defaults().setOriginDescription("wsrelay-store-demo.conf"));

    private static ConfigLoader withModule(Map<String, String> flags, Map<String, String> env) {
        return ConfigLoader.load(flags, env, Optional.empty(), List.of(MODULE));
    }

    @Test
    void aModulesKeysAreKnownInEverySourceAndShownWithTheirSource() {
        ConfigLoader loader = withModule(Map.of("relay.store.demo.pool-size", "8"),
                Map.of("WSRELAY_STORE_DEMO_URL", "demo://db:2"));
        Map<String, ConfigLoader.Setting> settings = loader.settings().stream()
                .collect(Collectors.toMap(ConfigLoader.Setting::key, Function.identity()));
        assertAll(
                () -> assertEquals("demo://db:2", loader.values().string("relay.store.demo.url")),
                () -> assertEquals(8, loader.values().integer("relay.store.demo.pool-size", 1, 100)),
                () -> assertEquals(new ConfigLoader.Setting("relay.store.demo.url", "demo://db:2", ConfigLoader.Source.ENVIRONMENT,
                        "WSRELAY_STORE_DEMO_URL"), settings.get("relay.store.demo.url")),
                () -> assertEquals(ConfigLoader.Source.FLAG, settings.get("relay.store.demo.pool-size").source()),
                () -> assertEquals(ConfigLoader.Source.DEFAULT, settings.get("relay.store.demo.jdbc-url").source()),
                () -> assertTrue(settings.keySet().containsAll(RelayConfig.documentedDefaults().keySet())));
    }

    @Test
    void aMisspeltModuleKeyIsRefusedWithTheNearestModuleKey() {
        ConfigurationException flag = assertThrows(ConfigurationException.class,
                () -> withModule(Map.of("relay.store.demo.pool-sise", "8"), Map.of()));
        ConfigurationException env = assertThrows(ConfigurationException.class,
                () -> withModule(Map.of(), Map.of("WSRELAY_STORE_DEMO_UR", "x")));
        assertAll(
                () -> assertEquals("unknown setting relay.store.demo.pool-sise (--set relay.store.demo.pool-sise); did you mean "
                        + "relay.store.demo.pool-size?", flag.getMessage()),
                () -> assertEquals("unknown setting in the environment: WSRELAY_STORE_DEMO_UR; did you mean "
                        + "WSRELAY_STORE_DEMO_URL (relay.store.demo.url)?", env.getMessage()),
                // Without the module its keys are unknown.
                () -> assertThrows(ConfigurationException.class,
                        () -> ConfigLoader.load(Map.of("relay.store.demo.url", "x"), Map.of(), Optional.empty())));
    }

    @Test
    void aMalformedModuleValueNamesTheKeyTheValueAndItsSource() {
        ConfigValues values = withModule(Map.of("relay.store.demo.pool-size", "0"), Map.of()).values();
        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> values.integer("relay.store.demo.pool-size", 1, Integer.MAX_VALUE));
        assertEquals("relay.store.demo.pool-size must be a whole number of at least 1, was '0' (from --set)", e.getMessage());
        assertEquals("relay.store.demo.url must be a demo:// URL, was 'demo://127.0.0.1:1' (the default)",
                values.invalid("relay.store.demo.url", "a demo:// URL").getMessage());
    }

    @Test
    void aModuleThatDeclaresAKeyOfTheRelayIsRefused() {
        Config clash = ConfigFactory.parseString("relay.port = 1", ConfigParseOptions.defaults().setOriginDescription("clash.conf"));
        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> ConfigLoader.load(Map.of(), Map.of(), Optional.empty(), List.of(clash)));
        assertTrue(e.getMessage().startsWith("setting relay.port declared twice: " + RelayConfig.REFERENCE), e.getMessage());
    }

    @Test
    void settingsNeverShowAPasswordInAUrl() {
        ConfigLoader loader = withModule(Map.of("relay.store.demo.url", "redis://app:hunter2@cache:6379/0",
                "relay.store.demo.jdbc-url", "jdbc:postgresql://db/wsrelay?user=w&password=hunter2"), Map.of());
        String shown = loader.settings().toString();
        assertAll(
                () -> assertFalse(shown.contains("hunter2"), shown),
                () -> assertTrue(shown.contains("redis://app:***@cache:6379/0"), shown));
    }

    @Test
    void nearestKeyIsByEditDistance() {
        assertEquals("relay.store.type", ConfigLoader.nearest("relay.stroe.type", Set.of("relay.store.type", "relay.host")));
    }
}
