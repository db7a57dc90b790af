package io.wsrelay.relay.discovery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wsrelay.relay.ops.Operations;
import io.wsrelay.relay.config.RelayConfig;
import io.wsrelay.relay.RelayServer;
import io.wsrelay.relay.TestClient;
import io.wsrelay.relay.TestHttp;
import io.wsrelay.relay.Timeouts;
import io.wsrelay.relay.spi.CaptureMode;
import io.wsrelay.relay.spi.Endpoint;
import io.wsrelay.storage.sql.PostgresSchemas;
import io.wsrelay.storage.sql.SqlEndpointStore;
import io.wsrelay.storage.sql.SqlEndpointStoreProvider;
import io.wsrelay.storage.sql.SqlStoreConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Discovery on several relay nodes sharing one PostgreSQL schema: each node flushes what it learnt
 * into the shared row, every node's admin API shows the union, and it survives the nodes' restart.
 */
class SharedStoreDiscoveryIT {
    private static final String TOKEN = "shared-store-discovery-token-01";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final PostgresSchemas schemas = new PostgresSchemas();
    private final List<AutoCloseable> open = new ArrayList<>();
    private SqlStoreConfig database;
    private ProtocolUpstream upstream;

    @BeforeEach
    void start() throws Exception {
        database = schemas.create();
        new SqlEndpointStoreProvider().migrate(database);
        upstream = ProtocolUpstream.start();
        try (SqlEndpointStore store = SqlEndpointStore.create(database)) {
            store.insert(Endpoint.of("shared", upstream.uri().toString()).withCapture(CaptureMode.SAMPLES));
        }
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : open.reversed()) {
            c.close();
        }
        upstream.close();
        schemas.close();
    }

    /** A relay node over its own pool on the shared schema. */
    private RelayServer node(Duration flushInterval) {
        SqlEndpointStore store = SqlEndpointStore.create(database);
        open.add(store);
        RelayConfig config = RelayConfig.from(Map.of("relay.host", "127.0.0.1", "relay.port", "0",
                "relay.upstream.allow-private-addresses", "true", "relay.admin.token", TOKEN));
        RelayServer relay = Operations.builder(config, store,
                Discovery.create(DiscoveryLimits.defaults().withFlushInterval(flushInterval), store.discovery())).build().start();
        open.add(relay);
        return relay;
    }

    private static void session(RelayServer relay, String path, String message) throws Exception {
        try (TestClient c = TestClient.open(URI.create("ws://127.0.0.1:" + relay.port() + "/ws-proxy" + path
                + "?endpointId=shared"))) {
            c.sendText(message);
            c.nextMessage(Timeouts.MESSAGE);
            c.sendClose(1000, "bye");
            c.awaitClose(Timeouts.MESSAGE);
        }
    }

    private static HttpResponse<String> call(RelayServer relay, String method, String view) throws Exception {
        return TestHttp.send(URI.create("http://127.0.0.1:" + relay.adminPort() + "/admin/discovery/shared" + view),
                method, null, TOKEN);
    }

    private static JsonNode summary(RelayServer relay) throws Exception {
        HttpResponse<String> r = call(relay, "GET", "");
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    private static List<String> paths(JsonNode summary) {
        List<String> paths = new ArrayList<>();
        summary.path("paths").forEach(p -> paths.add(p.path("path").asText()));
        paths.sort(null);
        return paths;
    }

    @Test
    void everyNodeShowsWhatAllNodesLearnt() throws Exception {
        RelayServer a = node(Duration.ofMillis(200));
        RelayServer b = node(Duration.ofMillis(200));
        session(a, "/chat", "{\"type\":\"join\",\"room\":\"r\"}");
        session(b, "/rpc", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"add\",\"params\":[1,2]}");
        for (RelayServer node : List.of(a, b)) {
            JsonNode s = await().atMost(Timeouts.MESSAGE).until(() -> summary(node), x -> x.path("sessions").asLong() == 2);
            assertEquals(List.of("/chat", "/rpc"), paths(s));
        }
    }

    @Test
    void whatWasLearntSurvivesARestartFlushedWhenTheNodeStops() throws Exception {
        // A flush interval longer than the test: only the flush at close can store it.
        RelayServer first = node(Duration.ofHours(1));
        session(first, "/chat", "{\"type\":\"say\",\"text\":\"hi\"}");
        await().atMost(Timeouts.MESSAGE).until(() -> summary(first).path("sessions").asLong() == 1);
        first.close();
        RelayServer second = node(Duration.ofHours(1));
        JsonNode s = summary(second);
        assertAll(
                () -> assertEquals(1, s.path("sessions").asLong()),
                () -> assertEquals("say", s.at("/paths/0/clientToUpstream/kinds/0/name").asText()),
                () -> assertEquals(1, s.at("/paths/0/clientToUpstream/kinds/0/count").asLong()));
        assertEquals(204, call(second, "DELETE", "").statusCode());
        assertEquals(0, summary(second).path("sessions").asLong());
    }
}
