package io.wsrelay.relay.discovery;

import com.fasterxml.jackson.databind.JsonNode;
import io.wsrelay.relay.TestClient;
import io.wsrelay.relay.Timeouts;
import io.wsrelay.relay.spi.CaptureMode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.wsrelay.relay.discovery.DiscoveryFixture.ask;
import static io.wsrelay.relay.discovery.DiscoveryFixture.bye;
import static io.wsrelay.relay.discovery.DiscoveryFixture.kind;
import static io.wsrelay.relay.discovery.DiscoveryFixture.names;
import static io.wsrelay.relay.discovery.DiscoveryFixture.path;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * API discovery through a real relay in front of a real upstream speaking four protocols: what
 * the summary learns of each, what masking keeps out, and what capture off and metadata record.
 */
class DiscoveryTest {
    private static DiscoveryFixture fixture;

    @BeforeAll
    static void start() throws Exception {
        fixture = new DiscoveryFixture(DiscoveryLimits.defaults());
    }

    @AfterAll
    static void stop() throws Exception {
        fixture.close();
    }

    @BeforeEach
    void forget() throws Exception {
        fixture.call("DELETE", "/admin/discovery/proto");
        fixture.register("proto", CaptureMode.SAMPLES);
    }

    @Test
    void typeTaggedJsonBecomesKindsWithSchemasAndCorrelatedReplies() throws Exception {
        try (TestClient c = fixture.open("proto", "/chat?room=lobby&token=q-secret-value")) {
            ask(c, "{\"type\":\"join\",\"id\":1,\"room\":\"lobby\"}");
            for (int i = 0; i < 4; i++) {
                ask(c, "{\"type\":\"say\",\"id\":" + (10 + i) + ",\"text\":\"hello " + i + "\",\"mood\":\""
                        + (i % 2 == 0 ? "happy" : "sad") + "\"}");
            }
            bye(c);
        }
        JsonNode summary = fixture.awaitSessions("proto", 1);
        JsonNode chat = path(summary, "/chat");
        JsonNode up = chat.path("clientToUpstream");
        JsonNode down = chat.path("upstreamToClient");
        JsonNode joined = kind(down, "joined");
        JsonNode say = kind(up, "say");
        assertAll(
                () -> assertEquals(List.of("join", "say"), names(up)),
                () -> assertEquals(List.of("joined", "message"), names(down)),
                () -> assertEquals(5, up.path("messages").asLong()),
                () -> assertEquals(5, down.path("messages").asLong()),
                () -> assertEquals(4, say.path("count").asLong()),
                () -> assertEquals("type", say.path("discriminator").asText()),
                () -> assertEquals("[\"happy\",\"sad\"]", say.at("/schema/properties/mood/enum").toString()),
                () -> assertEquals("[\"type\",\"id\",\"text\",\"mood\"]", say.at("/schema/required").toString()),
                () -> assertEquals("integer", say.at("/schema/properties/id/type").asText()),
                () -> assertEquals("date-time", joined.at("/schema/properties/at/format").asText()),
                () -> assertEquals("uuid", joined.at("/schema/properties/memberId/format").asText()),
                () -> assertTrue(joined.at("/schema/properties/email/x-masked").asBoolean()),
                () -> assertEquals("joined", kind(up, "join").at("/replies/0/kind").asText()),
                () -> assertEquals(3, say.path("examples").size(), "at most K = 3 examples per kind"),
                () -> assertEquals("{\"room\":1,\"token\":1}", chat.path("queryParameters").toString()),
                () -> assertEquals(1, chat.at("/closeCodesToUpstream/1000").asLong()),
                () -> assertEquals(5, up.at("/sizeBytes/count").asLong()),
                () -> assertFalse(summary.toString().contains("q-secret-value"), "query values are never recorded"),
                () -> assertFalse(summary.toString().contains("alice@example.com"), "e-mail values are masked"),
                () -> assertFalse(chat.path("queryParameters").has("endpointId"), "the relay's own parameter is left out"));
    }

    @Test
    void graphqlTransportWsIsRecognisedWithItsSubscriptions() throws Exception {
        try (TestClient c = fixture.open("proto", "/graphql", "graphql-transport-ws")) {
            assertEquals("graphql-transport-ws", c.subprotocol());
            ask(c, "{\"type\":\"connection_init\",\"payload\":{}}");
            c.sendText("{\"id\":\"s1\",\"type\":\"subscribe\",\"payload\":{\"query\":\"subscription { price { symbol value } }\"}}");
            for (int i = 0; i < 3; i++) {
                c.nextMessage(Timeouts.MESSAGE);
            }
            bye(c);
        }
        JsonNode g = path(fixture.awaitSessions("proto", 1), "/graphql");
        JsonNode subscribe = kind(g.path("clientToUpstream"), "subscribe");
        JsonNode next = kind(g.path("upstreamToClient"), "next");
        assertAll(
                () -> assertEquals(List.of("connection_init", "subscribe"), names(g.path("clientToUpstream"))),
                () -> assertEquals(List.of("connection_ack", "next", "complete"), names(g.path("upstreamToClient"))),
                () -> assertEquals("graphql-transport-ws", subscribe.path("protocol").asText()),
                () -> assertEquals(2, next.path("count").asLong()),
                () -> assertEquals("number", next.at("/schema/properties/payload/properties/data/properties/price/properties/value/type").asText()),
                () -> assertEquals("[{\"kind\":\"next\",\"count\":2},{\"kind\":\"complete\",\"count\":1}]",
                        subscribe.path("replies").toString()),
                () -> assertEquals(1, g.at("/offeredSubprotocols/graphql-transport-ws").asLong()),
                () -> assertEquals(1, g.at("/chosenSubprotocols/graphql-transport-ws").asLong()));
    }

    @Test
    void jsonRpcRequestsArePairedWithTheirResultsAndErrors() throws Exception {
        try (TestClient c = fixture.open("proto", "/rpc")) {
            ask(c, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"add\",\"params\":[2,3]}");
            ask(c, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"echo\",\"params\":{\"word\":\"hi\"}}");
            ask(c, "{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"method\":\"nope\"}");
            bye(c);
        }
        JsonNode rpc = path(fixture.awaitSessions("proto", 1), "/rpc");
        JsonNode add = kind(rpc.path("clientToUpstream"), "add");
        assertAll(
                () -> assertEquals(List.of("add", "echo", "nope"), names(rpc.path("clientToUpstream"))),
                () -> assertEquals(List.of("add.result", "echo.result", "nope.error"), names(rpc.path("upstreamToClient"))),
                () -> assertEquals("json-rpc", add.path("protocol").asText()),
                () -> assertEquals("method", add.path("discriminator").asText()),
                () -> assertEquals("add.result", add.at("/replies/0/kind").asText()),
                () -> assertEquals("integer", kind(rpc.path("upstreamToClient"), "add.result")
                        .at("/schema/properties/result/type").asText()),
                () -> assertEquals(-32601, kind(rpc.path("upstreamToClient"), "nope.error")
                        .at("/examples/0/error/code").asInt()));
    }

    @Test
    void binaryAndNonJsonTextGetSizesAndContentGuessesOnly() throws Exception {
        try (TestClient c = fixture.open("proto", "/binary")) {
            c.sendBinary(new byte[]{0x1f, (byte) 0x8b, 8, 0, 1, 2, 3, 4});
            assertEquals(16, c.nextMessage(Timeouts.MESSAGE).bytes().length);
            ask(c, "plain words, password=hunter2 and mail bob@corp.example");
            bye(c);
        }
        JsonNode bin = path(fixture.awaitSessions("proto", 1), "/binary");
        JsonNode up = bin.path("clientToUpstream");
        JsonNode down = bin.path("upstreamToClient");
        assertAll(
                () -> assertEquals(0, up.path("kinds").size()),
                () -> assertEquals(1, up.path("binaryMessages").asLong()),
                () -> assertEquals(1, up.at("/binary/contentGuesses/gzip").asLong()),
                () -> assertEquals(8, up.at("/binary/samples/0/size").asLong()),
                () -> assertEquals("1f8b080001020304", up.at("/binary/samples/0/firstBytes").asText()),
                () -> assertEquals(1, down.at("/binary/contentGuesses/png").asLong()),
                () -> assertEquals(1, up.at("/nonJsonText/messages").asLong()),
                () -> assertEquals("plain words, password=*** and mail ***", up.at("/nonJsonText/samples/0").asText()),
                () -> assertEquals(1, down.at("/nonJsonText/messages").asLong()));
    }

    @Test
    void secretsInNestedKeysAndValuesNeverReachAnyExport() throws Exception {
        String message = "{\"type\":\"login\",\"account\":{\"user\":\"bob\",\"password\":\"hunter2-pw\"},\"credentials\":{\"pin\":1234},"
                + "\"profile\":{\"contact\":{\"mail\":\"bob@corp.example\",\"phone\":\"n/a\"}},"
                + "\"headers\":{\"Authorization\":\"Bearer abc.def.ghi\",\"X-Trace\":\"t1\"},"
                + "\"devices\":[{\"name\":\"laptop\",\"apiKey\":\"K-998877-key\"},{\"name\":\"phone\",\"api_key\":\"K-112233-key\"}],"
                + "\"session\":{\"cookie\":\"sid=c00kie-value\",\"refresh\":\"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJib2IifQ.c2lnbmF0dXJl\"},"
                + "\"note\":\"card 4111 1111 1111 1111\"}";
        try (TestClient c = fixture.open("proto", "/chat")) {
            ask(c, message);
            bye(c);
        }
        JsonNode summary = fixture.awaitSessions("proto", 1);
        String all = summary.toString() + fixture.get("/admin/discovery/proto/asyncapi") + fixture.get("/admin/discovery/proto/har");
        JsonNode login = kind(path(summary, "/chat").path("clientToUpstream"), "login");
        assertAll(
                () -> List.of("hunter2-pw", "bob@corp.example", "abc.def.ghi", "K-998877-key", "K-112233-key",
                        "c00kie-value", "eyJhbGciOiJIUzI1NiJ9", "4111 1111 1111 1111").forEach(secret ->
                        assertFalse(all.contains(secret), "the export shows " + secret)),
                () -> assertEquals("***", login.at("/examples/0/account/password").asText()),
                () -> assertEquals("bob", login.at("/examples/0/account/user").asText()),
                () -> assertEquals("***", login.at("/examples/0/credentials").asText(), "a sensitive key masks its whole value"),
                () -> assertEquals("t1", login.at("/examples/0/headers/X-Trace").asText()),
                () -> assertTrue(login.at("/schema/properties/devices/items/properties/apiKey/x-masked").asBoolean()),
                () -> assertTrue(login.at("/schema/properties/profile/properties/contact/properties/mail/x-masked").asBoolean()));
    }

    @Test
    void secretsInTextAndBinaryMessagesNeverReachAnyExport() throws Exception {
        List<String> texts = List.of(
                // Cut at sampleBytes: masked as text.
                "{\"type\":\"e\",\"otp\":\"SECRET18\",\"pin\":\"SECRET19\",\"ssn\":\"SECRET20\",\"privateKey\":\"SECRET21\","
                        + "\"passphrase\":\"SECRET22\",\"nonce\":\"SECRET23\",\"cvv\":\"SECRET60\",\"auth\":\"SECRET61\","
                        + "\"pad\":\"" + "x".repeat(5000) + "\"}",
                // Refused by the parser (nesting over 1000, a number over 1000 digits): masked as text.
                "{\"type\":\"nb\",\"pin\":\"SECRET50\",\"auth\":{\"user\":\"u\",\"code\":\"SECRET51\"},\"z\":"
                        + "[".repeat(1001) + "]".repeat(1001) + "}",
                "{\"type\":\"nb2\",\"cvv\":\"SECRET52\",\"n\":" + "1".repeat(1001) + "}",
                "pwd=SECRET28&auth=SECRET29&sid=SECRET30",
                "42[\"login\",{\"pin\":\"SECRET25\",\"key\":\"SECRET26\",\"password\":\"pw\\\"SECRET27\"}]",
                "CONNECT\nlogin:guest\npasscode:SECRET24\n\n",
                "{\"type\":\"d\",\"payload\":\"{\\\"password\\\":\\\"SECRET13\\\"}\",\"card\":4111111111111111,"
                        + "\"local\":\"SECRET12@localhost\",\"SECRET16@example.com\":{\"v\":1},\"auth_code\":\"SECRET06\","
                        + "\"authKey\":\"SECRET07\",\"passcode\":\"SECRET08\",\"sessionKey\":\"SECRET09\",\"x-auth\":\"SECRET10\"}");
        try (TestClient c = fixture.open("proto", "/secrets")) {
            for (String text : texts) {
                ask(c, text);
            }
            bye(c);
        }
        try (TestClient c = fixture.open("proto", "/secrets")) {
            c.sendBinary("{\"token\":\"SECRET31\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            c.nextMessage(Timeouts.MESSAGE);
            c.sendBinary(java.util.HexFormat.of().parseHex(
                    "101e00044d5154540402003c0004636c6964000475736572000853454352455433322e"));
            c.nextMessage(Timeouts.MESSAGE);
            bye(c);
        }
        JsonNode summary = fixture.awaitSessions("proto", 2);
        String all = everyExport(summary);
        JsonNode up = path(summary, "/secrets").path("clientToUpstream");
        assertAll(
                () -> List.of("SECRET", "4111111111111111").forEach(secret ->
                        assertFalse(all.contains(secret), "an export shows " + secret + ": " + all)),
                () -> assertEquals(List.of("d"), names(up), "the one message the parser took whole"),
                () -> assertEquals("***", kind(up, "d").at("/examples/0/card").asText()),
                () -> assertEquals("{\"password\":\"***\"}", kind(up, "d").at("/examples/0/payload").asText()),
                () -> assertEquals(5, up.at("/nonJsonText/messages").asLong(), up.toString()),
                () -> assertEquals(1, up.at("/truncatedText").asLong(), up.toString()),
                () -> assertEquals("101e00044d515454", up.at("/binary/samples/1/firstBytes").asText()),
                () -> assertEquals("7b22746f6b656e22", up.at("/binary/samples/0/firstBytes").asText(), "{\"token\" as text, masked"),
                () -> assertEquals("89504e470d0a1a0a", path(summary, "/secrets").at("/upstreamToClient/binary/samples/0/firstBytes")
                        .asText()),
                () -> {
                    // The MQTT packet in the HAR: its first 8 bytes only, marked truncated, with its size.
                    JsonNode mqtt = fixture.get("/admin/discovery/proto/har").at("/log/entries/1/_webSocketMessages/2");
                    assertEquals(2, mqtt.path("opcode").asInt());
                    assertEquals("EB4ABE1RVFQ=", mqtt.path("data").asText());
                    assertTrue(mqtt.path("_truncated").asBoolean(), mqtt.toString());
                    assertEquals(35, mqtt.path("_size").asLong());
                });
    }

    @Test
    void escapedPercentEncodedLookalikeAndDecimalSecretsNeverReachAnyExport() throws Exception {
        List<String> texts = List.of(
                // Socket.IO text: masked as text, the key's escape decoded.
                "42[\"login\",{\"\\u0070assword\":\"SECRETU02\"}]",
                // Cut at sampleBytes: masked as text.
                "{\"\\u0070assword\":\"SECRETU03\",\"cardE\":4.111111111111111E+15,\"pad\":\"" + "x".repeat(5000) + "\"}",
                // JSON inside a string value of parsed JSON.
                "{\"type\":\"u4\",\"payload\":\"{\\\"\\\\u0070in\\\":\\\"SECRETU04\\\"}\"}",
                "p%61ssword=SECRETU05&x=1",
                "{\"type\":\"u6\",\"card\":4111111111111111.0,\"cardE\":4.111111111111111e15,\"to\":\"SECRETU09@[127.0.0.1]\","
                        + "\"\u03A1ASSWORD\":\"SECRETU08\"}");
        try (TestClient c = fixture.open("proto", "/escaped")) {
            for (String text : texts) {
                ask(c, text);
            }
            bye(c);
        }
        JsonNode summary = fixture.awaitSessions("proto", 1);
        String all = everyExport(summary);
        JsonNode up = path(summary, "/escaped").path("clientToUpstream");
        assertAll(
                () -> List.of("SECRETU", "4111111111111111", "4.111111111111111").forEach(secret ->
                        assertFalse(all.contains(secret), "an export shows " + secret + ": " + all)),
                () -> assertEquals(List.of("u4", "u6"), names(up), up.toString()),
                () -> assertEquals("{\"\\u0070in\":\"***\"}", kind(up, "u4").at("/examples/0/payload").asText()),
                () -> assertEquals("***", kind(up, "u6").at("/examples/0/card").asText()),
                () -> assertEquals("***", kind(up, "u6").at("/examples/0/cardE").asText()),
                () -> assertEquals(2, up.at("/nonJsonText/messages").asLong(), up.toString()),
                () -> assertEquals(1, up.at("/truncatedText").asLong(), up.toString()));
    }

    @Test
    void credentialLookingPathSegmentsQueryNamesAndSubprotocolsAreMaskedInEveryExport() throws Exception {
        String jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJTRUNSRVQwMSJ9.c2lnbmF0dXJlU0VDUkVUMDE";
        try (TestClient c = fixture.open("proto", "/socket/SECRET35abcdefghij12345/" + jwt + "/v1/42"
                        + "?SECRET36abcdefghij12345=1&access_token=SECRET37&room=lobby",
                "access_token.SECRET38", "base64url.bearer.authorization.k8s.io.U0VDUkVUMzk")) {
            ask(c, "{\"type\":\"ping\"}");
            bye(c);
        }
        JsonNode summary = fixture.awaitSessions("proto", 1);
        String all = everyExport(summary);
        JsonNode socket = path(summary, "/socket/***/***/v1/42");
        JsonNode asyncApi = fixture.get("/admin/discovery/proto/asyncapi");
        JsonNode entry = fixture.get("/admin/discovery/proto/har").at("/log/entries/0");
        assertAll(
                () -> List.of("SECRET", "U0VDUkVUMzk", "eyJzdWIiOiJTRUNSRVQwMSJ9").forEach(secret ->
                        assertFalse(all.contains(secret), "an export shows " + secret + ": " + all)),
                () -> assertEquals("{\"***\":1,\"access_token\":1,\"room\":1}", socket.path("queryParameters").toString()),
                () -> assertEquals("{\"access_token.***\":1,\"base64url.bearer.authorization.k8s.io.***\":1}",
                        socket.path("offeredSubprotocols").toString()),
                () -> assertEquals("/socket/***/***/v1/42", asyncApi.at("/channels").elements().next().path("address").asText()),
                () -> assertTrue(entry.at("/request/url").asText().endsWith("/socket/***/***/v1/42?***=&access_token=&room="),
                        entry.at("/request/url").asText()),
                () -> assertEquals("access_token.***, base64url.bearer.authorization.k8s.io.***",
                        entry.at("/request/headers/0/value").asText()),
                () -> assertEquals("pong", kind(socket.path("upstreamToClient"), "pong").path("name").asText()));
    }

    /** The summary, AsyncAPI and HAR of endpoint proto, with the binary data they hold decoded (ISO-8859-1). */
    private static String everyExport(JsonNode summary) throws Exception {
        JsonNode har = fixture.get("/admin/discovery/proto/har");
        StringBuilder all = new StringBuilder(summary.toString()).append(fixture.get("/admin/discovery/proto/asyncapi")).append(har);
        har.findValues("_webSocketMessages").forEach(frames -> frames.forEach(f -> {
            if (f.path("opcode").asInt() == 2) {
                all.append(new String(java.util.Base64.getDecoder().decode(f.path("data").asText()),
                        java.nio.charset.StandardCharsets.ISO_8859_1));
            }
        }));
        summary.findValues("firstBytes").forEach(hex -> all.append(new String(java.util.HexFormat.of().parseHex(hex.asText()),
                java.nio.charset.StandardCharsets.ISO_8859_1)));
        return all.toString();
    }

    @Test
    void captureOffRecordsNothing() throws Exception {
        fixture.register("quiet", CaptureMode.OFF);
        try (TestClient c = fixture.open("quiet", "/chat")) {
            ask(c, "{\"type\":\"ping\"}");
            bye(c);
        }
        fixture.register("marker", CaptureMode.METADATA);
        try (TestClient c = fixture.open("marker", "/chat")) {
            bye(c);
        }
        // Sessions are aggregated in order: once the later one shows, the earlier would have too.
        fixture.awaitSessions("marker", 1);
        JsonNode quiet = fixture.get("/admin/discovery/quiet");
        assertAll(
                () -> assertEquals(0, quiet.path("sessions").asLong()),
                () -> assertEquals("off", quiet.path("capture").asText()),
                () -> assertEquals(0, quiet.path("paths").size()));
    }

    @Test
    void metadataRecordsCountsAndSizesButNoContent() throws Exception {
        fixture.register("meta", CaptureMode.METADATA);
        try (TestClient c = fixture.open("meta", "/chat?room=r1")) {
            ask(c, "{\"type\":\"say\",\"text\":\"the-content-itself\"}");
            ask(c, "{\"type\":\"ping\"}");
            bye(c);
        }
        JsonNode summary = fixture.awaitSessions("meta", 1);
        JsonNode chat = path(summary, "/chat");
        String har = fixture.get("/admin/discovery/meta/har").toString();
        assertAll(
                () -> assertEquals(2, chat.at("/clientToUpstream/messages").asLong()),
                () -> assertEquals(2, chat.at("/upstreamToClient/messages").asLong()),
                () -> assertEquals(2, chat.at("/clientToUpstream/sizeBytes/count").asLong()),
                () -> assertEquals(0, chat.at("/clientToUpstream/kinds").size()),
                () -> assertEquals(1, chat.at("/queryParameters/room").asLong()),
                () -> assertFalse(summary.toString().contains("the-content-itself")),
                () -> assertFalse(har.contains("the-content-itself")),
                () -> assertTrue(har.contains("\"_webSocketMessages\":[]")));
    }

    @Test
    void refusedHandshakesAreCountedWithTheirStatus() throws Exception {
        fixture.harness.store.remove("gone");
        fixture.harness.store.insert(io.wsrelay.relay.spi.Endpoint.of("gone", "ws://127.0.0.1:1").withCapture(CaptureMode.METADATA));
        assertEquals(502, TestClient.refusal(fixture.harness.uri("/x?endpointId=gone")));
        JsonNode summary = org.awaitility.Awaitility.await().atMost(Timeouts.MESSAGE).until(() -> fixture.get("/admin/discovery/gone"),
                s -> s.path("refused").size() > 0);
        assertEquals(1, summary.path("refused").path("502 upstream_unreachable").asLong(), summary.path("refused").toString());
    }

    @Test
    void unknownIdIsNotFoundAndTheApiNeedsTheToken() throws Exception {
        assertAll(
                () -> assertEquals(404, fixture.call("GET", "/admin/discovery/no-such-endpoint").statusCode()),
                () -> assertEquals(404, fixture.call("GET", "/admin/discovery/proto/other").statusCode()),
                () -> assertEquals(405, fixture.call("POST", "/admin/discovery/proto").statusCode()),
                () -> assertEquals(401, io.wsrelay.relay.TestHttp.send(fixture.harness.admin("/admin/discovery/proto"),
                        "GET", null, "wrong").statusCode()),
                () -> assertEquals(401, io.wsrelay.relay.TestHttp.send(fixture.harness.admin("/admin/discovery/proto/har"),
                        "GET", null, null).statusCode()));
    }

    @Test
    void deleteClearsWhatWasLearnt() throws Exception {
        try (TestClient c = fixture.open("proto", "/chat")) {
            ask(c, "{\"type\":\"ping\"}");
            bye(c);
        }
        fixture.awaitSessions("proto", 1);
        assertEquals(204, fixture.call("DELETE", "/admin/discovery/proto").statusCode());
        JsonNode after = fixture.get("/admin/discovery/proto");
        assertAll(
                () -> assertEquals(0, after.path("sessions").asLong()),
                () -> assertEquals(0, after.path("paths").size()));
    }

    @Test
    void textCutAtTheSampleSizeNeverEndsInHalfACharacter() throws Exception {
        int keep = DiscoveryLimits.defaults().harMessageBytes();
        // The cut falls between the two halves of U+1F600.
        String text = "a".repeat(keep - 1) + "\ud83d\ude00 and more";
        try (TestClient c = fixture.open("proto", "/binary")) {
            ask(c, text);
            bye(c);
        }
        JsonNode up = path(fixture.awaitSessions("proto", 1), "/binary").path("clientToUpstream");
        String sample = up.at("/nonJsonText/samples/0").asText();
        String har = fixture.get("/admin/discovery/proto/har").at("/log/entries/0/_webSocketMessages/0/data").asText();
        assertAll(
                () -> assertEquals("a".repeat(keep - 1), sample),
                () -> assertEquals("a".repeat(keep - 1), har),
                () -> assertTrue(sample.codePoints().noneMatch(cp -> Character.getType(cp) == Character.SURROGATE)));
    }

    @Test
    void anOverflowingNumberStaysANumberAndABlankDiscriminatorNamesNoKind() throws Exception {
        try (TestClient c = fixture.open("proto", "/chat")) {
            ask(c, "{\"type\":\"huge\",\"n\":1e999,\"m\":-1e999,\"x\":0.1}");
            ask(c, "{\"type\":\"   \",\"w\":1}");
            ask(c, "[\" \\t \",1]");
            bye(c);
        }
        JsonNode up = path(fixture.awaitSessions("proto", 1), "/chat").path("clientToUpstream");
        JsonNode example = kind(up, "huge").at("/examples/0");
        String text = fixture.call("GET", "/admin/discovery/proto").body();
        assertAll(
                () -> assertTrue(example.path("n").isNumber(), example.toString()),
                // As the relay wrote it (this test's reader would turn it into Infinity again).
                () -> assertTrue(text.contains("\"n\":1E+999,\"m\":-1E+999,\"x\":0.1"), text),
                () -> assertEquals("number", kind(up, "huge").at("/schema/properties/n/type").asText()),
                () -> assertEquals(List.of("huge", "{type,w}", "(blank)"), names(up)));
    }
}
