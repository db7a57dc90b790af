package io.wsrelay.relay.discovery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What nodes learnt separately merges into what one node would have learnt of all the messages. */
class AggregateMergeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DiscoveryLimits LIMITS = DiscoveryLimits.defaults();

    private static Shape shapeOf(String... messages) throws Exception {
        Shape s = new Shape();
        for (String m : messages) {
            s.observe(JSON.readTree(m), 0, LIMITS, Shape.budget(new Shape(), LIMITS));
        }
        return s;
    }

    /** Through the stored JSON, as a flush and a later view do. */
    private static Shape roundTrip(Shape s) throws Exception {
        return JSON.readValue(JSON.writeValueAsString(s), Shape.class);
    }

    @Test
    void aPropertyMissingOnOneNodeIsOptionalInTheMergedSchema() throws Exception {
        Shape a = roundTrip(shapeOf("{\"type\":\"t\",\"x\":1}", "{\"type\":\"t\",\"x\":2}"));
        Shape b = roundTrip(shapeOf("{\"type\":\"t\",\"y\":\"2026-12-01T10:00:00Z\"}"));
        a.merge(b, LIMITS, Shape.budget(a, LIMITS));
        ObjectNode schema = a.schema();
        assertAll(
                () -> assertEquals("[\"type\"]", schema.path("required").toString()),
                () -> assertEquals("integer", schema.at("/properties/x/type").asText()),
                () -> assertEquals("date-time", schema.at("/properties/y/format").asText()),
                () -> assertEquals("[\"t\"]", schema.at("/properties/type/enum").toString()));
    }

    @Test
    void integersAndDecimalsMergeToNumberAndTooManyValuesDropTheEnum() throws Exception {
        Shape a = shapeOf("{\"n\":1,\"s\":\"a\"}", "{\"n\":2,\"s\":\"b\"}", "{\"n\":2,\"s\":\"a\"}", "{\"n\":2,\"s\":\"b\"}");
        Shape b = new Shape();
        for (int i = 0; i < 20; i++) {
            b.observe(JSON.readTree("{\"n\":1.5,\"s\":\"v" + i + "\"}"), 0, LIMITS, Shape.budget(new Shape(), LIMITS));
        }
        assertEquals("[\"a\",\"b\"]", a.schema().at("/properties/s/enum").toString());
        a.merge(roundTrip(b), LIMITS, Shape.budget(a, LIMITS));
        JsonNode schema = a.schema();
        assertAll(
                () -> assertEquals("number", schema.at("/properties/n/type").asText()),
                () -> assertFalse(schema.at("/properties/s").has("enum")));
    }

    @Test
    void endpointAggregatesAddCountsAndKeepTheNewestSessions() throws Exception {
        EndpointAggregate a = EndpointAggregate.of("e");
        EndpointAggregate b = EndpointAggregate.of("e");
        a.sessions = 2;
        b.sessions = 3;
        a.path("/p", LIMITS).up.messages = 10;
        b.path("/p", LIMITS).up.messages = 5;
        b.path("/p", LIMITS).up.sizes().recordValue(64);
        for (int i = 0; i < LIMITS.recentSessions(); i++) {
            SessionEntry e = new SessionEntry();
            e.started = 1000 + i;
            (i % 2 == 0 ? a : b).addRecent(e, LIMITS);
        }
        b.encode();
        EndpointAggregate stored = JSON.readValue(JSON.writeValueAsString(b), EndpointAggregate.class);
        a.merge(stored, LIMITS, new int[]{Integer.MAX_VALUE});
        SessionEntry newest = new SessionEntry();
        newest.started = 5000;
        a.addRecent(newest, LIMITS);
        assertAll(
                () -> assertEquals(5, a.sessions),
                () -> assertEquals(15, a.paths.get("/p").up.messages),
                () -> assertEquals(1, a.paths.get("/p").up.sizes().getTotalCount()),
                () -> assertEquals(LIMITS.recentSessions(), a.recent.size()),
                () -> assertEquals(5000, a.recent.getFirst().started),
                () -> assertTrue(a.recent.stream().noneMatch(e -> e.started == 1000), "the oldest is dropped"));
    }

    @Test
    void theLargestKindTheLimitsAllowIsUnderMaxKindBytesStoredSummarisedAndInAsyncApi() throws Exception {
        // Every name at its cap in 3-byte characters, every counter at its largest, every list full.
        String wide = "\u4e2d";
        KindAggregate k = new KindAggregate();
        k.name = wide.repeat(2 * Classifier.MAX_NAME + 1);
        k.discriminator = "discriminator";
        k.protocol = Classifier.GRAPHQL_TRANSPORT_WS;
        k.count = Long.MAX_VALUE;
        k.firstSeen = 253_402_300_799_000L;
        k.lastSeen = k.firstSeen;
        java.util.List<Shape> nodes = new java.util.ArrayList<>();
        nodes.add(k.schema);
        for (int i = 0; i < LIMITS.maxProperties(); i++) {
            Shape p = new Shape();
            k.schema.properties.put(i + wide.repeat(Shape.MAX_NAME - String.valueOf(i).length()), p);
            nodes.add(p);
        }
        for (Shape n : nodes) {
            n.count = n.objects = n.strings = n.dateTimes = n.uuids = n.uris = n.propertiesDropped = Long.MAX_VALUE;
            n.masked = 0;
            n.types = 16 | 1;
            n.values.add("");
            for (int v = 1; v < LIMITS.maxEnumValues() && k.schema.enumChars() < Shape.MAX_ENUM_CHARS; v++) {
                n.values.add(String.valueOf((char) ('\u4e00' + v)));
            }
        }
        k.schema.types = 127;
        for (int e = 0; e < LIMITS.samplesPerKind(); e++) {
            k.examples.add("\"" + e + wide.repeat(LIMITS.exampleBytes() - 3) + "\"");
        }
        for (int r = 0; r <= Counts.MAX_KEYS; r++) {
            k.replies.put(r + wide.repeat(2 * Classifier.MAX_NAME), Long.MAX_VALUE);
        }
        EndpointAggregate a = EndpointAggregate.of("e");
        a.path("/p", LIMITS).up.kinds.put(k.name, k);
        EndpointAggregate empty = EndpointAggregate.of("e");
        empty.path("/p", LIMITS);
        long stored = utf8(JSON.writeValueAsString(k));
        long summary = utf8(SummaryJson.kind(k).toString());
        long asyncapi = utf8(AsyncApiDocument.of(a, null).toString()) - utf8(AsyncApiDocument.of(empty, null).toString());
        long bound = LIMITS.maxKindBytes();
        assertAll(
                // The figures docs/discovery.md gives.
                () -> assertEquals(97_102, bound),
                () -> assertEquals(52_160_256, LIMITS.maxEndpointBytes(8192)),
                () -> assertTrue(stored <= bound, stored + " stored bytes over " + bound),
                () -> assertTrue(summary <= bound, summary + " summary bytes over " + bound),
                () -> assertTrue(asyncapi <= bound, asyncapi + " AsyncAPI bytes over " + bound),
                // The bound is not loose by an order of magnitude.
                () -> assertTrue(Math.max(stored, Math.max(summary, asyncapi)) * 2 > bound,
                        stored + "/" + summary + "/" + asyncapi + " of " + bound));
    }

    @Test
    void longOrControlCharacterNamesAreCountedNotKeptAndEnumCharactersAreBoundedPerKind() throws Exception {
        Shape s = shapeOf("{\"ok\":1,\"" + "n".repeat(Shape.MAX_NAME) + "\":2,\"" + "x".repeat(Shape.MAX_NAME + 1)
                + "\":3,\"a\\u0001b\":4}");
        StringBuilder many = new StringBuilder("{");
        for (int i = 0; i < LIMITS.maxProperties(); i++) {
            many.append(i == 0 ? "" : ",").append("\"p").append(i).append("\":\"").append("v".repeat(39)).append(i % 10).append('"');
        }
        Shape e = shapeOf(many.append('}').toString(), many.toString());
        assertAll(
                () -> assertEquals(java.util.List.of("ok", "n".repeat(Shape.MAX_NAME)), java.util.List.copyOf(s.properties.keySet())),
                () -> assertEquals(2, s.propertiesDropped),
                () -> assertTrue(e.enumChars() <= Shape.MAX_ENUM_CHARS, e.enumChars() + " enum characters"),
                () -> assertTrue(e.schema().at("/properties/p1").has("enum")),
                () -> assertFalse(e.schema().at("/properties/p63").has("enum"), "past the kind's enum budget"));
    }

    private static long utf8(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    }

    /** Every field that holds learning makes an aggregate non-empty, so a new field cannot be forgotten by isEmpty. */
    @Test
    void anAggregateIsEmptyUntilAnyFieldHoldsLearning() throws Exception {
        assertTrue(EndpointAggregate.of("e").isEmpty());
        for (java.lang.reflect.Field f : EndpointAggregate.class.getDeclaredFields()) {
            if (java.lang.reflect.Modifier.isStatic(f.getModifiers()) || f.getName().equals("v") || f.getName().equals("endpointId")) {
                continue;
            }
            EndpointAggregate a = EndpointAggregate.of("e");
            f.setAccessible(true);
            switch (f.getName()) {
                case "refused" -> a.refused.put("403 endpoint_inactive", 1L);
                case "paths" -> a.path("/p", DiscoveryLimits.defaults());
                case "recent" -> a.addRecent(new SessionEntry(), DiscoveryLimits.defaults());
                default -> {
                    if (f.getType() != long.class) {
                        throw new AssertionError("a field isEmpty() does not know: " + f);
                    }
                    f.setLong(a, 1);
                }
            }
            assertFalse(a.isEmpty(), f.getName());
        }
    }
}
