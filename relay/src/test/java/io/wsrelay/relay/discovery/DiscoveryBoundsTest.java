package io.wsrelay.relay.discovery;

import com.fasterxml.jackson.databind.JsonNode;
import io.wsrelay.relay.TestClient;
import io.wsrelay.relay.Timeouts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.wsrelay.relay.discovery.DiscoveryFixture.bye;
import static io.wsrelay.relay.discovery.DiscoveryFixture.path;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What discovery holds whatever a client sends: a flood of distinct kinds, properties or paths stays within the bounds. */
class DiscoveryBoundsTest {
    private DiscoveryFixture fixture;

    @AfterEach
    void stop() throws Exception {
        if (fixture != null) {
            fixture.close();
        }
    }

    /** Default bounds, with capture rates high enough that every message of the flood is captured. */
    private static DiscoveryLimits everyMessage() {
        return DiscoveryLimits.defaults().withSampleRates(1_000_000, 1_000_000);
    }

    @Test
    void aFloodOfDistinctKindsKeepsAtMostMaxKindsAndCountsTheRest() throws Exception {
        fixture = new DiscoveryFixture(everyMessage());
        int flood = 2_000;
        try (TestClient c = fixture.open("proto", "/chat")) {
            for (int i = 0; i < flood; i++) {
                // Each message a new kind with new properties; the upstream answers every one.
                c.sendText("{\"type\":\"kind-" + i + "\",\"p" + i + "\":" + i + ",\"q" + i + "\":{\"r" + i + "\":true}}");
                c.nextMessage(Timeouts.MESSAGE);
            }
            bye(c);
        }
        JsonNode summary = fixture.awaitSessions("proto", 1);
        JsonNode up = path(summary, "/chat").path("clientToUpstream");
        int maxKinds = DiscoveryLimits.defaults().maxKinds();
        assertAll(
                () -> assertEquals(flood, up.path("messages").asLong(), "every message is relayed and counted"),
                () -> assertEquals(maxKinds, up.path("kinds").size()),
                () -> assertEquals(flood, up.path("sampled").asLong() + summary.at("/leftOut/samplesDropped").asLong()),
                () -> assertEquals(up.path("sampled").asLong() - maxKinds, up.path("kindsDropped").asLong()),
                () -> assertTrue(fixture.discovery.kindsInMemory() <= DiscoveryLimits.defaults().maxKindsPerNode()));
    }

    @Test
    void aMessageWithThousandsOfPropertiesKeepsAtMostMaxProperties() throws Exception {
        fixture = new DiscoveryFixture(everyMessage());
        StringBuilder wide = new StringBuilder("{\"type\":\"wide\"");
        for (int i = 0; i < 150; i++) { // about 3.3 KiB: under sampleBytes, so it is parsed
            wide.append(",\"f").append(i).append("\":{\"g\":[{\"h\":").append(i).append("}]}");
        }
        String message = wide.append('}').toString();
        try (TestClient c = fixture.open("proto", "/chat")) {
            c.sendText(message);
            c.nextMessage(Timeouts.MESSAGE);
            bye(c);
        }
        JsonNode kind = DiscoveryFixture.kind(path(fixture.awaitSessions("proto", 1), "/chat").path("clientToUpstream"), "wide");
        int properties = countProperties(kind.path("schema"));
        assertTrue(properties <= DiscoveryLimits.defaults().maxProperties(), properties + " properties kept");
        assertEquals(0, kind.path("examples").size(), "an example over exampleBytes is not kept");
    }

    @Test
    void aFloodOfPathsKeepsAtMostMaxPaths() throws Exception {
        fixture = new DiscoveryFixture(everyMessage());
        int paths = DiscoveryLimits.defaults().maxPaths() + 5;
        for (int i = 0; i < paths; i++) {
            try (TestClient c = fixture.open("proto", "/room-" + i)) {
                bye(c);
            }
        }
        JsonNode summary = fixture.awaitSessions("proto", paths);
        assertAll(
                () -> assertEquals(DiscoveryLimits.defaults().maxPaths(), summary.path("paths").size()),
                () -> assertEquals(5, summary.at("/leftOut/pathsDropped").asLong()));
    }

    @Test
    void whenTheHandOffIsFullSamplesAreDroppedAndCountedNeverWaitedFor() throws Exception {
        // One hand-off slot and a capture rate far above what one aggregator takes: most samples
        // find the slot full. Every message must still be relayed at once.
        DiscoveryLimits tiny = new DiscoveryLimits(32, 1024, 8, 32, 64, 6, 8, 3, 4096, 1024, 10, 16, 1024, 1,
                1_000_000, 1_000_000, 256, Duration.ofSeconds(10));
        fixture = new DiscoveryFixture(tiny);
        int count = 3_000;
        try (TestClient c = fixture.open("proto", "/chat")) {
            for (int i = 0; i < count; i++) {
                c.webSocket().sendText("{\"type\":\"ping\",\"n\":" + i + "}", true).get();
            }
            for (int i = 0; i < count; i++) {
                c.nextMessage(Timeouts.MESSAGE);
            }
            bye(c);
        }
        JsonNode summary = fixture.awaitSessions("proto", 1);
        JsonNode up = path(summary, "/chat").path("clientToUpstream");
        long dropped = summary.at("/leftOut/samplesDropped").asLong();
        assertAll(
                () -> assertEquals(count, up.path("messages").asLong(), "every message is relayed and counted"),
                () -> assertEquals(count * 2L, up.path("sampled").asLong() + path(summary, "/chat")
                        .at("/upstreamToClient/sampled").asLong() + dropped),
                () -> assertTrue(dropped > 0, "a one-slot hand-off under a flood drops samples"));
    }

    private static int countProperties(JsonNode schema) {
        int n = 0;
        for (JsonNode p : schema.path("properties")) {
            n += 1 + countProperties(p);
        }
        return schema.has("items") ? n + countProperties(schema.path("items")) : n;
    }
}
