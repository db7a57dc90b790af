package io.wsrelay.relay.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RelayConfigTest {

    @Test
    void defaultsAreTheDocumentedOnes() {
        RelayConfig c = RelayConfig.defaults();
        assertEquals(3001, c.port());
        assertEquals(Duration.ofSeconds(10), c.connectTimeout());
        assertEquals(64L << 20, c.limits().maxMessageBytes());
        assertEquals("sql", c.storeType());
    }

    @Test
    void flagsBeatTheEnvironmentWhichBeatsTheFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("wsrelay.conf");
        Files.writeString(file, "relay.port = 4000\nrelay.idle-timeout = 7s\nrelay.ping-interval = 9s\n");
        RelayConfig c = RelayConfig.load(
                Map.of("relay.port", "4002"),
                Map.of("WEBSOCKET_PORT", "4001", "WSRELAY_IDLE_TIMEOUT", "8s"),
                Optional.of(file));
        assertEquals(4002, c.port());
        assertEquals(Duration.ofSeconds(8), c.idleTimeout());
        assertEquals(Duration.ofSeconds(9), c.pingInterval());
    }

    @Test
    void websocketPortFromTheOriginalSystemSetsThePort() {
        assertEquals(3005, RelayConfig.load(Map.of(), Map.of("WEBSOCKET_PORT", "3005"), Optional.empty()).port());
    }

    @Test
    void dataDirectoryIsTheGivenOneOrWsrelayInTheHomeDirectory(@TempDir Path dir) {
        assertEquals(dir, ConfigLoader.load(Map.of("relay.data-dir", dir.toString()), Map.of(), Optional.empty()).values().dataDir());
        assertEquals(Path.of(System.getProperty("user.home"), ".wsrelay"),
                ConfigLoader.load(Map.of(), Map.of(), Optional.empty()).values().dataDir());
    }

    @Test
    void invalidValuesAreRefusedNamingTheKey() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RelayConfig.from(Map.of("relay.idle-timeout", "soon")));
        assertTrue(e.getMessage().contains("idle-timeout"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> RelayConfig.from(Map.of("relay.port", "70000")));
        assertThrows(IllegalArgumentException.class,
                () -> RelayConfig.load(Map.of(), Map.of(), Optional.of(Path.of("/nonexistent/wsrelay.conf"))));
    }

    @Test
    void environmentNamesFollowTheKeys() {
        assertEquals("WSRELAY_STORE_JDBC_URL", RelayConfig.environmentName("relay.store.jdbc-url"));
        assertEquals("WSRELAY_LIMITS_MAX_SESSIONS", RelayConfig.environmentName("relay.limits.max-sessions"));
    }
}
