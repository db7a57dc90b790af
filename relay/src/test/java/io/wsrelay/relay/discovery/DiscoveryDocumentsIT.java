package io.wsrelay.relay.discovery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wsrelay.relay.TestClient;
import io.wsrelay.relay.Timeouts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.wsrelay.relay.discovery.DiscoveryFixture.ask;
import static io.wsrelay.relay.discovery.DiscoveryFixture.bye;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The AsyncAPI and HAR exports of sessions in four protocols, checked by the official tools:
 * {@code @asyncapi/parser} and {@code har-validator} (npm, {@code src/test/js/discovery}, installed
 * by {@code .ci/install-npm-tools.sh} before the integration tests).
 */
class DiscoveryDocumentsIT {
    private static final Duration NODE_RUN = Duration.ofSeconds(60);
    private static DiscoveryFixture fixture;
    /** Must receive nothing: a client's {@code $ref} pointing here is never followed by a document's reader. */
    private static HttpServer beacon;
    private static final AtomicInteger BEACON_REQUESTS = new AtomicInteger();
    /** Not JSON: a reader that follows a {@code $ref} to it fails. */
    private static Path operatorFile;

    @BeforeAll
    static void learnFourProtocols() throws Exception {
        beacon = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        beacon.createContext("/", exchange -> {
            BEACON_REQUESTS.incrementAndGet();
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, 2);
            exchange.getResponseBody().write("{}".getBytes(StandardCharsets.UTF_8));
            exchange.close();
        });
        beacon.start();
        operatorFile = Files.createTempFile("operator-secret", ".json");
        Files.writeString(operatorFile, "operator secret, not json {");
        String url = "http://127.0.0.1:" + beacon.getAddress().getPort() + "/beacon";
        fixture = new DiscoveryFixture(DiscoveryLimits.defaults());
        try (TestClient c = fixture.open("proto", "/chat?room=lobby&$ref=1")) {
            ask(c, "{\"type\":\"join\",\"id\":1,\"room\":\"lobby\",\"token\":\"t-secret\"}");
            ask(c, "{\"type\":\"say\",\"id\":2,\"text\":\"hello\"}");
            // A client's references in what it sends: to a local file, a URL, a place the document lacks.
            for (int i = 0; i < 3; i++) {
                ask(c, "{\"type\":\"ref\",\"a\":{\"$ref\":\"" + operatorFile + "\"},\"b\":[{\"$ref\":\"" + url + "\"}],"
                        + "\"c\":{\"$ref\":\"#/nowhere\"},\"d\":\"" + url + "\"}");
            }
            ask(c, "{\"type\":\"$ref\",\"$ref\":\"" + url + "\"}");
            ask(c, "{\"type\":\"ids\",\"a\":{\"$id\":\"" + url + "\",\"$schema\":\"" + url + "\",\"$dynamicRef\":\"" + url + "\"}}");
            ask(c, "{\"type\":\"" + url + "\",\"e\":\"#/nowhere\"}");
            bye(c);
        }
        try (TestClient c = fixture.open("proto", "/graphql", "graphql-transport-ws")) {
            ask(c, "{\"type\":\"connection_init\",\"payload\":{}}");
            c.sendText("{\"id\":\"1\",\"type\":\"subscribe\",\"payload\":{\"query\":\"subscription { price { value } }\"}}");
            for (int i = 0; i < 3; i++) {
                c.nextMessage(Timeouts.MESSAGE);
            }
            bye(c);
        }
        try (TestClient c = fixture.open("proto", "/rpc")) {
            ask(c, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"add\",\"params\":[1,2]}");
            ask(c, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"missing\"}");
            bye(c);
        }
        try (TestClient c = fixture.open("proto", "/binary")) {
            c.sendBinary(new byte[]{1, 2, 3});
            c.nextMessage(Timeouts.MESSAGE);
            bye(c);
        }
        // Masked path segment, query name and subprotocol ("***") in a channel address and a HAR URL.
        try (TestClient c = fixture.open("proto", "/socket/k3yS3cretValue0123456789/v1?tok3nValue0123456789abcd=1",
                "access_token.s3cret")) {
            ask(c, "{\"type\":\"ping\"}");
            c.sendBinary("{\"token\":\"b1nary-secret\"}".getBytes(StandardCharsets.UTF_8));
            c.nextMessage(Timeouts.MESSAGE);
            bye(c);
        }
        fixture.awaitSessions("proto", 5);
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            fixture.close();
        } finally {
            beacon.stop(0);
            Files.deleteIfExists(operatorFile);
        }
    }

    @Test
    void asyncApiDocumentPassesTheOfficialParser() throws Exception {
        JsonNode doc = fixture.get("/admin/discovery/proto/asyncapi");
        Result r = validate("asyncapi", doc);
        assertAll(
                () -> assertEquals(0, r.exit(), r.output()),
                () -> assertTrue(r.output().startsWith("valid asyncapi 3.0.0 channels=5"), r.output()),
                () -> assertEquals("send", doc.at("/operations/chat.send.join/action").asText()),
                () -> assertEquals("#/channels/chat/messages/receive.joined",
                        doc.at("/operations/chat.send.join/reply/messages/0/$ref").asText()),
                () -> assertEquals("receive", doc.at("/operations/graphql.receive.next/action").asText()),
                () -> assertTrue(doc.at("/channels/graphql/bindings/ws/headers/properties/Sec-WebSocket-Protocol/description")
                        .asText().contains("graphql-transport-ws")));
    }

    @Test
    void aClientsReferencesAreNeverFollowedByTheParser() throws Exception {
        JsonNode doc = fixture.get("/admin/discovery/proto/asyncapi");
        java.util.List<String> refs = new java.util.ArrayList<>();
        references(doc, refs);
        Result r = validate("asyncapi", doc);
        assertAll(
                () -> assertEquals(0, r.exit(), r.output()),
                () -> assertEquals(0, BEACON_REQUESTS.get(), "requests the parser made to a client's URL"),
                () -> assertEquals(java.util.List.of(), refs.stream()
                        .filter(ref -> !ref.startsWith("#/channels/") && !ref.startsWith("#/servers/")).toList()),
                () -> assertTrue(doc.toString().contains("\"x-count\""), "the kinds are still described"),
                // A property named $ref is still described, without a $ref member.
                () -> assertEquals("string", doc.at("/channels/chat/messages/send.ref/payload/properties/a/patternProperties")
                        .path("^\\$ref$").path("type").asText(), doc.at("/channels/chat/messages/send.ref").toString()),
                () -> assertEquals(0, doc.at("/channels/chat/messages/send.ref/examples").size(), "examples holding a $ref"),
                () -> assertTrue(doc.at("/channels/chat/messages/send.ids/payload").isObject(), doc.at("/channels/chat/messages").toString()),
                () -> assertEquals(0, doc.at("/channels/chat/messages/send.ids/examples").size(), "examples holding $id, $schema, $dynamicRef"));
    }

    /** Every {@code $ref} value (or non-text {@code $ref} member) in {@code node}, as text. */
    private static void references(JsonNode node, java.util.List<String> refs) {
        if (node.isObject()) {
            node.properties().forEach(e -> {
                if (e.getKey().equals("$ref")) {
                    refs.add(e.getValue().isTextual() ? e.getValue().asText() : e.getValue().toString());
                } else {
                    references(e.getValue(), refs);
                }
            });
        } else if (node.isArray()) {
            node.forEach(n -> references(n, refs));
        }
    }

    @Test
    void theParserRejectsABrokenDocument() throws Exception {
        // The check above means something only if the validator fails what is not AsyncAPI.
        ObjectNode doc = (ObjectNode) fixture.get("/admin/discovery/proto/asyncapi");
        ((ObjectNode) doc.at("/operations/chat.send.join")).put("action", "publish");
        assertEquals(1, validate("asyncapi", doc).exit());
    }

    @Test
    void harLogPassesTheHarSchemaAndCarriesChromeWebSocketMessages() throws Exception {
        JsonNode har = fixture.get("/admin/discovery/proto/har");
        Result r = validate("har", har);
        JsonNode chat = har.at("/log/entries/0");
        assertAll(
                () -> assertEquals(0, r.exit(), r.output()),
                () -> assertEquals(5, har.at("/log/entries").size()),
                () -> assertTrue(har.at("/log/entries/4/request/url").asText().endsWith("/socket/***/v1?***="),
                        har.at("/log/entries/4/request/url").asText()),
                () -> assertTrue(har.at("/log/entries/4/_webSocketMessages/2/data").asText().length() <= 12, "8 bytes in Base64"),
                () -> assertTrue(!har.toString().contains("s3cret") && !har.toString().contains("S3cret")),
                () -> assertEquals(101, chat.at("/response/status").asInt()),
                () -> assertEquals("websocket", chat.path("_resourceType").asText()),
                () -> assertEquals("send", chat.at("/_webSocketMessages/0/type").asText()),
                () -> assertEquals(1, chat.at("/_webSocketMessages/0/opcode").asInt()),
                () -> assertEquals("receive", chat.at("/_webSocketMessages/1/type").asText()),
                () -> assertTrue(chat.at("/_webSocketMessages/0/time").isDouble()),
                () -> assertTrue(chat.at("/request/url").asText().endsWith("/chat?room=&%24ref="), chat.at("/request/url").asText()),
                () -> assertEquals(2, har.at("/log/entries/3/_webSocketMessages/0/opcode").asInt()),
                () -> assertTrue(!har.toString().contains("t-secret")),
                // The build's version as --version prints it, a -SNAPSHOT suffix included.
                () -> assertEquals(io.wsrelay.relay.ops.VersionInfo.current().version(), har.at("/log/creator/version").asText()),
                () -> assertTrue(har.at("/log/creator/version").asText().matches("\\d+\\.\\d+\\.\\d+\\S*"), har.at("/log/creator").toString()));
    }

    @Test
    void theHarValidatorRejectsABrokenLog() throws Exception {
        ObjectNode har = (ObjectNode) fixture.get("/admin/discovery/proto/har");
        ((ObjectNode) har.at("/log/entries/0")).remove("startedDateTime");
        assertEquals(1, validate("har", har).exit());
    }

    private record Result(int exit, String output) {
    }

    private static Result validate(String kind, JsonNode document) throws IOException, InterruptedException {
        Path dir = Path.of(System.getProperty("basedir", ".")).resolve("src/test/js/discovery");
        Path file = Files.createTempFile("discovery-" + kind, ".json");
        Path output = Files.createTempFile("discovery-" + kind, ".out");
        try {
            Files.writeString(file, document.toString(), StandardCharsets.UTF_8);
            Process node = new ProcessBuilder("node", "validate.mjs", kind, file.toString())
                    .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(output.toFile()).start();
            if (!node.waitFor(NODE_RUN.toSeconds(), TimeUnit.SECONDS)) {
                node.destroyForcibly();
                throw new IllegalStateException("node validate.mjs did not finish within " + NODE_RUN);
            }
            return new Result(node.exitValue(), Files.readString(output, StandardCharsets.UTF_8).strip());
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(output);
        }
    }
}
