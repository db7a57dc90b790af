package io.wsrelay.relay.discovery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.VirtualThreadPool;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.server.ServerUpgradeRequest;
import org.eclipse.jetty.websocket.server.ServerUpgradeResponse;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;

import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.UUID;

/**
 * A real upstream WebSocket server on {@code 127.0.0.1:0} (Jetty) that speaks a protocol per path:
 * <ul>
 * <li>{@code /chat}: a {@code type}-tagged JSON protocol: {@code join} is answered with
 *     {@code joined} (with a date-time, a uuid and the user's e-mail), {@code say} with
 *     {@code message}, {@code ping} with {@code pong}; every message carries its request's {@code id}</li>
 * <li>{@code /graphql}: {@code graphql-transport-ws} (chosen when offered): {@code connection_init}
 *     → {@code connection_ack}; {@code subscribe} → two {@code next} then {@code complete}, with
 *     the subscription's id; {@code ping} → {@code pong}</li>
 * <li>{@code /rpc}: JSON-RPC 2.0: {@code add} and {@code echo} answer a {@code result}, any other
 *     method an {@code error} (-32601); a notification is not answered</li>
 * <li>{@code /binary}: answers each binary message with a PNG-headed binary and echoes text as
 *     a non-JSON text line</li>
 * </ul>
 */
public final class ProtocolUpstream implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R'};

    private final Server server;
    private final ServerConnector connector;

    private ProtocolUpstream() throws Exception {
        VirtualThreadPool threads = new VirtualThreadPool();
        threads.setName("protocol-upstream");
        server = new Server(threads);
        connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(WebSocketUpgradeHandler.from(server, c -> c.addMapping("/*", this::create)));
        server.start();
    }

    public static ProtocolUpstream start() throws Exception {
        return new ProtocolUpstream();
    }

    public URI uri() {
        return URI.create("ws://127.0.0.1:" + connector.getLocalPort());
    }

    private Object create(ServerUpgradeRequest request, ServerUpgradeResponse response,
                          org.eclipse.jetty.util.Callback callback) {
        String path = request.getHttpURI().getPath();
        if (path.startsWith("/graphql") && request.getSubProtocols().contains("graphql-transport-ws")) {
            response.setAcceptedSubProtocol("graphql-transport-ws");
        }
        return new Peer(path);
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }

    /** One upstream session. */
    public final class Peer implements Session.Listener.AutoDemanding {
        private final String path;
        private Session session;

        Peer(String path) {
            this.path = path;
        }

        @Override
        public void onWebSocketOpen(Session s) {
            session = s;
        }

        @Override
        public void onWebSocketText(String text) {
            try {
                if (path.startsWith("/binary")) {
                    send("you said " + text.length() + " characters");
                    return;
                }
                JsonNode m = JSON.readTree(text);
                if (path.startsWith("/graphql")) {
                    graphql(m);
                } else if (path.startsWith("/rpc")) {
                    rpc(m);
                } else {
                    chat(m);
                }
            } catch (com.fasterxml.jackson.core.JacksonException e) {
                send("{\"type\":\"error\",\"reason\":\"not json\"}");
            }
        }

        @Override
        public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
            Callback.Completable done = new Callback.Completable();
            session.sendBinary(ByteBuffer.wrap(PNG), done);
            done.orTimeout(10, java.util.concurrent.TimeUnit.SECONDS).join();
            callback.succeed();
        }

        private void chat(JsonNode m) {
            ObjectNode out = JSON.createObjectNode();
            switch (m.path("type").asText()) {
                case "join" -> out.put("type", "joined").put("room", m.path("room").asText())
                        .put("at", Instant.now().toString()).put("memberId", UUID.randomUUID().toString())
                        .put("email", "alice@example.com");
                case "say" -> out.put("type", "message").put("text", m.path("text").asText())
                        .put("at", Instant.now().toString());
                case "ping" -> out.put("type", "pong");
                default -> out.put("type", "error").put("reason", "unknown type");
            }
            if (m.has("id")) {
                out.set("id", m.get("id"));
            }
            send(out.toString());
        }

        private void graphql(JsonNode m) {
            String id = m.path("id").asText();
            switch (m.path("type").asText()) {
                case "connection_init" -> send("{\"type\":\"connection_ack\"}");
                case "ping" -> send("{\"type\":\"pong\"}");
                case "subscribe" -> {
                    for (int i = 1; i <= 2; i++) {
                        send("{\"id\":\"" + id + "\",\"type\":\"next\",\"payload\":{\"data\":{\"price\":{\"symbol\":\"ACME\","
                                + "\"value\":" + (100 + i) + ".5}}}}");
                    }
                    send("{\"id\":\"" + id + "\",\"type\":\"complete\"}");
                }
                default -> { }
            }
        }

        private void rpc(JsonNode m) {
            if (!m.has("id")) {
                return;
            }
            ObjectNode out = JSON.createObjectNode().put("jsonrpc", "2.0");
            out.set("id", m.get("id"));
            switch (m.path("method").asText()) {
                case "add" -> out.put("result", m.path("params").path(0).asInt() + m.path("params").path(1).asInt());
                case "echo" -> out.set("result", m.path("params"));
                default -> out.putObject("error").put("code", -32601).put("message", "Method not found");
            }
            send(out.toString());
        }

        /** One send at a time (Jetty's rule); blocks this session's listener thread, a virtual thread. */
        private void send(String text) {
            Callback.Completable done = new Callback.Completable();
            session.sendText(text, done);
            done.orTimeout(10, java.util.concurrent.TimeUnit.SECONDS).join();
        }
    }
}
