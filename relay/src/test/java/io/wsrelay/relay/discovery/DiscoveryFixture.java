package io.wsrelay.relay.discovery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wsrelay.relay.RelayHarness;
import io.wsrelay.relay.TestClient;
import io.wsrelay.relay.TestHttp;
import io.wsrelay.relay.Timeouts;
import io.wsrelay.relay.spi.CaptureMode;
import io.wsrelay.relay.spi.DiscoveryStore;
import io.wsrelay.relay.spi.Endpoint;

import java.net.http.HttpResponse;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A relay wired as {@code wsrelay serve} wires it (admin token set, API discovery with the given
 * limits), in front of a {@link ProtocolUpstream}, with endpoint {@code proto} at capture
 * {@code samples}. Closes everything it started.
 */
final class DiscoveryFixture implements AutoCloseable {
    static final String TOKEN = "discovery-test-token-0123456789";
    static final ObjectMapper JSON = new ObjectMapper();

    final ProtocolUpstream upstream;
    final RelayHarness harness;
    Discovery discovery;

    DiscoveryFixture(DiscoveryLimits limits) throws Exception {
        this(limits, null);
    }

    /** As {@link #DiscoveryFixture(DiscoveryLimits)}, with {@code store} as the shared discovery store (null: the relay's). */
    DiscoveryFixture(DiscoveryLimits limits, DiscoveryStore store) throws Exception {
        this(limits, store, System::nanoTime);
    }

    /** As {@link #DiscoveryFixture(DiscoveryLimits, DiscoveryStore)}, discovery reading time (nanoseconds) from {@code clock}. */
    DiscoveryFixture(DiscoveryLimits limits, DiscoveryStore store, LongSupplier clock) throws Exception {
        upstream = ProtocolUpstream.start();
        try {
            harness = RelayHarness.withDiscovery(Map.of("relay.admin.token", TOKEN),
                    endpoints -> discovery = Discovery.create(limits,
                            store == null ? endpoints.discovery() : Optional.of(store), clock));
        } catch (Exception | Error e) {
            upstream.close();
            throw e;
        }
        register("proto", CaptureMode.SAMPLES);
    }

    void register(String id, CaptureMode capture) {
        harness.store.remove(id);
        harness.store.insert(Endpoint.of(id, upstream.uri().toString()).withCapture(capture));
    }

    /** Opens {@code /ws-proxy<path>} with {@code endpointId} appended to its query. */
    TestClient open(String endpointId, String pathAndQuery, String... subprotocols) throws Exception {
        String sep = pathAndQuery.contains("?") ? "&" : "?";
        return TestClient.open(harness.uri(pathAndQuery + sep + "endpointId=" + endpointId), subprotocols);
    }

    /** Sends {@code text} and returns the next message's text. */
    static String ask(TestClient client, String text) throws Exception {
        client.sendText(text);
        return client.nextMessage(Timeouts.MESSAGE).text();
    }

    /** Closes with 1000 and waits for the relay's answer. */
    static void bye(TestClient client) throws Exception {
        client.sendClose(1000, "bye");
        client.awaitClose(Timeouts.MESSAGE);
    }

    HttpResponse<String> call(String method, String path) throws Exception {
        return TestHttp.send(harness.admin(path), method, null, TOKEN);
    }

    JsonNode get(String path) throws Exception {
        HttpResponse<String> r = call("GET", path);
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    /** The summary once it counts {@code sessions} sessions (the aggregator runs behind the relay). */
    JsonNode awaitSessions(String endpointId, long sessions) {
        return await().atMost(Timeouts.MESSAGE).until(() -> get("/admin/discovery/" + endpointId),
                s -> s.path("sessions").asLong() >= sessions);
    }

    /** The path object {@code path} of a summary. */
    static JsonNode path(JsonNode summary, String path) {
        for (JsonNode p : summary.path("paths")) {
            if (p.path("path").asText().equals(path)) {
                return p;
            }
        }
        throw new AssertionError("no path " + path + " in " + summary);
    }

    /** The kind {@code name} of a direction object. */
    static JsonNode kind(JsonNode direction, String name) {
        for (JsonNode k : direction.path("kinds")) {
            if (k.path("name").asText().equals(name)) {
                return k;
            }
        }
        throw new AssertionError("no kind " + name + " in " + direction.path("kinds"));
    }

    static java.util.List<String> names(JsonNode direction) {
        java.util.List<String> names = new java.util.ArrayList<>();
        direction.path("kinds").forEach(k -> names.add(k.path("name").asText()));
        return names;
    }

    @Override
    public void close() throws Exception {
        try {
            harness.close();
        } finally {
            upstream.close();
        }
    }
}
