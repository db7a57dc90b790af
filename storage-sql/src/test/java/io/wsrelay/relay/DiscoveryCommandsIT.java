package io.wsrelay.relay;

import io.wsrelay.relay.cli.RelayMain;
import io.wsrelay.storage.sql.TestEndpoints;
import io.wsrelay.relay.config.RelayConfig;
import io.wsrelay.relay.ops.Operations;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wsrelay.relay.discovery.ProtocolUpstream;
import io.wsrelay.relay.spi.EndpointStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The capture setting on the command line ({@code endpoint add/update --capture}) and the admin
 * API, and {@code wsrelay discovery show|asyncapi|har|clear} against a running relay, on the
 * embedded default store.
 */
class DiscoveryCommandsIT {
    private static final String TOKEN = "discovery-cli-token-0123456789ab";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dataDir;
    private ProtocolUpstream upstream;

    @BeforeEach
    void startUpstream() throws Exception {
        upstream = ProtocolUpstream.start();
    }

    @AfterEach
    void stopUpstream() throws Exception {
        upstream.close();
    }

    private record Result(int status, String out, String err) {
    }

    private Result wsrelay(Map<String, String> extraEnv, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Map<String, String> env = new HashMap<>(Map.of("WSRELAY_DATA_DIR", dataDir.toString()));
        env.putAll(extraEnv);
        int status = RelayMain.run(env, new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(status, out.toString(), err.toString());
    }

    private Result wsrelay(String... args) {
        return wsrelay(Map.of(), args);
    }

    private JsonNode listed(String id) throws Exception {
        for (String line : wsrelay("endpoint", "list", "--json").out().lines().toList()) {
            JsonNode e = JSON.readTree(line);
            if (e.path("id").asText().equals(id)) {
                return e;
            }
        }
        throw new AssertionError("endpoint " + id + " not listed");
    }

    @Test
    void captureIsSetWithAddAndUpdateAndOffByDefault() throws Exception {
        String url = upstream.uri().toString();
        assertEquals(0, wsrelay("endpoint", "add", "plain", url).status());
        assertEquals(0, wsrelay("endpoint", "add", "seen", url, "--capture", "samples").status());
        assertEquals("off", listed("plain").path("capture").asText());
        assertEquals("samples", listed("seen").path("capture").asText());
        Result update = wsrelay("endpoint", "update", "seen", "--capture", "METADATA");
        assertEquals(0, update.status(), update.err());
        assertEquals("metadata", listed("seen").path("capture").asText());
        Result bad = wsrelay("endpoint", "update", "seen", "--capture", "everything");
        assertAll(
                () -> assertEquals(2, bad.status()),
                () -> assertTrue(bad.err().contains("capture must be one of [off, metadata, samples]"), bad.err()),
                () -> assertEquals(1, wsrelay("endpoint", "update", "missing", "--capture", "off").status()),
                () -> assertEquals(2, wsrelay("endpoint", "update", "seen").status()),
                () -> assertEquals("metadata", listed("seen").path("capture").asText()));
    }

    @Test
    void discoveryCommandsShowWhatARunningRelayLearnt() throws Exception {
        assertEquals(0, wsrelay("endpoint", "add", "api", upstream.uri().toString(), "--capture", "samples").status());
        RelayConfig config = RelayConfig.from(Map.of("relay.data-dir", dataDir.toString(), "relay.host", "127.0.0.1",
                "relay.port", "0", "relay.upstream.allow-private-addresses", "true", "relay.admin.token", TOKEN));
        try (EndpointStore store = io.wsrelay.storage.sql.SqlEndpointStore.create(
                TestEndpoints.settings(Map.of("relay.data-dir", dataDir.toString())));
             RelayServer relay = Operations.builder(config, store).build().start()) {
            Map<String, String> env = Map.of("WSRELAY_ADMIN_TOKEN", TOKEN);
            String base = "http://127.0.0.1:" + relay.adminPort();
            // The admin API refuses the capture setting it does not know, with the valid values.
            var refused = TestHttp.send(URI.create(base + "/admin/endpoints/api"), "PATCH", "{\"capture\":\"all\"}", TOKEN);
            assertEquals(400, refused.statusCode());
            assertTrue(refused.body().contains("off, metadata, samples"), refused.body());
            try (TestClient c = TestClient.open(URI.create("ws://127.0.0.1:" + relay.port() + "/ws-proxy/rpc?endpointId=api"))) {
                c.sendText("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"add\",\"params\":[1,2]}");
                c.nextMessage(Timeouts.MESSAGE);
                c.sendClose(1000, "");
                c.awaitClose(Timeouts.MESSAGE);
            }
            Result show = await().atMost(Timeouts.MESSAGE).until(() -> wsrelay(env, "discovery", "show", "api", "--relay", base),
                    r -> r.status() == 0 && r.out().contains("\"sessions\" : 1"));
            Result asyncapi = wsrelay(env, "discovery", "asyncapi", "api", "--relay", base);
            Result har = wsrelay(env, "discovery", "har", "api", "--relay", base);
            Result wrongToken = wsrelay(Map.of("WSRELAY_ADMIN_TOKEN", "nope"), "discovery", "show", "api", "--relay", base);
            assertAll(
                    () -> assertTrue(show.out().contains("\"add.result\""), show.out()),
                    () -> assertEquals(0, asyncapi.status()),
                    () -> assertEquals("3.0.0", JSON.readTree(asyncapi.out()).path("asyncapi").asText()),
                    () -> assertEquals(0, har.status()),
                    () -> assertEquals("1.2", JSON.readTree(har.out()).at("/log/version").asText()),
                    () -> assertEquals(1, wrongToken.status()),
                    () -> assertTrue(wrongToken.err().contains("401 unauthorized"), wrongToken.err()),
                    () -> assertFalse(wrongToken.err().contains("nope")),
                    () -> assertEquals(1, wsrelay(env, "discovery", "show", "unknown-id", "--relay", base).status()),
                    () -> assertEquals(2, wsrelay(env, "discovery", "list", "api", "--relay", base).status()),
                    () -> assertEquals(2, wsrelay("discovery", "show", "api", "--relay", base).status(),
                            "without the token there is nothing to ask: a configuration error"));
            Result clear = wsrelay(env, "discovery", "clear", "api", "--relay", base);
            assertEquals(0, clear.status(), clear.err());
            assertTrue(wsrelay(env, "discovery", "show", "api", "--relay", base).out().contains("\"sessions\" : 0"));
        }
    }
}
