package io.wsrelay.relay.config;

import io.wsrelay.relay.ops.Operations;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The operations settings: defaults, the environment, validation, and a token that never prints. */
class RelayConfigOperationsTest {

    @Test
    void defaultsShareTheRelayPortWithTheAdminApiOff() {
        RelayConfig.Operations ops = RelayConfig.defaults().operations();
        assertAll(
                () -> assertFalse(ops.hasAdminPort()),
                () -> assertFalse(ops.isAdminApiEnabled()),
                () -> assertEquals(100, ops.maxEndpointLabels()),
                () -> assertEquals(Duration.ofSeconds(20), ops.drainPeriod()),
                () -> assertEquals(RelayConfig.LogFormat.TEXT, ops.logFormat()));
    }

    @Test
    void environmentSetsEveryOperationsKey() {
        RelayConfig.Operations ops = RelayConfig.load(Map.of(), Map.of(
                "WSRELAY_ADMIN_PORT", "9090", "WSRELAY_ADMIN_HOST", "127.0.0.1", "WSRELAY_ADMIN_TOKEN", "tok",
                "WSRELAY_METRICS_MAX_ENDPOINT_LABELS", "7", "WSRELAY_SHUTDOWN_DRAIN_PERIOD", "45s",
                "WSRELAY_LOG_FORMAT", "JSON"), Optional.empty()).operations();
        assertAll(
                () -> assertEquals(9090, ops.adminPort()),
                () -> assertTrue(ops.hasAdminPort()),
                () -> assertEquals("127.0.0.1", ops.adminHost()),
                () -> assertTrue(ops.isAdminApiEnabled()),
                () -> assertEquals(7, ops.maxEndpointLabels()),
                () -> assertEquals(Duration.ofSeconds(45), ops.drainPeriod()),
                () -> assertEquals(RelayConfig.LogFormat.JSON, ops.logFormat()));
    }

    @ParameterizedTest(name = "{0} = {1} is refused")
    @CsvSource({"relay.admin.port, -2", "relay.admin.port, 70000", "relay.metrics.max-endpoint-labels, -1",
            "relay.shutdown.drain-period, -1s", "relay.log.format, xml"})
    void invalidValuesFailAtStartup(String key, String value) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RelayConfig.from(Map.of(key, value)));
        assertTrue(e.getMessage().contains(key), e.getMessage());
    }

    @Test
    void tokenNeverPrints() {
        RelayConfig config = RelayConfig.from(Map.of("relay.admin.token", "very-secret-token"));
        assertAll(
                () -> assertFalse(config.toString().contains("very-secret-token"), config.toString()),
                () -> assertTrue(config.operations().toString().contains("adminApi=on")));
    }
}
