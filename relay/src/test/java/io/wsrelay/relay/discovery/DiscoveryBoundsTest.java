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
                1_000_000, 1_000_000, 256, Duration.ofSeconds(10),
                DiscoveryLimits.DEFAULT_FLUSH_BYTES_PER_SECOND);
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

    @Test
    void aFloodOfLongDistinctKeysAndKindNamesStaysUnderTheComputedBound() throws Exception {
        fixture = new DiscoveryFixture(everyMessage());
        DiscoveryLimits limits = DiscoveryLimits.defaults();
        int kinds = limits.maxKinds();
        int perKind = 24; // 3 new keys per message: 72 distinct keys per kind, more than maxProperties
        long started = System.nanoTime();
        try (TestClient c = fixture.open("proto", "/chat")) {
            for (int k = 0; k < kinds; k++) {
                // Kind names far over the name cap, non-ASCII (2-, 3- and 4-byte UTF-8), distinct at their start.
                String kind = "k" + k + "-" + "\u00e9\u4e2d\ud83d\ude00".repeat(100);
                for (int m = 0; m < perKind; m++) {
                    StringBuilder msg = new StringBuilder("{\"type\":\"").append(kind).append('"');
                    for (int f = 0; f < 3; f++) {
                        // About 1000 characters each, unique per kind and message, control characters included.
                        String key = k + "." + m + "." + f + "\\u0001" + "\u00fc\u6f22\ud83d\ude80x".repeat(200);
                        msg.append(",\"").append(key).append("\":\"v").append(f).append('"');
                    }
                    String text = msg.append('}').toString();
                    assertTrue(text.length() < limits.sampleBytes(), "parsed, not cut: " + text.length());
                    c.sendText(text);
                    c.nextMessage(Timeouts.MESSAGE);
                }
            }
            bye(c);
        }
        Duration relayed = Duration.ofNanos(System.nanoTime() - started);
        JsonNode summary = fixture.awaitSessions("proto", 1);
        JsonNode up = path(summary, "/chat").path("clientToUpstream");
        String asyncapi = fixture.call("GET", "/admin/discovery/proto/asyncapi").body();
        String summaryText = fixture.call("GET", "/admin/discovery/proto").body();
        java.util.Set<String> tooLong = new java.util.TreeSet<>();
        for (JsonNode k : up.path("kinds")) {
            if (k.path("name").asText().length() > 64) {
                tooLong.add("kind name " + k.path("name").asText().length());
            }
            k.path("schema").path("properties").fieldNames().forEachRemaining(n -> {
                if (n.length() > 64) {
                    tooLong.add("property name " + n.length());
                }
            });
            int bytes = k.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
            if (bytes > limits.maxKindBytes()) {
                tooLong.add("kind over maxKindBytes: " + bytes);
            }
        }
        assertAll(
                () -> assertEquals((long) kinds * perKind, up.path("messages").asLong(), "every message is relayed"),
                () -> assertEquals(kinds, up.path("kinds").size()),
                () -> assertEquals(java.util.Set.of(), tooLong),
                () -> assertTrue(utf8(summaryText) <= limits.maxEndpointBytes(8192), utf8(summaryText) + " bytes of summary"),
                () -> assertTrue(utf8(asyncapi) <= limits.maxEndpointBytes(8192), utf8(asyncapi) + " bytes of AsyncAPI"),
                // With inference cost bounded the flood is relayed at loopback speed: well under a second
                // per hundred messages even on a loaded machine.
                () -> assertTrue(relayed.compareTo(Duration.ofMillis(10L * kinds * perKind)) < 0, "relaying took " + relayed));
    }

    @Test
    void longCorrelationIdsAreNotTrackedShortOnesStillCorrelate() throws Exception {
        fixture = new DiscoveryFixture(everyMessage());
        String longId = "i".repeat(129);
        try (TestClient c = fixture.open("proto", "/chat")) {
            DiscoveryFixture.ask(c, "{\"type\":\"ping\",\"id\":\"" + longId + "\"}");
            DiscoveryFixture.ask(c, "{\"type\":\"join\",\"id\":\"" + "j".repeat(128) + "\",\"room\":\"r\"}");
            bye(c);
        }
        JsonNode up = path(fixture.awaitSessions("proto", 1), "/chat").path("clientToUpstream");
        assertAll(
                () -> assertEquals(0, DiscoveryFixture.kind(up, "ping").path("replies").size(),
                        "an id over 128 characters is not remembered"),
                () -> assertEquals("joined", DiscoveryFixture.kind(up, "join").at("/replies/0/kind").asText()));
    }

    private static int utf8(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    }

    private static int countProperties(JsonNode schema) {
        int n = 0;
        for (JsonNode p : schema.path("properties")) {
            n += 1 + countProperties(p);
        }
        return schema.has("items") ? n + countProperties(schema.path("items")) : n;
    }
}
