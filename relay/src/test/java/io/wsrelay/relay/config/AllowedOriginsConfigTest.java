package io.wsrelay.relay.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@code relay.origins.allowed} takes only patterns that can match an Origin header. */
class AllowedOriginsConfigTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "app.example|an origin is scheme://host[:port]",
            "https://app.example/|an origin is scheme://host[:port], without a path",
            "https://app.example/x|an origin is scheme://host[:port], without a path",
            "https://app.example:99999|an origin is scheme://host[:port]: the port must be 1 to 65535"})
    void anAllowedOriginThatCanNeverMatchIsRefused(String origin, String problem) {
        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> ConfigLoader.load(Map.of("relay.origins.allowed", origin), Map.of(), Optional.empty()).config());
        assertEquals("relay.origins.allowed must be a list of origins (scheme://host[:port], no path), scheme://*.domain[:port] "
                + "patterns or *; " + origin + ": " + problem + ", was '" + origin + "' (from --set)", e.getMessage());
    }

    @Test
    void allowedOriginPatternsThatCanMatchAreAccepted() {
        assertEquals(4, ConfigLoader.load(Map.of("relay.origins.allowed", "https://app.example, http://*.example.com:8080, *, null"),
                Map.of(), Optional.empty()).config().security().allowedOrigins().size());
    }
}
