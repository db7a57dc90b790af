package io.wsrelay.relay.ops;

import io.wsrelay.relay.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wsrelay.relay.spi.CaptureMode;
import io.wsrelay.relay.spi.Endpoint;
import io.wsrelay.relay.spi.EndpointStatus;
import io.wsrelay.relay.spi.LiveSessionPolicy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Endpoints as JSON, for the admin API and {@code wsrelay endpoint list --json}.
 *
 * <p>Out: {@code id, destinationUrl, status, allowedHosts, allowedOrigins, maxConnections,
 * upstreamHeaderNames, upstreamOrigin, hasTrustedCa, capture, liveSessions, createdAt, updatedAt}. Header <em>values</em> never leave the relay (they
 * may hold API keys); only their names do.
 *
 * <p>In: the writable fields {@code id, destinationUrl, status, allowedHosts, allowedOrigins,
 * maxConnections, upstreamHeaders} (an object of name to value), {@code upstreamOrigin} and
 * {@code trustedCa} (PEM; shown only as {@code hasTrustedCa}), {@code capture} ({@code off},
 * {@code metadata}, {@code samples}; see {@code docs/discovery.md}) and {@code liveSessions}
 * ({@code CLOSE} or {@code KEEP}: what INACTIVE or removal does to open sessions). The read-only fields of the
 * output are ignored, so what was read can be sent back; any other field is an error, so a typo
 * does not pass silently. Pure functions; thread-safe.
 */
public final class EndpointJson {
    private static final Set<String> WRITABLE = Set.of("id", "destinationUrl", "status", "allowedHosts",
            "allowedOrigins", "maxConnections", "upstreamHeaders", "upstreamOrigin", "trustedCa", "capture",
            "liveSessions");
    private static final Set<String> READ_ONLY = Set.of("upstreamHeaderNames", "hasTrustedCa", "createdAt", "updatedAt");

    private EndpointJson() {
    }

    /** The public view of {@code endpoint}: everything but header values. */
    public static ObjectNode toJson(Endpoint endpoint) {
        ObjectNode node = Json.MAPPER.createObjectNode()
                .put("id", endpoint.id())
                .put("destinationUrl", endpoint.shownDestination())
                .put("status", endpoint.status().name());
        endpoint.allowedHosts().forEach(node.putArray("allowedHosts")::add);
        endpoint.allowedOrigins().forEach(node.putArray("allowedOrigins")::add);
        node.put("maxConnections", endpoint.maxConnections());
        ArrayNode names = node.putArray("upstreamHeaderNames");
        endpoint.upstreamHeaders().keySet().stream().sorted().forEach(names::add);
        node.put("upstreamOrigin", endpoint.upstreamOrigin());
        node.put("hasTrustedCa", !endpoint.trustedCa().isEmpty());
        node.put("capture", endpoint.capture().label());
        node.put("liveSessions", endpoint.liveSessions().name());
        node.put("createdAt", endpoint.createdAt().toString());
        node.put("updatedAt", endpoint.updatedAt().toString());
        return node;
    }

    /**
     * A new endpoint from {@code body}: {@code id} and {@code destinationUrl} required, the
     * rest defaulting to {@code ACTIVE}, no lists, 0 and no headers.
     *
     * @throws IllegalArgumentException naming the field, if a field is missing, unknown or invalid
     */
    static Endpoint create(JsonNode body) {
        checkFields(body);
        Instant now = Instant.now();
        return new Endpoint(requiredText(body, "id"), requiredText(body, "destinationUrl"),
                body.has("status") ? status(body.get("status")) : EndpointStatus.ACTIVE,
                body.has("allowedHosts") ? strings(body, "allowedHosts") : List.of(),
                body.has("allowedOrigins") ? strings(body, "allowedOrigins") : List.of(),
                body.has("maxConnections") ? integer(body, "maxConnections") : 0,
                body.has("upstreamHeaders") ? headers(body) : Map.of(),
                body.has("upstreamOrigin") ? body.get("upstreamOrigin").asText() : "",
                body.has("trustedCa") ? body.get("trustedCa").asText() : "",
                body.has("capture") ? capture(body.get("capture")) : CaptureMode.OFF,
                body.has("liveSessions") ? liveSessions(body.get("liveSessions")) : LiveSessionPolicy.DEFAULT,
                now, now);
    }

    /**
     * {@code current} with each field present in {@code patch} replaced; absent fields, header
     * values included, are kept. An {@code id} in the patch must equal the current one.
     *
     * @throws IllegalArgumentException naming the field, if a field is unknown or invalid
     */
    static Endpoint merge(Endpoint current, JsonNode patch) {
        checkFields(patch);
        if (patch.has("id") && !current.id().equals(patch.get("id").asText())) {
            throw new IllegalArgumentException("id cannot be changed");
        }
        return new Endpoint(current.id(),
                patch.has("destinationUrl") ? requiredText(patch, "destinationUrl") : current.destinationUrl(),
                patch.has("status") ? status(patch.get("status")) : current.status(),
                patch.has("allowedHosts") ? strings(patch, "allowedHosts") : current.allowedHosts(),
                patch.has("allowedOrigins") ? strings(patch, "allowedOrigins") : current.allowedOrigins(),
                patch.has("maxConnections") ? integer(patch, "maxConnections") : current.maxConnections(),
                patch.has("upstreamHeaders") ? headers(patch) : current.upstreamHeaders(),
                patch.has("upstreamOrigin") ? patch.get("upstreamOrigin").asText() : current.upstreamOrigin(),
                patch.has("trustedCa") ? patch.get("trustedCa").asText() : current.trustedCa(),
                patch.has("capture") ? capture(patch.get("capture")) : current.capture(),
                patch.has("liveSessions") ? liveSessions(patch.get("liveSessions")) : current.liveSessions(),
                current.createdAt(), Instant.now());
    }

    /** Whether {@code patch} changes nothing but the status (done with one cheap store call). */
    static boolean isStatusOnly(JsonNode patch) {
        Iterator<String> names = patch.fieldNames();
        boolean status = false;
        while (names.hasNext()) {
            String name = names.next();
            if (name.equals("status")) {
                status = true;
            } else if (!READ_ONLY.contains(name) && !name.equals("id")) {
                return false;
            }
        }
        return status;
    }

    /**
     * The status named by {@code node}, in any letter case.
     *
     * @throws IllegalArgumentException if it names none
     */
    static EndpointStatus status(JsonNode node) {
        try {
            return EndpointStatus.valueOf(node.asText().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("status must be one of " + List.of(EndpointStatus.values()), e);
        }
    }

    /**
     * The capture mode named by {@code node}: {@code off}, {@code metadata} or {@code samples}.
     *
     * @throws IllegalArgumentException if it is not a string naming one
     */
    static CaptureMode capture(JsonNode node) {
        if (!node.isTextual()) {
            throw new IllegalArgumentException("capture must be a string: off, metadata or samples");
        }
        return CaptureMode.parse(node.asText());
    }

    /**
     * The live-session policy named by {@code node}, in any letter case.
     *
     * @throws IllegalArgumentException if it names none
     */
    static LiveSessionPolicy liveSessions(JsonNode node) {
        try {
            return LiveSessionPolicy.valueOf(node.asText().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("liveSessions must be one of " + List.of(LiveSessionPolicy.values()), e);
        }
    }

    private static void checkFields(JsonNode body) {
        if (!body.isObject()) {
            throw new IllegalArgumentException("the body must be a JSON object");
        }
        Iterator<String> names = body.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!WRITABLE.contains(name) && !READ_ONLY.contains(name)) {
                throw new IllegalArgumentException("unknown field " + Json.quoteForDetail(name));
            }
        }
    }

    private static String requiredText(JsonNode body, String field) {
        JsonNode node = body.get(field);
        if (node == null || !node.isTextual() || node.asText().isBlank()) {
            throw new IllegalArgumentException(field + " is required and must be a non-empty string");
        }
        return node.asText();
    }

    private static int integer(JsonNode body, String field) {
        JsonNode node = body.get(field);
        if (!node.canConvertToInt() || !node.isIntegralNumber()) {
            throw new IllegalArgumentException(field + " must be an integer");
        }
        return node.asInt();
    }

    private static List<String> strings(JsonNode body, String field) {
        JsonNode node = body.get(field);
        if (!node.isArray()) {
            throw new IllegalArgumentException(field + " must be an array of strings");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode item : node) {
            if (!item.isTextual()) {
                throw new IllegalArgumentException(field + " must be an array of strings");
            }
            out.add(item.asText());
        }
        return out;
    }

    private static Map<String, String> headers(JsonNode body) {
        JsonNode node = body.get("upstreamHeaders");
        if (!node.isObject()) {
            throw new IllegalArgumentException("upstreamHeaders must be an object of header name to value");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (!e.getValue().isTextual()) {
                throw new IllegalArgumentException("upstreamHeaders values must be strings");
            }
            out.put(e.getKey(), e.getValue().asText());
        }
        return out;
    }
}
