package io.wsrelay.relay.discovery;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wsrelay.relay.spi.Endpoint;

import java.net.URI;
import java.time.Instant;

/**
 * A HAR 1.2 log of an endpoint's recent sessions: one entry per opening handshake (101, or the
 * refusal's status) with the session's kept messages in Chrome's {@code _webSocketMessages} form
 * ({@code type} send/receive, {@code time} in epoch seconds, {@code opcode}, {@code data}), so the
 * file opens in browser dev tools. The request URL is the destination's host, port and path
 * (never its user information), with query parameter names and empty values: values are never
 * recorded. Stateless.
 */
final class HarDocument {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private HarDocument() {
    }

    static ObjectNode of(EndpointAggregate a, Endpoint endpoint, String version) {
        ObjectNode root = F.objectNode();
        ObjectNode log = root.putObject("log");
        log.put("version", "1.2");
        log.putObject("creator").put("name", "wsrelay").put("version", version);
        log.put("comment", "Recent sessions of endpoint " + a.endpointId + "; message contents are masked samples");
        ArrayNode entries = log.putArray("entries");
        for (SessionEntry s : a.recent.reversed()) {
            entries.add(entry(s, endpoint));
        }
        return root;
    }

    private static ObjectNode entry(SessionEntry s, Endpoint endpoint) {
        ObjectNode e = F.objectNode();
        e.put("startedDateTime", Instant.ofEpochMilli(s.started).toString());
        e.put("time", Math.max(0, s.durationMs));
        ObjectNode request = e.putObject("request");
        request.put("method", "GET");
        request.put("url", url(endpoint, s));
        request.put("httpVersion", "HTTP/1.1");
        request.putArray("cookies");
        ArrayNode headers = request.putArray("headers");
        if (!s.offered.isEmpty()) {
            headers.addObject().put("name", "Sec-WebSocket-Protocol").put("value", String.join(", ", s.offered));
        }
        ArrayNode query = request.putArray("queryString");
        s.queryNames.forEach(n -> query.addObject().put("name", n).put("value", ""));
        request.put("headersSize", -1);
        request.put("bodySize", 0);
        ObjectNode response = e.putObject("response");
        response.put("status", s.status);
        response.put("statusText", s.status == 101 ? "Switching Protocols" : s.error == null ? "" : s.error);
        response.put("httpVersion", "HTTP/1.1");
        response.putArray("cookies");
        ArrayNode responseHeaders = response.putArray("headers");
        if (s.chosen != null && !s.chosen.isEmpty()) {
            responseHeaders.addObject().put("name", "Sec-WebSocket-Protocol").put("value", s.chosen);
        }
        response.putObject("content").put("size", 0).put("mimeType", s.status == 101 ? "" : "application/json");
        response.put("redirectURL", "");
        response.put("headersSize", -1);
        response.put("bodySize", s.status == 101 ? 0 : -1);
        e.putObject("cache");
        e.putObject("timings").put("send", 0).put("wait", Math.max(0, s.durationMs)).put("receive", 0);
        e.put("_resourceType", "websocket");
        e.put("comment", "session " + s.sessionId + " on node " + s.node + "; close code to client " + s.codeToClient
                + ", to upstream " + s.codeToUpstream + ", closed by " + s.closedBy + "; messages " + s.messagesUp
                + " sent, " + s.messagesDown + " received, " + s.messagesLeftOut + " not kept");
        ArrayNode frames = e.putArray("_webSocketMessages");
        for (SessionEntry.Message m : s.messages) {
            ObjectNode frame = frames.addObject().put("type", m.type).put("time", m.at / 1000.0).put("opcode", m.opcode)
                    .put("data", m.data);
            if (m.truncated) {
                // data is the first part only (the first 8 bytes of a binary message): the size says of what.
                frame.put("_truncated", true).put("_size", m.size);
            }
        }
        return e;
    }

    private static String url(Endpoint endpoint, SessionEntry s) {
        String base = endpoint == null ? "ws://unknown" : endpoint.destinationUrl();
        URI uri = URI.create(base);
        String scheme = uri.getScheme() == null ? "ws" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        scheme = scheme.equals("https") ? "wss" : scheme.equals("http") ? "ws" : scheme;
        String basePath = uri.getRawPath() == null ? "" : uri.getRawPath().replaceAll("/+$", "");
        String path = s.path == null || s.path.isEmpty() ? "/" : s.path;
        // Host and port only: user information in a destination URL is a credential.
        // URI.getHost() keeps an IPv6 literal's brackets.
        String host = uri.getHost() == null ? "unknown"
                : uri.getHost().contains(":") && !uri.getHost().startsWith("[") ? "[" + uri.getHost() + "]" : uri.getHost();
        StringBuilder url = new StringBuilder(scheme).append("://").append(host)
                .append(uri.getPort() < 0 ? "" : ":" + uri.getPort()).append(basePath).append(path);
        for (int i = 0; i < s.queryNames.size(); i++) {
            url.append(i == 0 ? '?' : '&').append(java.net.URLEncoder.encode(s.queryNames.get(i),
                    java.nio.charset.StandardCharsets.UTF_8)).append('=');
        }
        return url.toString();
    }
}
