package io.wsrelay.relay.discovery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which keys and values {@link Masker} treats as secret. */
class MaskerTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest
    @ValueSource(strings = {"token", "access_token", "refreshToken", "password", "Passwd", "client_secret",
            "Authorization", "cookie", "Set-Cookie", "apiKey", "api_key", "X-Api-Key", "key", "pin", "sessionId",
            "credentials", "privateKey", "jwt", "otp", "cvv", "auth_code", "authKey", "passcode", "sessionKey", "x-auth",
            "userSSN", "OTPCode", "passphrase", "nonce", "auth"})
    void sensitiveKeysAreMaskedWhateverTheirSpelling(String key) throws Exception {
        String masked = Masker.mask(JSON.readTree("{\"outer\":{\"" + key + "\":{\"deep\":\"v4lue\"}}}")).toString();
        assertEquals("{\"outer\":{\"" + key + "\":\"***\"}}", masked);
    }

    @ParameterizedTest
    @ValueSource(strings = {"type", "id", "name", "room", "monkey", "keyboard", "tokenizerMode"})
    void ordinaryKeysAreKept(String key) throws Exception {
        boolean sensitive = Masker.isSensitiveKey(key);
        // "monkey" and "keyboard" contain "key" but are not equal to it; "tokenizerMode" contains "token".
        assertEquals(key.equals("tokenizerMode"), sensitive, key);
    }

    @ParameterizedTest
    @ValueSource(strings = {"mail me at ann@example.org", "Bearer abcdef123456", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig",
            "4111-1111-1111-1111"})
    void secretLookingValuesAreMaskedUnderAnyKey(String value) throws Exception {
        assertTrue(Masker.isSensitiveValue(value), value);
        assertFalse(Masker.maskText("x " + value + " y").contains(value.substring(value.length() - 6)), value);
    }

    @ParameterizedTest
    @ValueSource(strings = {"hello world", "2026-12-01T10:00:00Z", "1234 5678", "order 4111-1111-1111-1112"})
    void ordinaryValuesAreKept(String value) {
        assertFalse(Masker.isSensitiveValue(value), value);
    }

    @ParameterizedTest
    @ValueSource(strings = {"author", "className", "businessName", "footprint", "primaryKey", "spinner", "pinned",
            "authority", "passive", "sidebar"})
    void wordsThatOnlyContainASensitiveWordAreKept(String key) {
        assertFalse(Masker.isSensitiveKey(key), key);
    }

    /** Every key the JSON rule masks, masked the same in text the parser never saw whole. */
    @ParameterizedTest
    @ValueSource(strings = {"otp", "pin", "ssn", "privateKey", "passphrase", "nonce", "cvv", "auth", "auth_code",
            "authKey", "passcode", "sessionKey", "x-auth", "password", "api_key", "Authorization", "sid", "pwd"})
    void theTextMaskerUsesTheJsonKeyRule(String key) {
        List<String> texts = List.of(
                "{\"type\":\"e\",\"" + key + "\":\"SECRET01\",\"pad\":\"xxxx",
                "{\"type\":\"e\",\"" + key + "\" : 12345678,\"z\":[[[[",
                key + "=SECRET01&room=lobby",
                "note " + key + ": SECRET01 end",
                "{'" + key + "':'SECRET01'}");
        for (String text : texts) {
            String masked = Masker.maskText(text);
            assertAll(text,
                    () -> assertFalse(masked.contains("SECRET01"), masked),
                    () -> assertFalse(masked.contains("12345678"), masked),
                    () -> assertTrue(masked.contains(key), "the key stays: " + masked));
        }
    }

    @Test
    void textPairsInFormSocketIoStompAndEscapedForms() {
        assertAll(
                () -> assertEquals("pwd=***&auth=***&sid=***&room=lobby",
                        Masker.maskText("pwd=SECRET28&auth=SECRET29&sid=SECRET30&room=lobby")),
                () -> assertEquals("42[\"login\",{\"pin\":\"***\",\"key\":\"***\",\"password\":\"***\",\"room\":\"r1\"}]",
                        Masker.maskText("42[\"login\",{\"pin\":\"SECRET25\",\"key\":\"SECRET26\",\"password\":\"pw\\\"SECRET27\","
                                + "\"room\":\"r1\"}]")),
                () -> assertEquals("CONNECT\nlogin:guest\npasscode:***\n\n",
                        Masker.maskText("CONNECT\nlogin:guest\npasscode:SECRET24\n\n")),
                () -> assertEquals("GET /\nAuthorization: ***\nHost: example", Masker.maskText(
                        "GET /\nAuthorization: Token SECRET40 x\nHost: example")),
                () -> assertEquals("{\"type\":\"nb\",\"auth\":\"***\",\"z\":[[[",
                        Masker.maskText("{\"type\":\"nb\",\"auth\":{\"user\":\"u\",\"code\":\"SECRET41\"},\"z\":[[[")),
                () -> assertEquals("{\"payload\":\"{\\\"password\\\":\\\"***\\\",\\\"n\\\":1}\",\"x\":[",
                        Masker.maskText("{\"payload\":\"{\\\"password\\\":\\\"SECRET13\\\",\\\"n\\\":1}\",\"x\":[")),
                () -> assertEquals("{\"password\":\"***\"", Masker.maskText("{\"password\":\"SECRET42 cut here")),
                () -> assertEquals("{\n  \"password\"\n  :\n  \"***\",\n  \"a\": 1", Masker.maskText(
                        "{\n  \"password\"\n  :\n  \"SECRET48\",\n  \"a\": 1")),
                () -> assertEquals("{\"password\" => \"***\", :a => 1", Masker.maskText("{\"password\" => \"SECRET49\", :a => 1")),
                () -> assertEquals("type=join&room=lobby at 10:00:00 {\"a\":\"b:c\"}",
                        Masker.maskText("type=join&room=lobby at 10:00:00 {\"a\":\"b:c\"}")));
    }

    @Test
    void jsonInsideAStringIsMaskedAsText() throws Exception {
        JsonNode masked = Masker.mask(JSON.readTree(
                "{\"type\":\"d\",\"payload\":\"{\\\"password\\\":\\\"SECRET13\\\",\\\"v\\\":2}\",\"url\":\"/x?a=1&token=SECRET43\"}"));
        assertAll(
                () -> assertEquals("{\"password\":\"***\",\"v\":2}", masked.path("payload").asText()),
                () -> assertEquals("/x?a=1&token=***", masked.path("url").asText()),
                () -> assertEquals("d", masked.path("type").asText()));
    }

    @Test
    void cardNumbersAsJsonNumbersAreMaskedButEpochTimesAreKept() throws Exception {
        // 1764583200006 passes the Luhn check too: an epoch time in milliseconds starting with 1 is kept.
        JsonNode masked = Masker.mask(JSON.readTree(
                "{\"card\":4111111111111111,\"amex\":378282246310005,\"at\":1764583200006,\"n\":4111111111111112,\"small\":42}"));
        assertAll(
                () -> assertEquals("***", masked.path("card").asText()),
                () -> assertEquals("***", masked.path("amex").asText()),
                () -> assertEquals(1764583200006L, masked.path("at").asLong()),
                () -> assertEquals(4111111111111112L, masked.path("n").asLong()),
                () -> assertEquals(42, masked.path("small").asInt()));
    }

    @Test
    void emailAddressesWithAnyHostAndAsObjectKeysAreMasked() throws Exception {
        JsonNode masked = Masker.mask(JSON.readTree(
                "{\"SECRET16@example.com\":{\"v\":1},\"local\":\"SECRET12@localhost\",\"pkg\":\"react@18.2.0\",\"b\":2}"));
        assertAll(
                () -> assertFalse(masked.toString().contains("SECRET"), masked.toString()),
                () -> assertEquals(1, masked.path("***").path("v").asInt(), "the value under a masked key stays"),
                () -> assertEquals("***", masked.path("local").asText()),
                () -> assertEquals("react@18.2.0", masked.path("pkg").asText()),
                () -> assertEquals("***", Masker.maskText("mail root@localhost now").split(" ")[1]));
    }

    @Test
    void binaryKeepsEightBytesAndTextInBinaryIsMaskedFirst() {
        byte[] mqtt = HexFormat.of().parseHex("101e00044d5154540402003c0004636c6964000475736572000853454352455433322e");
        byte[] json = "{\"pwd\":\"SECRET31\"}".getBytes(StandardCharsets.UTF_8);
        byte[] form = "pwd=SECRET44".getBytes(StandardCharsets.UTF_8);
        assertAll(
                () -> assertEquals("101e00044d515454", HexFormat.of().formatHex(Masker.binaryPreview(mqtt, ContentGuess.of(mqtt)))),
                () -> assertEquals("{\"pwd\":\"", new String(Masker.binaryPreview(json, ContentGuess.of(json)), StandardCharsets.UTF_8)),
                () -> assertEquals("pwd=***", new String(Masker.binaryPreview(form, ContentGuess.of(form)), StandardCharsets.UTF_8)),
                () -> assertEquals(3, Masker.binaryPreview(new byte[]{1, 2, 3}, "octet-stream").length));
    }

    @Test
    void credentialLookingPathSegmentsQueryNamesAndSubprotocolsAreMasked() {
        String jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJTRUNSRVQwMSJ9.c2lnbmF0dXJlU0VDUkVUMDE";
        assertAll(
                () -> assertEquals("/socket/***/***", Masker.maskPath("/socket/SECRET35abcdefgh1234567/" + jwt)),
                () -> assertEquals("/users/***/inbox", Masker.maskPath("/users/ann%40example.com/inbox")),
                () -> assertEquals("/live;jsessionid=***", Masker.maskPath("/live;jsessionid=SECRET45")),
                () -> assertEquals("/rooms/lobby/v1/42/graphql-transport-ws/", Masker.maskPath("/rooms/lobby/v1/42/graphql-transport-ws/")),
                () -> assertEquals("/chat", Masker.maskPath("/chat")),
                () -> assertEquals("access_token.***", Masker.maskSubprotocol("access_token.SECRET38")),
                () -> assertEquals("base64url.bearer.authorization.k8s.io.***",
                        Masker.maskSubprotocol("base64url.bearer.authorization.k8s.io.U0VDUkVUMzk")),
                () -> assertEquals("***", Masker.maskSubprotocol(jwt)),
                () -> assertEquals("token.***", Masker.maskSubprotocol("token." + jwt)),
                () -> assertEquals(List.of("graphql-transport-ws", "mqtt", "v12.stomp", "wamp.2.json", "base64.binary.k8s.io"),
                        Masker.maskSubprotocols(List.of("graphql-transport-ws", "mqtt", "v12.stomp", "wamp.2.json",
                                "base64.binary.k8s.io"))),
                () -> assertEquals(List.of("Bearer", "***", "chat"), Masker.maskSubprotocols(List.of("Bearer", "abc123xyz", "chat"))),
                () -> assertEquals(List.of("room", "***", "token"),
                        Masker.maskNames(List.of("room", "SECRET36abcdefghij0123", "token", "SECRET47abcdefghij0123"))));
    }

    /**
     * A quoted key is read as JSON reads it: <code>&#92;uXXXX</code> (surrogate pairs too) and the short
     * escapes decoded, also one level deeper as in JSON carried inside a JSON string.
     */
    @ParameterizedTest
    @ValueSource(strings = {"\\u0070assword", "\\u0050ASSWORD", "p\\u0061ss", "\\uD835\\uDC29assword", "\\t\\u0070in",
            "\\b\\f\\n\\r\\tpin", "x\\/token", "\\\"pin\\\"", "\\\\pin"})
    void escapedKeysInTextAreDecodedBeforeTheKeyRule(String key) throws Exception {
        String deeper = key.replace("\\", "\\\\").replace("\"", "\\\"");
        List<String> texts = List.of(
                "42[\"login\",{\"" + key + "\":\"SECRETU02\"}]",
                "{\"" + key + "\":\"SECRETU03\",\"pad\":\"xxxx",
                "{\"type\":\"u4\",\"payload\":\"{\\\"" + deeper + "\\\":\\\"SECRETU04\\\"}\",\"x\":[");
        for (String text : texts) {
            String masked = Masker.maskText(text);
            assertAll(text,
                    () -> assertFalse(masked.contains("SECRETU"), masked),
                    () -> assertTrue(masked.contains(key.substring(key.length() - 2)), "the key stays: " + masked));
        }
        String parsed = Masker.mask(SummaryJson.SAMPLES.readTree(
                "{\"type\":\"u4\",\"payload\":\"{\\\"" + deeper + "\\\":\\\"SECRETU04\\\"}\"}")).toString();
        assertFalse(parsed.contains("SECRETU"), parsed);
        String whole = Masker.mask(SummaryJson.SAMPLES.readTree("{\"" + key + "\":\"SECRETU05\"}")).toString();
        assertFalse(whole.contains("SECRETU"), whole);
    }

    @Test
    void escapedKeysWithOrdinaryNamesAndStrayBackslashesAreKept() {
        assertAll(
                () -> assertEquals("{\"\\u0074ype\":\"join\",\"room\":\"lobby\"}",
                        Masker.maskText("{\"\\u0074ype\":\"join\",\"room\":\"lobby\"}")),
                () -> assertEquals("{\"a\\\"b\":\"c\",\"\\uZZ_pin\":\"***\"}",
                        Masker.maskText("{\"a\\\"b\":\"c\",\"\\uZZ_pin\":\"SECRETU10\"}")));
    }

    @Test
    void percentEncodedBareKeysAreDecodedBeforeTheKeyRule() {
        assertAll(
                () -> assertEquals("p%61ssword=***&x=1", Masker.maskText("p%61ssword=SECRETU05&x=1")),
                () -> assertEquals("%70in=***&room=lobby", Masker.maskText("%70in=SECRETU06&room=lobby")),
                () -> assertEquals("api+key=***", Masker.maskText("api+key=SECRETU07")),
                () -> assertEquals("a+key=***", Masker.maskText("a+key=SECRETU08")),
                () -> assertEquals("%CE%A1assword=***", Masker.maskText("%CE%A1assword=SECRETU09")),
                () -> assertEquals("rate=50%25&room=lobby%20one", Masker.maskText("rate=50%25&room=lobby%20one")));
    }

    @Test
    void cardNumbersAsJsonDecimalsAreMaskedWhateverTheNotation() throws Exception {
        JsonNode masked = Masker.mask(SummaryJson.SAMPLES.readTree("{\"f\":4111111111111111.0,\"e\":4.111111111111111e15,"
                + "\"E\":41111111111111110E-1,\"amex\":3.78282246310005E+14,\"at\":1764583200006.0,\"atE\":1.764583200006e12,"
                + "\"n\":4111111111111112.0,\"half\":4111111111111111.5,\"huge\":4e999999,\"pi\":3.14}"));
        assertAll(
                () -> assertEquals("***", masked.path("f").asText()),
                () -> assertEquals("***", masked.path("e").asText()),
                () -> assertEquals("***", masked.path("E").asText()),
                () -> assertEquals("***", masked.path("amex").asText()),
                () -> assertTrue(masked.path("at").isNumber(), "an epoch time starting with 1 is kept"),
                () -> assertTrue(masked.path("atE").isNumber(), "an epoch time starting with 1 is kept"),
                () -> assertTrue(masked.path("n").isNumber()),
                () -> assertTrue(masked.path("half").isNumber()),
                () -> assertTrue(masked.path("huge").isNumber()),
                () -> assertTrue(masked.path("pi").isNumber()));
    }

    @Test
    void cardNumbersWithAnExponentAreMaskedInText() {
        assertAll(
                () -> assertEquals("{\"n\":***,\"m\":***,\"at\":1.764583200006e12,\"o\":4.111111111111112e15,\"x\":[",
                        Masker.maskText("{\"n\":4.111111111111111e15,\"m\":41111111111111110E-1,\"at\":1.764583200006e12,"
                                + "\"o\":4.111111111111112e15,\"x\":[")),
                () -> assertEquals("id 4111111111111.1e3 at 1e999 of 2.5E+10", Masker.maskText("id 4111111111111.1e3 at 1e999 of 2.5E+10")));
    }

    @Test
    void ipLiteralEmailsAndLookalikeKeysAreMasked() {
        assertAll(
                () -> assertTrue(Masker.isSensitiveValue("someone@[127.0.0.1]")),
                () -> assertTrue(Masker.isSensitiveValue("someone@[IPv6:2001:db8::1]")),
                () -> assertEquals("to *** now", Masker.maskText("to someone@[127.0.0.1] now")),
                () -> assertTrue(Masker.isSensitiveKey("\u03A1ASSWORD"), "Greek capital Rho"),
                () -> assertTrue(Masker.isSensitiveKey("\u0440\u0430ssword"), "Cyrillic er and a"),
                () -> assertTrue(Masker.isSensitiveKey("\uFF50\uFF41\uFF53\uFF53\uFF57\uFF4F\uFF52\uFF44"), "full width"),
                () -> assertTrue(Masker.isSensitiveKey("\u1D18IN"), "small capital P"),
                () -> assertFalse(Masker.isSensitiveKey("\u03A1OSITION")),
                () -> assertEquals("{\"\u03A1ASSWORD\":\"***\"}", Masker.maskText("{\"\u03A1ASSWORD\":\"SECRETU11\"}")));
    }

    /** Input shaped against each pattern and the pair scanner; all are linear, so each takes milliseconds. */
    @Test
    void hostileTextTakesLinearTime() {
        List<String> hostile = List.of(
                "a".repeat(200_000) + "@",
                "a.".repeat(100_000) + "@x",
                ":".repeat(200_000),
                "\"a\":".repeat(50_000),
                "\\".repeat(100_000) + "\"password\":\"" + "\\\"".repeat(50_000),
                "password=" + "[".repeat(100_000),
                "{\"auth\":" + "{\"a\":\"}\\\"\",".repeat(20_000),
                "eyJ" + "a".repeat(200_000),
                "bearer ".repeat(30_000),
                "4 ".repeat(100_000),
                "{\"" + "\\u0070".repeat(40_000) + "\":1",
                "\"\\\"".repeat(40_000) + ":",
                "\"\\u0070\\uD835\\uDC29\":".repeat(20_000),
                "p%61".repeat(50_000) + "=x",
                "4.4e1".repeat(40_000) + "1".repeat(13),
                "a@[" + "1.".repeat(100_000));
        assertTimeoutPreemptively(java.time.Duration.ofSeconds(20), () -> hostile.forEach(text -> {
            Masker.maskText(text);
            Masker.isSensitiveValue(text);
            Masker.maskPath("/" + text);
            Masker.maskSubprotocol(text);
        }));
    }
}
