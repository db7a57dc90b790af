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
            s.observe(JSON.readTree(m), 0, LIMITS, new int[]{LIMITS.maxProperties()});
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
        a.merge(b, LIMITS, new int[]{LIMITS.maxProperties()});
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
            b.observe(JSON.readTree("{\"n\":1.5,\"s\":\"v" + i + "\"}"), 0, LIMITS, new int[]{LIMITS.maxProperties()});
        }
        assertEquals("[\"a\",\"b\"]", a.schema().at("/properties/s/enum").toString());
        a.merge(roundTrip(b), LIMITS, new int[]{LIMITS.maxProperties()});
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
}
