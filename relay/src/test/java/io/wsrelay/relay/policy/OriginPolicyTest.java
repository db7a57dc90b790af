package io.wsrelay.relay.policy;

import io.wsrelay.relay.RelaySecurityTest;
import io.wsrelay.relay.UpgradeRejectedException;
import io.wsrelay.relay.config.RelayConfig;
import io.wsrelay.relay.spi.Endpoint;
import io.wsrelay.relay.spi.EndpointStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The Origin rules on their own; RelaySecurityTest checks them through a running relay. */
class OriginPolicyTest {
    private static final Endpoint PLAIN = Endpoint.of("e1", "wss://api.example.com/ws");

    @ParameterizedTest(name = "{0} matches {1}: {2}")
    @CsvSource({
            "https://app.example.com, https://app.example.com, true",
            "https://app.example.com, HTTPS://APP.example.com, true",
            "https://app.example.com, https://app.example.com:443, true",
            "https://app.example.com, http://app.example.com, false",
            "https://app.example.com, https://app.example.com:8443, false",
            "https://app.example.com, https://app.example.com.evil.net, false",
            "https://*.example.com, https://a.b.example.com, true",
            "https://*.example.com, https://example.com, false",
            "https://*.example.com, https://evilexample.com, false",
            "https://*.example.com, http://a.example.com, false",
            "*, https://anything.net, true",
            "*, null, true",
            "https://app.example.com, null, false"})
    void matchesPatterns(String pattern, String origin, boolean expected) {
        assertEquals(expected, OriginPolicy.matches(pattern, origin));
    }

    @ParameterizedTest(name = "{0} with Host {1}: {2}")
    @CsvSource({
            "http://relay.example:3001, relay.example:3001, true",
            "https://relay.example, relay.example, true",
            "https://relay.example, relay.example:443, true",
            "http://relay.example, relay.example:3001, false",
            "https://evil.example, relay.example, false"})
    void recognisesTheRelaysOwnOrigin(String origin, String host, boolean expected) {
        assertEquals(expected, OriginPolicy.isSameOrigin(origin, host));
    }

    @Test
    void byDefaultAllowsMissingOriginAndSameOriginButNoOtherPage() {
        OriginPolicy policy = OriginPolicy.create(RelayConfig.defaults().security());
        assertDoesNotThrow(() -> policy.check(PLAIN, null, "relay:3001"));
        assertDoesNotThrow(() -> policy.check(PLAIN, "http://127.0.0.1:3001", "127.0.0.1:3001"));
        assertDoesNotThrow(() -> policy.check(PLAIN, "http://[::1]:3001", "[::1]:3001"));
        assertDoesNotThrow(() -> policy.check(PLAIN, "http://localhost:3001", "localhost:3001"));
        UpgradeRejectedException e = assertThrows(UpgradeRejectedException.class,
                () -> policy.check(PLAIN, "https://app.example.com", "relay:3001"));
        assertEquals(403, e.status());
        assertEquals("origin_not_allowed", e.error());
    }

    @ParameterizedTest(name = "Origin {0} with Host {1}, public hosts [{2}]: {3}")
    @CsvSource(delimiter = '|', value = {
            // DNS rebinding: the attacker's page sends its own name as Host and as Origin.
            "http://evil.example        | evil.example          | ''                     | false",
            "http://relay.example:3001  | relay.example:3001    | ''                     | false",
            "http://relay.example:3001  | relay.example:3001    | relay.example:3001     | true",
            "https://relay.example      | relay.example         | relay.example          | true",
            "https://relay.example      | relay.example:443     | RELAY.example:443      | true",
            "http://relay.example:8080  | relay.example:8080    | relay.example          | false",
            "http://evil.example        | evil.example          | relay.example          | false",
            "http://10.1.2.3:3001       | 10.1.2.3:3001         | ''                     | true",
    })
    void sameOriginBelievesOnlyTheRelaysOwnHostNames(String origin, String host, String publicHosts, boolean allowed) {
        OriginPolicy policy = new OriginPolicy(List.of(), true, true,
                publicHosts.isBlank() ? List.of() : List.of(publicHosts.strip()));
        if (allowed) {
            assertDoesNotThrow(() -> policy.check(PLAIN, origin.strip(), host.strip()));
        } else {
            assertEquals("origin_not_allowed", assertThrows(UpgradeRejectedException.class,
                    () -> policy.check(PLAIN, origin.strip(), host.strip())).error());
        }
    }

    @Test
    void endpointListReplacesTheGlobalList() {
        OriginPolicy policy = new OriginPolicy(List.of("https://global.example"), true, false);
        Endpoint own = new Endpoint("e2", "ws://h", EndpointStatus.ACTIVE, List.of(), List.of("https://own.example"), 0,
                Map.of(), Instant.now(), Instant.now());
        assertDoesNotThrow(() -> policy.check(own, "https://own.example", "relay"));
        assertThrows(UpgradeRejectedException.class, () -> policy.check(own, "https://global.example", "relay"));
        assertDoesNotThrow(() -> policy.check(PLAIN, "https://global.example", "relay"));
        assertThrows(UpgradeRejectedException.class, () -> policy.check(own, null, "relay"),
                "an endpoint with its own list expects browsers");
    }

    @Test
    void refusesMissingOriginWhenNotAllowed() {
        OriginPolicy policy = new OriginPolicy(List.of("*"), false, true);
        assertEquals(403, assertThrows(UpgradeRejectedException.class, () -> policy.check(PLAIN, null, "relay")).status());
    }
}
