package io.wsrelay.relay.discovery;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.HdrHistogram.AbstractHistogram;

import java.time.Instant;
import java.util.Map;

/**
 * The JSON summary of {@code GET /admin/discovery/{endpointId}}: per path and direction the
 * message counts, size distribution, kinds with their JSON Schemas, examples and replies, and
 * the non-JSON text and binary statistics; plus what the bounds left out. Stateless.
 */
final class SummaryJson {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private SummaryJson() {
    }

    static ObjectNode of(EndpointAggregate a, String capture) {
        ObjectNode root = F.objectNode();
        root.put("endpointId", a.endpointId);
        root.put("capture", capture);
        root.put("sessions", a.sessions);
        root.set("refused", counts(a.refused));
        time(root, "firstSeen", a.firstSeen);
        time(root, "lastSeen", a.lastSeen);
        ObjectNode left = root.putObject("leftOut");
        left.put("samplesDropped", a.samplesDropped);
        left.put("samplesSkipped", a.samplesSkipped);
        left.put("sessionsDropped", a.sessionsDropped);
        left.put("pathsDropped", a.pathsDropped);
        ArrayNode paths = root.putArray("paths");
        for (PathAggregate p : a.paths.values()) {
            ObjectNode pn = paths.addObject();
            pn.put("path", p.path);
            pn.put("sessions", p.sessions);
            pn.set("queryParameters", counts(p.queryParameters));
            pn.set("offeredSubprotocols", counts(p.offeredSubprotocols));
            pn.set("chosenSubprotocols", counts(p.chosenSubprotocols));
            pn.set("closeCodesToClient", counts(p.closeCodesToClient));
            pn.set("closeCodesToUpstream", counts(p.closeCodesToUpstream));
            pn.set("closedBy", counts(p.closedBy));
            pn.set("durationMs", distribution(p.durations()));
            pn.set("clientToUpstream", direction(p.up));
            pn.set("upstreamToClient", direction(p.down));
        }
        return root;
    }

    private static ObjectNode direction(DirectionAggregate d) {
        ObjectNode n = F.objectNode();
        n.put("messages", d.messages);
        n.put("bytes", d.bytes);
        n.put("textMessages", d.textMessages);
        n.put("binaryMessages", d.binaryMessages);
        n.set("sizeBytes", distribution(d.sizes()));
        n.put("sampled", d.sampled);
        ArrayNode kinds = n.putArray("kinds");
        for (KindAggregate k : d.kinds.values()) {
            kinds.add(kind(k));
        }
        n.put("kindsDropped", d.kindsDropped);
        n.put("truncatedText", d.truncatedText);
        ObjectNode text = n.putObject("nonJsonText");
        text.put("messages", d.nonJsonText);
        ArrayNode ts = text.putArray("samples");
        d.textSamples.forEach(ts::add);
        ObjectNode bin = n.putObject("binary");
        bin.put("messages", d.binary);
        bin.set("contentGuesses", counts(d.binaryGuesses));
        ArrayNode bs = bin.putArray("samples");
        for (DirectionAggregate.BinarySample b : d.binarySamples) {
            bs.addObject().put("size", b.size).put("firstBytes", b.firstBytes).put("guess", b.guess);
        }
        return n;
    }

    static ObjectNode kind(KindAggregate k) {
        ObjectNode n = F.objectNode();
        n.put("name", k.name);
        if (k.discriminator != null) {
            n.put("discriminator", k.discriminator);
        }
        n.put("protocol", k.protocol);
        n.put("count", k.count);
        time(n, "firstSeen", k.firstSeen);
        time(n, "lastSeen", k.lastSeen);
        n.set("schema", k.schema.schema());
        ArrayNode examples = n.putArray("examples");
        for (String e : k.examples) {
            examples.add(parse(e));
        }
        ArrayNode replies = n.putArray("replies");
        k.replies.forEach((name, count) -> replies.addObject().put("kind", name).put("count", count));
        return n;
    }

    /**
     * Reads message samples: a decimal number keeps its digits ({@code 1e999} is {@code 1E+999},
     * never {@code Infinity}, and {@code 100.0} stays {@code 100.0}). Thread-safe.
     */
    static final ObjectMapper SAMPLES = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
            .build();

    static JsonNode parse(String json) {
        try {
            return SAMPLES.readTree(json);
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            return F.textNode(json);
        }
    }

    static ObjectNode counts(Map<String, Long> counts) {
        ObjectNode n = F.objectNode();
        counts.forEach(n::put);
        return n;
    }

    private static ObjectNode distribution(AbstractHistogram h) {
        ObjectNode n = F.objectNode();
        n.put("count", h.getTotalCount());
        if (h.getTotalCount() > 0) {
            n.put("min", h.getMinValue());
            n.put("p50", h.getValueAtPercentile(50));
            n.put("p90", h.getValueAtPercentile(90));
            n.put("p99", h.getValueAtPercentile(99));
            n.put("max", h.getMaxValue());
            n.put("mean", Math.round(h.getMean() * 10) / 10.0);
        }
        return n;
    }

    private static void time(ObjectNode n, String field, long epochMillis) {
        if (epochMillis > 0) {
            n.put(field, Instant.ofEpochMilli(epochMillis).toString());
        }
    }
}
