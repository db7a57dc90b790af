package io.wsrelay.relay.discovery;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Names the kind of a JSON message by its discriminator, and finds the id that correlates a
 * request with its responses. Recognised by name: JSON-RPC 2.0 (a {@code jsonrpc} member, or
 * {@code method} with {@code params}/{@code id}, or {@code id} with {@code result}/{@code error}),
 * GraphQL over WebSocket ({@code graphql-transport-ws}, and the older {@code graphql-ws}: by the
 * subprotocol or by the protocol's message types), then the first of {@link #DISCRIMINATORS};
 * arrays of the Phoenix ({@code [join_ref, ref, topic, event, payload]}) and Socket.IO-like
 * ({@code ["event", ...]}) shapes. Anything else is named after its keys. Stateless.
 */
final class Classifier {
    /** Members that name a message's kind, in the order they are tried. */
    static final List<String> DISCRIMINATORS = List.of("type", "event", "op", "action", "method", "channel",
            "cmd", "command", "kind", "topic");
    /** Members that correlate a request with its responses, in the order they are tried. */
    private static final List<String> IDS = List.of("id", "requestId", "request_id", "correlationId",
            "correlation_id", "reqId", "ref", "rid", "cid");
    static final String GRAPHQL_TRANSPORT_WS = "graphql-transport-ws";
    static final String GRAPHQL_WS = "graphql-ws";
    static final String JSON_RPC = "json-rpc";
    static final String JSON = "json";
    private static final Set<String> GRAPHQL_TYPES = Set.of("connection_init", "connection_ack", "subscribe",
            "next", "complete", "ping", "pong", "error", "start", "data", "stop", "connection_keep_alive",
            "connection_error", "connection_terminate");
    /** Longest kind name, in characters. */
    static final int MAX_NAME = 64;
    private static final int KEYS_IN_NAME = 4;

    /**
     * A message kind.
     *
     * @param name          the discriminator's value (or a name made from the shape)
     * @param discriminator the member holding it, or null
     * @param protocol      {@value #JSON}, {@value #JSON_RPC}, {@value #GRAPHQL_TRANSPORT_WS} or {@value #GRAPHQL_WS}
     * @param id            the correlation id's value, or null
     * @param response      whether this is a JSON-RPC response (named after its request once correlated)
     */
    record Kind(String name, String discriminator, String protocol, String id, boolean response) {
    }

    private Classifier() {
    }

    /** The kind of {@code message} (already masked), on a session that chose {@code subprotocol} (or null). */
    static Kind classify(JsonNode message, String subprotocol) {
        if (message.isObject()) {
            return object(message, subprotocol);
        }
        if (message.isArray()) {
            if (message.size() == 5 && message.get(3).isTextual()) {
                return new Kind(name(message.get(3).asText()), "[3]", JSON, scalar(message.get(1)), false);
            }
            if (!message.isEmpty() && message.get(0).isTextual()) {
                return new Kind(name(message.get(0).asText()), "[0]", JSON, null, false);
            }
            return new Kind("(array)", null, JSON, null, false);
        }
        return new Kind("(" + message.getNodeType().name().toLowerCase(java.util.Locale.ROOT) + ")", null, JSON,
                null, false);
    }

    private static Kind object(JsonNode m, String subprotocol) {
        String id = null;
        for (String field : IDS) {
            id = scalar(m.get(field));
            if (id != null) {
                break;
            }
        }
        boolean rpc = m.has("jsonrpc") || (m.path("method").isTextual() && (m.has("params") || m.has("id")))
                || (m.has("id") && (m.has("result") || m.has("error")) && !m.has("method") && !m.has("type"));
        if (rpc) {
            if (m.path("method").isTextual()) {
                return new Kind(name(m.get("method").asText()), "method", JSON_RPC, scalar(m.get("id")), false);
            }
            return new Kind(m.has("error") ? "error" : "result", null, JSON_RPC, scalar(m.get("id")), true);
        }
        String type = m.path("type").isTextual() ? m.get("type").asText() : null;
        boolean graphqlProtocol = GRAPHQL_TRANSPORT_WS.equals(subprotocol) || GRAPHQL_WS.equals(subprotocol);
        if (type != null && (graphqlProtocol || (subprotocol == null && GRAPHQL_TYPES.contains(type)
                && (type.startsWith("connection_") || m.has("payload") || m.has("id"))))) {
            String protocol = GRAPHQL_WS.equals(subprotocol) ? GRAPHQL_WS : GRAPHQL_TRANSPORT_WS;
            return new Kind(name(type), "type", protocol, scalar(m.get("id")), false);
        }
        for (String field : DISCRIMINATORS) {
            String value = scalar(m.get(field));
            if (value != null && !value.isBlank()) {
                return new Kind(name(value), field, JSON, id, false);
            }
        }
        List<String> keys = new ArrayList<>();
        m.fieldNames().forEachRemaining(keys::add);
        keys.sort(null);
        String shape = "{" + String.join(",", keys.subList(0, Math.min(KEYS_IN_NAME, keys.size())))
                + (keys.size() > KEYS_IN_NAME ? ",..." : "") + "}";
        return new Kind(name(shape), null, JSON, id, false);
    }

    /** A string or number as text; null for anything else. */
    private static String scalar(JsonNode node) {
        if (node == null || !(node.isTextual() || node.isNumber())) {
            return null;
        }
        return node.asText();
    }

    /**
     * {@code raw} as a kind name: control characters as spaces, stripped, cut to at most
     * {@link #MAX_NAME} characters on a code point boundary; {@code (blank)} when nothing is left.
     */
    static String name(String raw) {
        int start = 0;
        while (start < raw.length() && isBlank(raw.charAt(start))) {
            start++;
        }
        StringBuilder b = new StringBuilder(Math.min(raw.length() - start, MAX_NAME + 1));
        for (int i = start; i < raw.length() && b.length() <= MAX_NAME; i++) {
            char c = raw.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? ' ' : c);
        }
        String s = Text.cut(b.toString(), MAX_NAME).strip();
        return s.isEmpty() ? "(blank)" : s;
    }

    private static boolean isBlank(char c) {
        return c <= 0x20 || c == 0x7f || Character.isWhitespace(c);
    }
}
