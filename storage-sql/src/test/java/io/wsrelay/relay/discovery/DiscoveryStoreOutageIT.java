package io.wsrelay.relay.discovery;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wsrelay.relay.RelayServer;
import io.wsrelay.relay.TestClient;
import io.wsrelay.relay.TestHttp;
import io.wsrelay.relay.Timeouts;
import io.wsrelay.relay.config.RelayConfig;
import io.wsrelay.relay.ops.Operations;
import io.wsrelay.relay.spi.CaptureMode;
import io.wsrelay.relay.spi.Endpoint;
import io.wsrelay.relay.spi.EndpointStore;
import io.wsrelay.storage.sql.PostgresSchemas;
import io.wsrelay.storage.sql.SqlEndpointStoreProvider;
import io.wsrelay.storage.sql.SqlStoreConfig;
import io.wsrelay.storage.sql.TcpProxy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Discovery on the SQL store (PostgreSQL) while the network to the database is cut and restored:
 * the admin API answers 503 within the store's timeouts, a DELETE answered 503 forgets nothing
 * (neither the row nor this node's unflushed learning), the outage is one WARN of discovery and
 * one INFO when it ends, and the next flush stores every session once.
 */
class DiscoveryStoreOutageIT {
    private static final String TOKEN = "discovery-outage-token-0123456";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Bound of one admin request while the database is gone: the store's timeouts (0.5 s + 1 s) with room. */
    private static final Duration UNAVAILABLE = Duration.ofSeconds(10);

    private final PostgresSchemas schemas = new PostgresSchemas();
    private TcpProxy database;
    private ProtocolUpstream upstream;
    private EndpointStore store;
    private Discovery discovery;
    private RelayServer relay;
    private final ListAppender<ILoggingEvent> captured = new ListAppender<>();
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);

    @BeforeEach
    void start() throws Exception {
        SqlStoreConfig direct = schemas.create();
        URI server = URI.create(direct.jdbcUrl().substring("jdbc:".length()));
        database = TcpProxy.to(server.getHost(), server.getPort());
        String authority = server.getHost() + ":" + server.getPort();
        SqlStoreConfig config = new SqlStoreConfig(direct.jdbcUrl().replace("//" + authority + "/",
                "//127.0.0.1:" + database.port() + "/"), direct.user(), direct.password(), 4, Duration.ofMillis(500),
                true);
        store = new SqlEndpointStoreProvider().create(config);
        upstream = ProtocolUpstream.start();
        store.insert(Endpoint.of("e", upstream.uri().toString()).withCapture(CaptureMode.SAMPLES));
        discovery = Discovery.create(DiscoveryLimits.defaults().withFlushInterval(Duration.ofHours(1)), store.discovery());
        relay = Operations.builder(RelayConfig.from(Map.of("relay.host", "127.0.0.1", "relay.port", "0",
                "relay.upstream.allow-private-addresses", "true", "relay.admin.token", TOKEN)), store, discovery)
                .build().start();
        captured.start();
        root.addAppender(captured);
    }

    @AfterEach
    void stop() throws Exception {
        root.detachAppender(captured);
        try {
            relay.close();
            store.close();
            upstream.close();
        } finally {
            database.close();
            schemas.close();
        }
    }

    private void session(int says) throws Exception {
        try (TestClient c = TestClient.open(URI.create("ws://127.0.0.1:" + relay.port() + "/ws-proxy/chat?endpointId=e"))) {
            for (int i = 0; i < says; i++) {
                c.sendText("{\"type\":\"say\",\"id\":" + i + ",\"text\":\"t\"}");
                c.nextMessage(Timeouts.MESSAGE);
            }
            c.sendClose(1000, "bye");
            c.awaitClose(Timeouts.MESSAGE);
        }
    }

    private HttpResponse<String> call(String method) throws Exception {
        return TestHttp.send(URI.create("http://127.0.0.1:" + relay.adminPort() + "/admin/discovery/e"), method, null,
                TOKEN);
    }

    private JsonNode summary() throws Exception {
        HttpResponse<String> r = call("GET");
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    private long storedSessions() {
        return store.discovery().orElseThrow().load("e").map(json -> {
            try {
                return JSON.readTree(json).path("sessions").asLong();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }).orElse(0L);
    }

    private List<String> discoveryLines(Level level) {
        return captured.list.stream()
                .filter(e -> e.getLoggerName().startsWith("io.wsrelay.relay.discovery") && e.getLevel() == level)
                .map(ILoggingEvent::getFormattedMessage)
                .toList();
    }

    @Test
    void aDeleteDuringAnOutageForgetsNothingAndTheNextFlushStoresEverySessionOnce() throws Exception {
        session(1);
        await().atMost(Timeouts.MESSAGE).until(() -> summary().path("sessions").asLong() == 1);
        discovery.flush();
        assertEquals(1, storedSessions());
        session(2);
        await().atMost(Timeouts.MESSAGE).until(() -> summary().path("sessions").asLong() == 2);

        database.cut();
        assertTimeoutPreemptively(UNAVAILABLE, () -> assertEquals(503, call("GET").statusCode()));
        assertTimeoutPreemptively(UNAVAILABLE, () -> assertEquals(503, call("DELETE").statusCode()));
        assertTimeoutPreemptively(UNAVAILABLE, () -> assertEquals(503, call("DELETE").statusCode()));
        assertTimeoutPreemptively(UNAVAILABLE, discovery::flush);

        database.restore();
        await().atMost(Timeouts.MESSAGE).ignoreExceptions().until(() -> call("GET").statusCode() == 200);
        JsonNode before = summary();
        discovery.flush();
        JsonNode after = summary();
        List<String> warns = discoveryLines(Level.WARN);
        List<String> recovered = discoveryLines(Level.INFO).stream().filter(m -> m.contains("answers again")).toList();
        assertAll(
                () -> assertEquals(2, before.path("sessions").asLong(), "this node's unflushed session is kept"),
                () -> assertEquals(2, storedSessions(), "the row was kept, and the flush added the second session once"),
                () -> assertEquals(2, after.path("sessions").asLong()),
                () -> assertEquals(3, after.at("/paths/0/clientToUpstream/messages").asLong()),
                () -> assertEquals(1, warns.size(), warns.toString()),
                () -> assertEquals(1, recovered.size(), recovered.toString()));
    }
}
