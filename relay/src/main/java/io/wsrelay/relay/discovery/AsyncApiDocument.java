package io.wsrelay.relay.discovery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wsrelay.relay.spi.Endpoint;

import java.net.URI;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An AsyncAPI 3.0 document of what was learnt of one endpoint: the destination as the server,
 * one channel per path, each message kind as a message of its channel (payload schema, examples,
 * {@code x-} counts), and operations from the client's point of view: what the client sends is
 * {@code send}, what it receives is {@code receive}; a correlated answer is the operation's
 * {@code reply}. The WebSocket channel binding ({@code ws}, 0.1.0) lists the query parameter
 * names and the subprotocols offered. The only {@code $ref} members are the document's own
 * ({@code #/channels/...}, {@code #/servers/...}): an example holding a {@code $ref} member is left
 * out, and a property named {@code $ref} is described under {@code patternProperties}, so that no
 * reader follows a reference a client sent. Stateless.
 */
final class AsyncApiDocument {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    static final String VERSION = "3.0.0";
    private static final String WS_BINDING_VERSION = "0.1.0";
    /** Longest channel, message or operation key, in characters, before a {@code -n} suffix that makes it unique. */
    static final int MAX_KEY = 128;
    private static final String REF = "$ref";
    private static final String REF_PATTERN = "^\\$ref$";
    /** Members an example may not hold: see {@link #hasReference}. */
    private static final List<String> REFERENCE_KEYWORDS = List.of(REF, "$id", "$schema", "$anchor",
            "$dynamicRef", "$dynamicAnchor", "$recursiveRef");

    private AsyncApiDocument() {
    }

    static ObjectNode of(EndpointAggregate a, Endpoint endpoint) {
        ObjectNode doc = F.objectNode();
        doc.put("asyncapi", VERSION);
        ObjectNode info = doc.putObject("info");
        info.put("title", "WebSocket API of endpoint " + a.endpointId);
        info.put("version", "observed-" + (a.lastSeen > 0 ? Instant.ofEpochMilli(a.lastSeen).toString() : "never"));
        info.put("description", "Inferred by wsrelay from " + a.sessions + " relayed session(s). Message kinds, "
                + "schemas and examples come from masked samples; counts are x-count.");
        doc.put("defaultContentType", "application/json");
        String serverKey = null;
        if (endpoint != null) {
            serverKey = "upstream";
            doc.putObject("servers").set(serverKey, server(endpoint));
        }
        ObjectNode channels = doc.putObject("channels");
        ObjectNode operations = doc.putObject("operations");
        Set<String> channelIds = new HashSet<>();
        for (PathAggregate p : a.paths.values()) {
            String channelId = unique(key(p.path.isEmpty() || p.path.equals("/") ? "root" : p.path), channelIds);
            ObjectNode channel = channels.putObject(channelId);
            channel.put("address", p.path.isEmpty() ? "/" : p.path.replace("{", "%7B").replace("}", "%7D"));
            channel.put("description", p.sessions + " session(s); subprotocols chosen: " + p.chosenSubprotocols);
            if (serverKey != null) {
                channel.putArray("servers").addObject().put("$ref", "#/servers/" + serverKey);
            }
            ObjectNode messages = channel.putObject("messages");
            Map<String, String> up = messages(messages, p.up, "send", new HashSet<>());
            Map<String, String> down = messages(messages, p.down, "receive", new HashSet<>(up.values()));
            channel.set("bindings", F.objectNode().set("ws", binding(p)));
            operate(operations, channelId, p.up, "send", up, down);
            operate(operations, channelId, p.down, "receive", down, up);
        }
        return doc;
    }

    private static ObjectNode server(Endpoint endpoint) {
        URI uri = URI.create(endpoint.destinationUrl());
        String scheme = uri.getScheme() == null ? "ws" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        String protocol = scheme.equals("https") || scheme.equals("wss") ? "wss" : "ws";
        ObjectNode s = F.objectNode();
        s.put("host", uri.getPort() < 0 ? uri.getHost() : uri.getHost() + ":" + uri.getPort());
        s.put("protocol", protocol);
        if (uri.getRawPath() != null && uri.getRawPath().length() > 1) {
            s.put("pathname", uri.getRawPath());
        }
        s.put("description", "The endpoint's destination; pages reach it through wsrelay at /ws-proxy/{path}?endpointId="
                + endpoint.id());
        return s;
    }

    /** Adds the kinds of one direction as messages; returns kind name to message id. */
    private static Map<String, String> messages(ObjectNode messages, DirectionAggregate d, String action,
                                                Set<String> taken) {
        Map<String, String> ids = new java.util.LinkedHashMap<>();
        for (KindAggregate k : d.kinds.values()) {
            String id = unique(key(action + "." + k.name), taken);
            ids.put(k.name, id);
            ObjectNode m = messages.putObject(id);
            m.put("name", k.name);
            m.put("title", k.name + " (" + (action.equals("send") ? "client to server" : "server to client") + ")");
            m.put("contentType", "application/json");
            m.set("payload", withoutReferences(k.schema.schema()));
            ArrayNode examples = F.arrayNode();
            for (String e : k.examples) {
                JsonNode payload = SummaryJson.parse(e);
                if (!hasReference(payload)) {
                    examples.addObject().set("payload", payload);
                }
            }
            if (!examples.isEmpty()) {
                m.set("examples", examples);
            }
            m.put("x-count", k.count);
            m.put("x-protocol", k.protocol);
            if (k.discriminator != null) {
                m.put("x-discriminator", k.discriminator);
            }
            if (k.firstSeen > 0) {
                m.put("x-first-seen", Instant.ofEpochMilli(k.firstSeen).toString());
                m.put("x-last-seen", Instant.ofEpochMilli(k.lastSeen).toString());
            }
        }
        return ids;
    }

    private static void operate(ObjectNode operations, String channelId, DirectionAggregate d, String action,
                                Map<String, String> mine, Map<String, String> theirs) {
        String channelRef = "#/channels/" + channelId;
        for (KindAggregate k : d.kinds.values()) {
            String messageId = mine.get(k.name);
            ObjectNode op = operations.putObject(unique(key(channelId + "." + messageId), operationIds(operations)));
            op.put("action", action);
            op.putObject("channel").put("$ref", channelRef);
            op.put("summary", (action.equals("send") ? "The client sends " : "The client receives ") + k.name);
            op.putArray("messages").addObject().put("$ref", channelRef + "/messages/" + messageId);
            ArrayNode replies = F.arrayNode();
            k.replies.keySet().stream().map(theirs::get).filter(java.util.Objects::nonNull)
                    .forEach(id -> replies.addObject().put("$ref", channelRef + "/messages/" + id));
            if (!replies.isEmpty()) {
                ObjectNode reply = op.putObject("reply");
                reply.putObject("channel").put("$ref", channelRef);
                reply.set("messages", replies);
            }
        }
    }

    private static Set<String> operationIds(ObjectNode operations) {
        Set<String> ids = new HashSet<>();
        operations.fieldNames().forEachRemaining(ids::add);
        return ids;
    }

    private static ObjectNode binding(PathAggregate p) {
        ObjectNode ws = F.objectNode();
        ws.put("method", "GET");
        if (!p.queryParameters.isEmpty()) {
            ObjectNode query = ws.putObject("query");
            query.put("type", "object");
            query.put("description", "Parameter names seen (values are never recorded).");
            ObjectNode props = query.putObject("properties");
            p.queryParameters.keySet().forEach(name -> props.putObject(name).put("type", "string"));
            withoutReferences(query);
        }
        if (!p.offeredSubprotocols.isEmpty()) {
            ObjectNode headers = ws.putObject("headers");
            headers.put("type", "object");
            ObjectNode protocol = headers.putObject("properties").putObject("Sec-WebSocket-Protocol");
            protocol.put("type", "string");
            protocol.put("description", "Subprotocols offered (RFC 6455 §4.1): " + String.join(", ",
                    p.offeredSubprotocols.keySet()) + "; the server chose: " + String.join(", ",
                    p.chosenSubprotocols.keySet()));
        }
        ws.put("bindingVersion", WS_BINDING_VERSION);
        return ws;
    }

    /**
     * Whether {@code node} has, at any depth, a member named {@code $ref} or another JSON Schema
     * keyword by which a reader may fetch or re-base references ({@code $id}, {@code $schema},
     * {@code $anchor}, {@code $dynamicRef}, {@code $dynamicAnchor}, {@code $recursiveRef};
     * JSON Schema 2020-12 §8.2).
     */
    static boolean hasReference(JsonNode node) {
        if (node.isObject()) {
            for (String keyword : REFERENCE_KEYWORDS) {
                if (node.has(keyword)) {
                    return true;
                }
            }
            for (JsonNode child : node) {
                if (hasReference(child)) {
                    return true;
                }
            }
        } else if (node.isArray()) {
            for (JsonNode child : node) {
                if (hasReference(child)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * {@code schema}, changed in place: at every level a property named {@code $ref} moves to
     * {@code patternProperties} under {@code ^\$ref$}, which describes the same property
     * without a {@code $ref} member.
     */
    static ObjectNode withoutReferences(ObjectNode schema) {
        if (schema.get("properties") instanceof ObjectNode props) {
            if (props.get(REF) instanceof ObjectNode ref) {
                props.remove(REF);
                schema.putObject("patternProperties").set(REF_PATTERN, ref);
                if (props.isEmpty()) {
                    schema.remove("properties");
                }
            }
            props.forEach(p -> {
                if (p instanceof ObjectNode o) {
                    withoutReferences(o);
                }
            });
        }
        if (schema.get("patternProperties") instanceof ObjectNode pattern) {
            pattern.forEach(p -> {
                if (p instanceof ObjectNode o) {
                    withoutReferences(o);
                }
            });
        }
        if (schema.get("items") instanceof ObjectNode items) {
            withoutReferences(items);
        }
        return schema;
    }

    /** A map key AsyncAPI accepts ({@code ^[\w\d.\-_]+$}), at most {@link #MAX_KEY} characters. */
    private static String key(String raw) {
        String k = raw.replaceAll("[^A-Za-z0-9._-]", "_").replaceAll("^[._]+", "");
        k = k.length() > MAX_KEY ? k.substring(0, MAX_KEY) : k;
        return k.isEmpty() ? "_" : k;
    }

    private static String unique(String key, Set<String> taken) {
        String k = key;
        for (int i = 2; !taken.add(k); i++) {
            k = key + "-" + i;
        }
        return k;
    }
}
