package io.wsrelay.relay;

import io.wsrelay.relay.cli.RelayMain;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code wsrelay} command line on the embedded default store: the endpoint commands, the
 * migrations, and {@code serve} as a real process that sees changes made by other commands.
 */
class RelayMainIT {
    private static final Pattern LISTENING = Pattern.compile("wsrelay listening on [^:]+:(\\d+)");

    @TempDir
    Path dataDir;

    private TestUpstream upstream;

    @BeforeEach
    void startUpstream() throws Exception {
        upstream = TestUpstream.start();
    }

    @AfterEach
    void stopUpstream() throws Exception {
        upstream.close();
    }

    /** Output, error output and exit status of one command. */
    private record Result(int status, String out, String err) {
    }

    private Result wsrelay(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = RelayMain.run(Map.of("WSRELAY_DATA_DIR", dataDir.toString()),
                new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(status, out.toString(), err.toString());
    }

    @Test
    void endpointCommandsManageTheEmbeddedStore() {
        String url = upstream.uri().toString();
        assertEquals(0, wsrelay("endpoint", "add", "e1", url).status());
        Result duplicate = wsrelay("endpoint", "add", "e1", url);
        assertEquals(1, duplicate.status());
        assertTrue(duplicate.err().contains("already exists"), duplicate.err());

        Result list = wsrelay("endpoint", "list");
        assertEquals(0, list.status());
        assertTrue(list.out().lines().anyMatch(l -> l.startsWith("e1 ") && l.contains("ACTIVE") && l.contains(url)), list.out());

        assertEquals(0, wsrelay("endpoint", "set-status", "e1", "INACTIVE").status());
        assertTrue(wsrelay("endpoint", "list", "--json").out().contains("\"status\":\"INACTIVE\""));
        assertEquals(1, wsrelay("endpoint", "set-status", "nope", "ACTIVE").status());

        assertEquals(0, wsrelay("endpoint", "remove", "e1").status());
        assertEquals(1, wsrelay("endpoint", "remove", "e1").status());
        assertEquals(List.of("ID                       STATUS    DESTINATION"), wsrelay("endpoint", "list").out().lines().toList());
    }

    @Test
    void addRefusesADestinationTheRelayCouldNeverUse() {
        Result result = wsrelay("endpoint", "add", "bad", "ftp://example.com/x");
        assertEquals(2, result.status(), "a usage error");
        assertEquals("wsrelay: destination URL 'ftp://example.com/x' refused: scheme 'ftp' is not ws, wss, http or https\n",
                result.err());
        assertEquals(List.of("ID                       STATUS    DESTINATION"), wsrelay("endpoint", "list").out().lines().toList());
    }

    @Test
    void showPrintsEverySettingButHeaderValues() {
        assertEquals(0, wsrelay("endpoint", "add", "e1", upstream.uri().toString(), "--allowed-host", "b.example:8443",
                "--allowed-origin", "https://app.example", "--header", "X-Api-Key=s3cret-4711", "--max-connections", "5",
                "--upstream-origin", "none").status());
        Result shown = wsrelay("endpoint", "show", "e1");
        assertEquals(0, shown.status(), shown.err());
        assertAll(
                () -> assertTrue(shown.out().contains("destination       " + upstream.uri() + "\n"), shown.out()),
                () -> assertTrue(shown.out().contains("status            ACTIVE\n"), shown.out()),
                () -> assertTrue(shown.out().contains("allowed hosts     b.example:8443\n"), shown.out()),
                () -> assertTrue(shown.out().contains("allowed origins   https://app.example\n"), shown.out()),
                () -> assertTrue(shown.out().contains("max connections   5\n"), shown.out()),
                () -> assertTrue(shown.out().contains("headers           X-Api-Key: (hidden)\n"), shown.out()),
                () -> assertTrue(shown.out().contains("upstream origin   none\n"), shown.out()),
                () -> assertTrue(shown.out().contains("trusted CA        (the default trust store)\n"), shown.out()),
                () -> assertFalse(shown.out().contains("s3cret"), "a header value was shown"));
        assertTrue(wsrelay("endpoint", "show", "e1", "--json").out().contains("\"upstreamHeaderNames\":[\"X-Api-Key\"]"));
    }

    @Test
    void updateChangesTheGivenSettingsAndKeepsTheOthers() {
        assertEquals(0, wsrelay("endpoint", "add", "e1", upstream.uri().toString(), "--allowed-host", "b.example",
                "--header", "X-Api-Key=s3cret", "--header", "X-Other=1").status());
        Result updated = wsrelay("endpoint", "update", "e1", "--destination", "wss://new.example/socket", "--status", "INACTIVE",
                "--allowed-origin", "https://app.example", "--header", "X-Other=2", "--remove-header", "x-api-key",
                "--upstream-origin", "client", "--max-connections", "3");
        assertEquals(0, updated.status(), updated.err());
        assertEquals("updated e1\n", updated.out());
        String json = wsrelay("endpoint", "show", "e1", "--json").out();
        assertAll(
                () -> assertTrue(json.contains("\"destinationUrl\":\"wss://new.example/socket\""), json),
                () -> assertTrue(json.contains("\"status\":\"INACTIVE\""), json),
                () -> assertTrue(json.contains("\"allowedHosts\":[\"b.example\"]"), "kept: " + json),
                () -> assertTrue(json.contains("\"allowedOrigins\":[\"https://app.example\"]"), json),
                () -> assertTrue(json.contains("\"upstreamHeaderNames\":[\"X-Other\"]"), json),
                () -> assertTrue(json.contains("\"upstreamOrigin\":\"client\""), json),
                () -> assertTrue(json.contains("\"maxConnections\":3"), json));

        assertEquals(0, wsrelay("endpoint", "update", "e1", "--no-allowed-hosts", "--upstream-origin", "default").status());
        String cleared = wsrelay("endpoint", "show", "e1", "--json").out();
        assertTrue(cleared.contains("\"allowedHosts\":[]") && cleared.contains("\"upstreamOrigin\":\"\""), cleared);
    }

    @Test
    void removingAHeaderTheEndpointDoesNotHaveIsAnErrorAndChangesNothing() {
        assertEquals(0, wsrelay("endpoint", "add", "e1", upstream.uri().toString(), "--header", "X-Api-Key=s3cret").status());
        Result r = wsrelay("endpoint", "update", "e1", "--status", "INACTIVE", "--remove-header", "X-Api-Kee");
        assertAll(
                () -> assertEquals(1, r.status(), r.err()),
                () -> assertEquals("wsrelay: endpoint e1 has no upstream header X-Api-Kee to remove; it has X-Api-Key; "
                        + "nothing was changed\n", r.err()),
                () -> assertTrue(wsrelay("endpoint", "show", "e1", "--json").out().contains("\"status\":\"ACTIVE\""), "changed"));
    }

    @Test
    void updateRefusesAnUnusableDestinationAndChangesNothing() {
        assertEquals(0, wsrelay("endpoint", "add", "e1", upstream.uri().toString()).status());
        Result result = wsrelay("endpoint", "update", "e1", "--destination", "ws://example.com/x#frag");
        assertEquals(2, result.status());
        assertEquals("wsrelay: destination URL 'ws://example.com/x#frag' refused: it has a fragment (#frag); "
                + "WebSocket URLs have none (RFC 6455, section 3)\n", result.err());
        assertTrue(wsrelay("endpoint", "show", "e1").out().contains("destination       " + upstream.uri() + "\n"));
    }

    @Test
    void updateOfAnUnknownEndpointExits1() {
        Result result = wsrelay("endpoint", "update", "nope", "--status", "ACTIVE");
        assertEquals(1, result.status());
        assertEquals("wsrelay: no endpoint nope\n", result.err());
    }

    @Test
    void checkReachesTheEmbeddedStore() {
        Result result = wsrelay("check");
        assertEquals(0, result.status(), result.err());
        assertEquals("configuration ok; store sql reachable\n", result.out());
    }

    @Test
    void checkFailsWithTheReasonWhenTheDatabaseIsUnreachable() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Result result = wsrelay("--set", "relay.store.jdbc-url=jdbc:postgresql://127.0.0.1:" + port + "/wsrelay",
                "--set", "relay.store.timeout=1s", "check");
        assertEquals(1, result.status(), result.out());
        assertTrue(result.err().startsWith("wsrelay: configuration ok, but store sql failed: "), result.err());
        assertTrue(result.err().contains("127.0.0.1:" + port) || result.err().contains("Connection refused")
                || result.err().contains("connect"), "the reason: " + result.err());
    }

    @Test
    void serveOnABusyPortSaysSoBeforeCreatingTheDatabase() throws Exception {
        try (java.net.ServerSocket busy = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            Result result = wsrelay("serve", "--port", String.valueOf(busy.getLocalPort()), "--set", "relay.host=127.0.0.1");
            assertEquals(1, result.status());
            assertTrue(result.err().contains("127.0.0.1:" + busy.getLocalPort() + " (relay.port): address already in use"), result.err());
        }
        try (var files = java.nio.file.Files.list(dataDir)) {
            assertEquals(List.of(), files.toList(), "nothing created or migrated in the data directory");
        }
    }

    @Test
    void serveRefusesASettingTheRelayCannotBeBuiltWithBeforeCreatingTheDatabase() throws Exception {
        Result result = wsrelay("serve", "--port", "0", "--set", "relay.upstream.allowed-networks=10.0.0.0/33");
        assertEquals(2, result.status(), result.err());
        assertEquals("wsrelay: relay.upstream.allowed-networks must be IP networks in CIDR notation, e.g. 10.0.0.0/8 "
                + "(prefix length out of range in 10.0.0.0/33), was '10.0.0.0/33' (from --set)\n", result.err());
        try (var files = java.nio.file.Files.list(dataDir)) {
            assertEquals(List.of(), files.toList(), "nothing created or migrated in the data directory");
        }
    }

    @Test
    void addRefusesABadHeaderNamingTheHeaderButNeverItsValue() {
        String url = upstream.uri().toString();
        for (String header : List.of("X-Api-Key=sk-live-4f9c2b7e1d\n", "X-Api-Key= sk-live-4f9c2b7e1d",
                "Sec-WebSocket-Key=sk-live-4f9c2b7e1d", "Host=sk-live-4f9c2b7e1d", "X Api=sk-live-4f9c2b7e1d")) {
            Result result = wsrelay("endpoint", "add", "e1", url, "--header", header);
            String name = header.substring(0, header.indexOf('='));
            assertAll(header,
                    () -> assertEquals(2, result.status(), "a usage error: " + result.err()),
                    () -> assertTrue(result.err().contains(name.split(" ")[0]), result.err()),
                    () -> assertFalse(result.err().contains("sk-live") || result.out().contains("sk-live"), result.err()));
        }
        assertEquals(List.of("ID                       STATUS    DESTINATION"), wsrelay("endpoint", "list").out().lines().toList());
    }

    @Test
    void addRefusesIdsOutsideTheSyntax() {
        String url = upstream.uri().toString();
        for (String id : List.of("a/b", "a b", "a\nb", "caf\u00e9", "x".repeat(65))) {
            Result result = wsrelay("endpoint", "add", id, url);
            assertTrue(result.status() != 0, id + ": " + result.err());
            assertTrue(result.err().contains("id") && result.err().contains("64"), result.err());
        }
        assertEquals(0, wsrelay("endpoint", "add", "Ok_id.1~-", url).status());
    }

    @Test
    void usageErrorsExitWithTwo() {
        assertEquals(2, wsrelay("endpoint", "set-status", "e1", "SLEEPING").status());
        assertEquals(2, wsrelay("no-such-command").status());
    }

    @Test
    void migrateAppliesTheSchemaOnce() {
        assertTrue(wsrelay("migrate").out().startsWith("applied 4 migration(s)"));
        assertTrue(wsrelay("migrate").out().startsWith("applied 0 migration(s)"));
    }

    @Test
    void unknownStoreTypeFailsNamingTheTypesFound() {
        Result result = wsrelay("--set", "relay.store.type=nope", "endpoint", "list");
        assertEquals(2, result.status(), "a configuration error");
        assertTrue(result.err().contains("'nope'") && result.err().contains("sql"), result.err());
    }

    @Test
    void serveRelaysAndSeesEndpointChangesMadeByOtherCommands() throws Exception {
        ProcessBuilder builder = new ProcessBuilder(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                RelayMain.class.getName(), "serve", "--port", "0", "--set", "relay.host=127.0.0.1",
                "--set", "relay.upstream.allow-private-addresses=true"))
                .redirectErrorStream(true);
        builder.environment().put("WSRELAY_DATA_DIR", dataDir.toString());
        Process serve = builder.start();
        try {
            int port = awaitPort(serve);
            assertEquals(0, wsrelay("endpoint", "add", "e1", upstream.uri().toString()).status());
            URI uri = URI.create("ws://127.0.0.1:" + port + "/ws-proxy/echo?endpointId=e1");
            try (TestClient client = TestClient.open(uri)) {
                client.sendText("through the relay process");
                assertEquals("through the relay process", client.nextMessage(Timeouts.MESSAGE).text());

                assertEquals(0, wsrelay("endpoint", "set-status", "e1", "INACTIVE").status());
                ExecutionException refused = assertThrows(ExecutionException.class, () -> TestClient.open(uri).close());
                assertEquals(403, assertInstanceOf(WebSocketHandshakeException.class, refused.getCause()).getResponse().statusCode());

                // The SQL store alone carries no change notice to the running relay (docs/operations.md,
                // "What INACTIVE and removal do to open sessions"): the session already open goes on.
                client.sendText("still open");
                assertEquals("still open", client.nextMessage(Timeouts.MESSAGE).text());
            }
        } finally {
            serve.destroy(); // SIGTERM: the shutdown hook closes sessions, the server and the store
            assertTrue(serve.waitFor(Timeouts.TRANSFER.toSeconds(), TimeUnit.SECONDS), "serve exits after SIGTERM");
        }
    }

    /** Reads the process's output until it says which port it listens on. */
    private int awaitPort(Process serve) throws Exception {
        CompletableFuture<Integer> port = new CompletableFuture<>();
        StringBuilder seen = new StringBuilder();
        Thread.ofVirtual().start(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(serve.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = lines.readLine()) != null; ) {
                    seen.append(line).append('\n');
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) {
                        port.complete(Integer.parseInt(m.group(1)));
                    }
                }
                port.completeExceptionally(new IllegalStateException("serve ended:\n" + seen));
            } catch (Exception e) {
                port.completeExceptionally(e);
            }
        });
        return port.get(Timeouts.TRANSFER.toSeconds(), TimeUnit.SECONDS);
    }
}
