package io.wsrelay.relay;

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

import static org.junit.jupiter.api.Assertions.assertEquals;
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
        assertEquals(1, result.status());
        assertTrue(result.err().contains("ws/wss/http/https"), result.err());
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
        assertEquals(1, result.status());
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
            }
            assertEquals(0, wsrelay("endpoint", "set-status", "e1", "INACTIVE").status());
            ExecutionException refused = assertThrows(ExecutionException.class, () -> TestClient.open(uri).close());
            assertEquals(403, assertInstanceOf(WebSocketHandshakeException.class, refused.getCause()).getResponse().statusCode());
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
