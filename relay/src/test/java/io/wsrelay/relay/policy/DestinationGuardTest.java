package io.wsrelay.relay.policy;

import io.wsrelay.relay.UpgradeRejectedException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetAddress;
import java.net.URI;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which addresses the destination guard admits, by range, family and setting; no network needed. */
class DestinationGuardTest {
    private static final DestinationGuard DEFAULT = new DestinationGuard(false, List.of());
    private static final DestinationGuard LOCAL = new DestinationGuard(true, List.of());

    @ParameterizedTest(name = "{0} is refused by default")
    @ValueSource(strings = {"127.0.0.1", "127.1.2.3", "10.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.1.1",
            "169.254.1.1", "100.64.0.1", "0.0.0.0", "::1", "::", "fe80::1", "fc00::1", "fd12:3456::1",
            "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::127.0.0.1", "64:ff9b::a00:1", "2002:7f00:1::1",
            "169.254.169.254", "fd00:ec2::254", "100.100.100.200", "192.0.0.192", "224.0.0.1", "239.1.2.3",
            "255.255.255.255", "240.0.0.1", "ff02::1", "192.0.2.1", "2001:db8::1"})
    void refusesNonPublicAddressesByDefault(String literal) throws Exception {
        assertTrue(DEFAULT.refusal(InetAddress.getByName(literal)).isPresent());
    }

    @ParameterizedTest(name = "{0} is allowed")
    @ValueSource(strings = {"93.184.216.34", "8.8.8.8", "172.32.0.1", "100.128.0.1", "2606:4700::1111",
            "::ffff:93.184.216.34", "64:ff9b::808:808", "2002:5db8:d822::1"})
    void allowsPublicUnicast(String literal) throws Exception {
        assertEquals(java.util.Optional.empty(), DEFAULT.refusal(InetAddress.getByName(literal)));
    }

    @ParameterizedTest(name = "{0} is allowed with allow-private-addresses")
    @ValueSource(strings = {"127.0.0.1", "::1", "10.0.0.1", "192.168.0.1", "fe80::1", "fd12::1", "::ffff:127.0.0.1"})
    void allowPrivateAddressesOpensLocalRanges(String literal) throws Exception {
        assertEquals(java.util.Optional.empty(), LOCAL.refusal(InetAddress.getByName(literal)));
    }

    @ParameterizedTest(name = "{0} stays refused with allow-private-addresses")
    @ValueSource(strings = {"169.254.169.254", "fd00:ec2::254", "100.100.100.200", "224.0.0.1", "255.255.255.255",
            "::ffff:169.254.169.254"})
    void allowPrivateAddressesKeepsMetadataAndMulticastClosed(String literal) throws Exception {
        assertTrue(LOCAL.refusal(InetAddress.getByName(literal)).isPresent());
    }

    @Test
    void allowedNetworksOpenExactlyTheirAddresses() throws Exception {
        DestinationGuard guard = new DestinationGuard(false, List.of("10.1.2.0/24", "169.254.169.254/32", "fd00::/8"));
        assertAll(guard, true, "10.1.2.3", "169.254.169.254", "fd00::5");
        assertAll(guard, false, "10.1.3.1", "127.0.0.1", "169.254.169.253");
    }

    @Test
    void reasonNamesTheRangeAndTheSetting() throws Exception {
        String why = DEFAULT.refusal(InetAddress.getByName("::ffff:127.0.0.1")).orElseThrow();
        assertEquals("loopback address (relay.upstream.allow-private-addresses is false)", why);
    }

    @ParameterizedTest
    @ValueSource(strings = {"example.com/8", "10.0.0.0/33", "10.0.0.0/x", "", "::ffff:10.0.0.0/104"})
    void rejectsMalformedAllowedNetworks(String cidr) {
        assertThrows(IllegalArgumentException.class, () -> new DestinationGuard(false, List.of(cidr)));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"ws://127.0.0.1:9/", "ws://[::1]:9/", "ws://[::ffff:127.0.0.1]:9/", "ws://localhost:9/",
            "ws://169.254.169.254/latest", "ws://10.0.0.1:9/", "wss://[fe80::1]/", "ws://2130706433:9/"})
    void checkRefusesLiteralsAndNamesThatResolveToRefusedAddresses(String uri) {
        UpgradeRejectedException e = assertThrows(UpgradeRejectedException.class, () -> DEFAULT.check(URI.create(uri)));
        assertTrue(e.status() == 403 || e.status() == 502, () -> "status " + e.status());
        if (e.status() == 403) {
            assertEquals("destination_not_allowed", e.error());
        }
    }

    @Test
    void checkRefusesLocalhostBecauseItsAddressesAreLoopback() {
        UpgradeRejectedException e = assertThrows(UpgradeRejectedException.class,
                () -> DEFAULT.check(URI.create("ws://localhost:9/")));
        assertEquals(403, e.status());
        assertFalse(e.detail().contains("127.0.0.1"), "the client is not told which address the name has");
    }

    @Test
    void resolverFiltersOnlyLookupsMadeUnderAGuard() throws Exception {
        assertTrue(GuardedResolverProvider.isInstalled() || InetAddress.getAllByName("localhost").length > 0);
        assertTrue(GuardedResolverProvider.isInstalled(), "the relay's resolver is the JVM's");
        assertTrue(InetAddress.getAllByName("localhost").length > 0, "unguarded lookups are untouched");
    }

    private static void assertAll(DestinationGuard guard, boolean allowed, String... literals) throws Exception {
        for (String l : literals) {
            assertEquals(allowed, guard.refusal(InetAddress.getByName(l)).isEmpty(), l);
        }
    }
}
