package io.wsrelay.relay.cli;

import io.wsrelay.relay.config.RelayConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The command line's answers to bad input, each with its message and exit status, on the test-only
 * {@code memory} store (commands that need a real store: {@code RelayMainIT} in storage-sql).
 */
class RelayMainTest {
    @TempDir
    Path dir;

    /** Output, error output and exit status of one command. */
    record Result(int status, String out, String err) {
    }

    static Result wsrelay(Map<String, String> env, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Map<String, String> environment = new HashMap<>(Map.of("WSRELAY_STORE_TYPE", "memory"));
        environment.putAll(env);
        int status = RelayMain.run(environment, new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(status, out.toString(), err.toString());
    }

    static Result wsrelay(String... args) {
        return wsrelay(Map.of(), args);
    }

    @Test
    void misspeltFlagStopsEveryCommandWithExit2AndTheNearestKey() {
        for (String[] command : new String[][] {{"serve"}, {"migrate"}, {"check"}, {"settings"}, {"endpoint", "list"}}) {
            String[] args = new String[command.length + 2];
            args[0] = "--set";
            args[1] = "relay.upstream.allow-privat-addresses=true";
            System.arraycopy(command, 0, args, 2, command.length);
            Result r = wsrelay(args);
            assertAll(String.join(" ", command),
                    () -> assertEquals(2, r.status()),
                    () -> assertEquals("wsrelay: unknown setting relay.upstream.allow-privat-addresses (--set "
                            + "relay.upstream.allow-privat-addresses); did you mean relay.upstream.allow-private-addresses?\n", r.err()));
        }
    }

    @Test
    void misspeltKeyInTheConfigFileExits2(@TempDir Path conf) throws Exception {
        Path file = Files.writeString(conf.resolve("wsrelay.conf"), "relay.stroe.type = sql\n");
        Result r = wsrelay("--config", file.toString(), "check");
        assertEquals(2, r.status());
        assertTrue(r.err().startsWith("wsrelay: unknown setting relay.stroe.type (") && r.err().contains("did you mean relay.store.type?"), r.err());
    }

    @Test
    void misspeltEnvironmentVariableExits2() {
        Result r = wsrelay(Map.of("WSRELAY_UPSTREAM_ALLOW_PRIVAT_ADDRESSES", "true"), "check");
        assertEquals(2, r.status());
        assertEquals("wsrelay: unknown setting in the environment: WSRELAY_UPSTREAM_ALLOW_PRIVAT_ADDRESSES; did you mean "
                + "WSRELAY_UPSTREAM_ALLOW_PRIVATE_ADDRESSES (relay.upstream.allow-private-addresses)?\n", r.err());
    }

    @Test
    void malformedValueExits2NamingTheKey() {
        Result r = wsrelay("--set", "relay.limits.max-sessions=-5", "serve");
        assertEquals(2, r.status());
        assertEquals("wsrelay: relay.limits.max-sessions must be a whole number of at least 1, was '-5' (from --set)\n", r.err());
    }

    @Test
    void missingConfigFileExits2NamingIt() {
        Result r = wsrelay("--config", dir.resolve("nope.conf").toString(), "check");
        assertEquals(2, r.status());
        assertEquals("wsrelay: config file not found: " + dir.resolve("nope.conf") + "\n", r.err());
    }

    @Test
    void unknownStoreTypeExits2NamingTheTypesFound() {
        Result r = wsrelay("--set", "relay.store.type=mongo", "check");
        assertEquals(2, r.status());
        assertTrue(r.err().startsWith("wsrelay: no endpoint store of type 'mongo' (relay.store.type) on the class path; found: [")
                && r.err().contains("memory"), r.err());
    }

    @Test
    void checkSaysTheConfigurationIsFineAndTheStoreAnswers() {
        Result r = wsrelay("check");
        assertEquals(0, r.status(), r.err());
        assertEquals("configuration ok; store memory reachable\n", r.out());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "relay.upstream.allowed-networks=notacidr|relay.upstream.allowed-networks must be IP networks in CIDR notation, "
                    + "e.g. 10.0.0.0/8 (not an IP network: notacidr), was 'notacidr' (from --set)",
            "relay.upstream.allowed-networks=10.0.0.0/33|relay.upstream.allowed-networks must be IP networks in CIDR notation, "
                    + "e.g. 10.0.0.0/8 (prefix length out of range in 10.0.0.0/33), was '10.0.0.0/33' (from --set)",
            "relay.headers.forward=Cookie|relay.headers.forward must be headers the relay may forward "
                    + "(may not list Cookie: it never goes upstream), was 'Cookie' (from --set)",
            "relay.tls.keystore=/nonexistent.p12|relay.tls.keystore must be a readable keystore file, was '/nonexistent.p12' (from --set)",
    })
    void checkAndServeRefuseWhatTheRelayCannotBeBuiltWithExit2BeforeOpeningTheStore(String setting, String message) {
        for (String command : new String[] {"check", "serve"}) {
            Result r = wsrelay("--set", setting, "--set", "relay.port=0", command);
            assertAll(command,
                    () -> assertEquals(2, r.status(), r.err()),
                    () -> assertEquals("wsrelay: " + message + "\n", r.err()),
                    () -> assertEquals("", r.out()));
        }
    }

    @Test
    void aKeystoreThatDoesNotOpenIsAConfigurationError() throws Exception {
        Path junk = Files.writeString(dir.resolve("relay.p12"), "not a keystore");
        for (String command : new String[] {"check", "serve"}) {
            Result r = wsrelay("--set", "relay.tls.keystore=" + junk, "--set", "relay.tls.keystore-password=s3cret-pw",
                    "--set", "relay.port=0", command);
            assertAll(command,
                    () -> assertEquals(2, r.status(), r.err()),
                    () -> assertTrue(r.err().startsWith("wsrelay: relay.tls.keystore must be a PKCS12 keystore that opens with "
                            + "relay.tls.keystore-password ("), r.err()),
                    () -> assertTrue(r.err().endsWith("), was '" + junk + "' (from --set)\n"), r.err()),
                    () -> assertFalse(r.err().contains("s3cret-pw"), r.err()));
        }
    }

    @Test
    void aShortAdminTokenIsAConfigurationErrorThatNeverShowsIt() {
        for (String command : new String[] {"check", "serve"}) {
            Result r = wsrelay("--set", "relay.admin.token=x7-short-tok", "--set", "relay.port=0", command);
            assertAll(command,
                    () -> assertEquals(2, r.status(), r.err()),
                    () -> assertEquals("wsrelay: relay.admin.token must be at least 16 characters (e.g. openssl rand -hex 32), "
                            + "or empty to turn the admin API off, was a string (a secret, not shown) (from --set)\n", r.err()),
                    () -> assertEquals("", r.out()));
        }
        Result sixteen = wsrelay("--set", "relay.admin.token=0123456789abcdef", "check");
        assertEquals(0, sixteen.status(), sixteen.err());
    }

    @Test
    void anUpperCaseKeyIsRefusedWithItsLowerCaseSpellingSuggested() {
        Result r = wsrelay("--set", "RELAY.PORT=4000", "check");
        assertAll(
                () -> assertEquals(2, r.status(), r.err()),
                () -> assertEquals("wsrelay: unknown setting RELAY.PORT (--set RELAY.PORT); did you mean relay.port?\n", r.err()));
    }

    @Test
    void adminPortEqualToTheRelayPortIsAConfigurationError() {
        for (String command : new String[] {"check", "serve"}) {
            Result r = wsrelay("--set", "relay.port=13005", "--set", "relay.admin.port=13005", command);
            assertAll(command,
                    () -> assertEquals(2, r.status(), r.err()),
                    () -> assertEquals("wsrelay: relay.admin.port must be another port than relay.port (13005), or -1 to serve "
                            + "probes, metrics and the admin API on it, was '13005' (from --set)\n", r.err()));
        }
    }

    @Test
    void settingsListEffectiveValuesWithTheirSources() {
        Result r = wsrelay(Map.of("WSRELAY_IDLE_TIMEOUT", "8s"), "--set", "relay.port=4002", "settings");
        assertEquals(0, r.status(), r.err());
        assertAll(
                () -> assertTrue(r.out().lines().anyMatch(l -> l.matches("relay\\.port +4002 +flag +WSRELAY_PORT")), r.out()),
                () -> assertTrue(r.out().lines().anyMatch(l -> l.matches("relay\\.idle-timeout +8s +environment +WSRELAY_IDLE_TIMEOUT")), r.out()),
                () -> assertTrue(r.out().lines().anyMatch(l -> l.matches("relay\\.store\\.type +memory +environment +WSRELAY_STORE_TYPE")), r.out()),
                () -> assertTrue(r.out().lines().anyMatch(l -> l.matches("relay\\.close-timeout +5s +default +WSRELAY_CLOSE_TIMEOUT")), r.out()),
                () -> assertTrue(r.out().lines().anyMatch(l -> l.matches("relay\\.log\\.level +info +default +WSRELAY_LOG_LEVEL")), r.out()),
                () -> assertEquals(RelayConfig.documentedDefaults().size() + 1, r.out().lines().count(), "a header and one line per key"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "ftp://example.com/x|destination URL 'ftp://example.com/x' refused: scheme 'ftp' is not ws, wss, http or https",
            "example.com/socket|destination URL 'example.com/socket' refused: no scheme; use ws://, wss://, http:// or https://",
            "ws:///socket|destination URL 'ws:///socket' refused: no host",
            "wss://example.com/socket#top|destination URL 'wss://example.com/socket#top' refused: it has a fragment (#top); WebSocket URLs have none (RFC 6455, section 3)",
            "ws://exa mple.com/|destination URL 'ws://exa mple.com/' refused: not a URL (Illegal character in authority at index 8)",
    })
    void endpointAddRefusesAnUnusableUrlSayingWhichAndWhy(String url, String message) {
        Result r = wsrelay("endpoint", "add", "e1", url);
        assertEquals(2, r.status(), r.err());
        assertEquals("wsrelay: " + message + "\n", r.err());
    }

    @Test
    void endpointUpdateWithNothingToChangeExits2() {
        Result r = wsrelay("endpoint", "update", "e1");
        assertEquals(2, r.status());
        assertEquals("wsrelay: nothing to update for endpoint e1; give at least one option (--help lists them)\n", r.err());
    }

    @Test
    void endpointUpdateRefusesContradictoryOptions() {
        Result r = wsrelay("endpoint", "update", "e1", "--allowed-host", "a.example", "--no-allowed-hosts");
        assertEquals(2, r.status());
        assertEquals("wsrelay: --allowed-host and --no-allowed-hosts cannot be given together\n", r.err());
    }

    @Test
    void endpointShowOfAnUnknownIdExits1() {
        Result r = wsrelay("endpoint", "show", "nope");
        assertEquals(1, r.status());
        assertEquals("wsrelay: no endpoint nope\n", r.err());
    }

    @Test
    void sendToADeadPortSaysHostPortAndReason() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort(); // closed again: nothing listens there now
        }
        Result r = wsrelay("send", "--timeout", "5", "ws://127.0.0.1:" + port + "/ws", "hello");
        assertAll(
                () -> assertEquals(1, r.status()),
                () -> assertEquals("wsrelay: cannot connect to host 127.0.0.1 port " + port + ": connection refused\n", r.err()),
                () -> assertEquals("", r.out()));
    }

    @Test
    void sendRefusesAUrlThatIsNotWebSocket() {
        Result r = wsrelay("send", "http://127.0.0.1:1/", "hello");
        assertEquals(2, r.status());
        assertEquals("wsrelay: URL http://127.0.0.1:1/ is not a ws:// or wss:// URL with a host\n", r.err());
    }

    @Test
    void serveOnABusyPortSaysAddressAlreadyInUse() throws Exception {
        try (ServerSocket busy = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Result r = wsrelay("serve", "--port", String.valueOf(busy.getLocalPort()), "--set", "relay.host=127.0.0.1");
            assertAll(
                    () -> assertEquals(1, r.status()),
                    () -> assertEquals("wsrelay: cannot listen on 127.0.0.1:" + busy.getLocalPort() + " (relay.port): address already in use;"
                            + " another process holds it (stop it, or choose another port)\n", r.err()));
        }
    }

    @Test
    void echoServerOnABusyPortSaysWhy() throws Exception {
        try (ServerSocket busy = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Result r = wsrelay("echo-server", "--port", String.valueOf(busy.getLocalPort()));
            assertAll(
                    () -> assertEquals(1, r.status()),
                    () -> assertEquals("wsrelay: echo server cannot listen on 127.0.0.1:" + busy.getLocalPort()
                            + ": address already in use\n", r.err()),
                    () -> assertFalse(r.out().contains("echo server on"), r.out()));
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "wsrelay check|check --set relay.port",
            "wsrelay endpoint add|endpoint add e1 ws://127.0.0.1:9/ --status PAUSED",
            "wsrelay endpoint add|endpoint add e1 ws://127.0.0.1:9/ --capture sometimes",
            "wsrelay endpoint update|endpoint update e1 --live-sessions maybe",
            "wsrelay endpoint set-status|endpoint set-status e1 PAUSED",
            "wsrelay sessions list|sessions list --no-such-flag",
    })
    void aBadOptionOrParameterIsOnePrefixedLineAndAHintWithExit2(String command, String line) {
        Result r = wsrelay(line.split(" "));
        java.util.List<String> lines = r.err().lines().toList();
        assertAll(line,
                () -> assertEquals(2, r.status(), r.err()),
                () -> assertEquals(2, lines.size(), r.err()),
                () -> assertTrue(lines.getFirst().startsWith("wsrelay: "), r.err()),
                () -> assertFalse(r.err().contains("option option"), r.err()),
                () -> assertEquals("see '" + command + " --help'", lines.getLast()),
                () -> assertEquals("", r.out()));
    }

    @Test
    void aSettingWithoutAValueSaysSoOnce() {
        Result r = wsrelay("check", "--set", "relay.port");
        assertEquals(2, r.status());
        assertTrue(r.err().startsWith("wsrelay: Value for option '--set' (KEY=VALUE) "), r.err());
        assertTrue(r.err().contains("relay.port"), r.err());
    }

    @Test
    void sessionsAndDiscoveryWithoutATokenExit2Prefixed() {
        Result sessions = wsrelay("sessions", "list");
        Result discovery = wsrelay("discovery", "show", "chat");
        assertAll(
                () -> assertEquals(2, sessions.status()),
                () -> assertEquals("wsrelay: no admin token: set relay.admin.token (WSRELAY_ADMIN_TOKEN) to the nodes' token\n",
                        sessions.err()),
                () -> assertEquals(2, discovery.status()),
                () -> assertEquals("wsrelay: no admin token: set relay.admin.token (WSRELAY_ADMIN_TOKEN) to the relay's token\n",
                        discovery.err()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"../endpoints", "a/b", "caf\u00e9", "x y"})
    void discoveryOfSomethingThatIsNoEndpointIdIsAUsageErrorAndAsksNoRelay(String id) {
        // Nothing listens on port 1: a request would be "connection refused" with exit 1.
        Result r = wsrelay("--set", "relay.admin.token=0123456789abcdef", "discovery", "show", id, "--relay=http://127.0.0.1:1");
        assertAll(id,
                () -> assertEquals(2, r.status(), r.err()),
                () -> assertEquals("wsrelay: ID must be an endpoint id, 1 to 64 of the characters A-Z a-z 0-9 . _ ~ -\n", r.err()));
    }

    @Test
    void discoveryAndSessionsOfADeadRelaySayConnectionRefused() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort(); // closed again: nothing listens there now
        }
        String relay = "http://127.0.0.1:" + port;
        Result discovery = wsrelay("--set", "relay.admin.token=t0ken", "discovery", "show", "chat", "--relay=" + relay);
        Result sessions = wsrelay("--set", "relay.admin.token=t0ken", "sessions", "list", "--url=" + relay);
        assertAll(
                () -> assertEquals(1, discovery.status()),
                () -> assertEquals("wsrelay: cannot reach the relay at " + relay + ": connection refused\n", discovery.err()),
                () -> assertEquals(1, sessions.status()),
                () -> assertEquals("wsrelay: cannot reach " + relay + ": connection refused\n", sessions.err()));
    }

    @Test
    void sendToAHostThatDoesNotResolveSaysSo() {
        Result r = wsrelay("send", "--timeout", "5", "ws://nonexistent.invalid:19999/x", "hi");
        assertAll(
                () -> assertEquals(1, r.status()),
                () -> assertEquals("wsrelay: cannot connect to host nonexistent.invalid port 19999: the host does not resolve\n", r.err()));
    }

    @Test
    void echoServerOnAPortOutOfRangeExits2() {
        Result r = wsrelay("echo-server", "--port", "70000");
        assertAll(
                () -> assertEquals(2, r.status()),
                () -> assertEquals("wsrelay: --port must be 1 to 65535, was 70000\n", r.err()));
    }

    @Test
    void versionNamesVersionAndCommit() {
        Result r = wsrelay("--version");
        assertEquals(0, r.status());
        assertTrue(r.out().matches("wsrelay \\d+\\.\\d+\\.\\d+\\S* \\(commit ([0-9a-f]{40}|unknown)\\)\n"), r.out());
    }
}
