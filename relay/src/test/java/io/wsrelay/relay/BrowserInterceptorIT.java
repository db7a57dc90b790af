package io.wsrelay.relay;

import io.wsrelay.relay.browser.InterceptorScript;
import io.wsrelay.relay.browser.InterceptorScriptHandler;
import io.wsrelay.relay.browser.ScriptInjector;
import io.wsrelay.relay.config.RelayConfig;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wsrelay.relay.spi.Endpoint;
import io.wsrelay.relay.spi.EndpointStatus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The interceptor in a real browser: headless Chromium loads a page from a proxying app
 * ({@link TestPageServer}) with the tag {@link ScriptInjector} put in, the script served by a
 * running relay ({@link InterceptorScriptHandler}), and opens sockets that go through the relay to
 * {@link TestUpstream}s. The page ({@code browser/cases.js}) records what it observes; each test
 * here asserts one behaviour of it.
 *
 * <p>The page is served with the Content-Security-Policy {@code docs/interceptor.md} asks for,
 * which lets it reach the relay and nothing else.
 */
class BrowserInterceptorIT {

    /** Every case on the page ends within 10 s; there are 17, most done in milliseconds. */
    private static final Duration PAGE_RUN = Duration.ofSeconds(90);
    private static final String ID = "e1";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static TestUpstream upstream;
    private static TestUpstream otherUpstream;
    private static RelayServer relay;
    private static TestPageServer pages;
    private static JsonNode results;
    private static JsonNode inlineResults;
    /** Path and query of every handshake each upstream received. */
    private static List<String> upstreamRequests;
    private static List<String> otherUpstreamRequests;

    @BeforeAll
    static void runPagesInChromium() throws Exception {
        upstream = TestUpstream.start();
        otherUpstream = TestUpstream.start();
        InMemoryEndpointStore store = new InMemoryEndpointStore();
        // The wiring the relay's launcher uses: the script handler in front of the upgrades.
        // The upstreams listen on loopback, which the destination guard refuses by default.
        relay = RelayServer.builder(RelayConfig.from(Map.of("relay.host", "127.0.0.1", "relay.port", "0",
                        "relay.upstream.allow-private-addresses", "true")), store)
                .handler(InterceptorScriptHandler.create(InterceptorScript.load()))
                .build()
                .start();
        pages = startPages("http://127.0.0.1:" + relay.port());
        store.insert(new Endpoint(ID, upstream.uri().toString(), EndpointStatus.ACTIVE,
                List.of("127.0.0.1:" + otherUpstream.uri().getPort()), List.of(pages.uri("").toString()), 0,
                Map.of(), Instant.now(), Instant.now()));

        String ports = "?up=" + upstream.uri().getPort() + "&up2=" + otherUpstream.uri().getPort()
                + "&relay=" + relay.port();
        try (HeadlessChromium chromium = HeadlessChromium.start(PAGE_RUN)) {
            chromium.open(pages.uri("/page.html" + ports), PAGE_RUN);
            results = JSON.readTree(chromium.awaitPromise("__results"));
            chromium.open(pages.uri("/inline.html" + ports), PAGE_RUN);
            inlineResults = JSON.readTree(chromium.awaitPromise("__results"));
        }
        // Every socket the pages opened has completed its handshake, or been refused, by now.
        upstreamRequests = upstream.handshakes().stream().map(TestUpstream.Handshake::pathQuery).toList();
        otherUpstreamRequests = otherUpstream.handshakes().stream().map(TestUpstream.Handshake::pathQuery).toList();
    }

    /**
     * The proxying app: serves the test pages with the Content-Security-Policy the docs ask for.
     * {@code page.html} gets its tag from {@link ScriptInjector}, for a page whose original URL is
     * on the endpoint's destination host, over https; {@code inline.html} configures the script
     * with {@code window.__WSRELAY__}.
     */
    private static TestPageServer startPages(String relayBase) throws IOException {
        String origin = "https://127.0.0.1:" + upstream.uri().getPort();
        String pageUrl = origin + "/app/page.html";
        Map<String, String> values = Map.of("{{relay}}", relayBase, "{{endpointId}}", ID, "{{pageUrl}}", pageUrl,
                "{{inlinePageUrl}}", origin + "/inline/page.html");
        Map<String, String> html = Map.of("Content-Type", "text/html; charset=utf-8",
                "Content-Security-Policy", "script-src 'self' " + relayBase + "; connect-src ws://127.0.0.1:"
                        + relay.port());
        Map<String, String> js = Map.of("Content-Type", "text/javascript; charset=utf-8");
        String injected = ScriptInjector.create(relayBase).inject(page("page.html", values), ID, pageUrl);
        return TestPageServer.start(Map.of(
                "/page.html", resource(html, injected),
                "/inline.html", resource(html, page("inline.html", values)),
                "/inline-config.js", resource(js, page("inline-config.js", values)),
                "/capture.js", resource(js, page("capture.js", values)),
                "/cases.js", resource(js, page("cases.js", values))));
    }

    @AfterAll
    static void stopEverything() throws Exception {
        Exception failure = null;
        for (AutoCloseable started : new AutoCloseable[] {pages, relay, otherUpstream, upstream}) {
            try {
                if (started != null) {
                    started.close();
                }
            } catch (Exception e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private static TestPageServer.Resource resource(Map<String, String> headers, String body) {
        return new TestPageServer.Resource(headers, body.getBytes(StandardCharsets.UTF_8));
    }

    /** A test resource under {@code browser/}, with its {@code {{placeholders}}} filled in. */
    private static String page(String name, Map<String, String> values) throws IOException {
        try (InputStream in = BrowserInterceptorIT.class.getResourceAsStream("browser/" + name)) {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            for (Map.Entry<String, String> value : values.entrySet()) {
                text = text.replace(value.getKey(), value.getValue());
            }
            return text;
        }
    }

    /** What the page observed in case {@code name}; fails if the case itself failed or timed out. */
    private static JsonNode result(JsonNode results, String name) {
        JsonNode result = results.path(name);
        assertTrue(result.isObject() && !result.has("failed") && !result.has("timedOut"),
                () -> "case '" + name + "' did not complete: " + (results.has("pageError") ? results : result));
        return result;
    }

    private static JsonNode result(String name) {
        return result(results, name);
    }

    private static String wss(TestUpstream target, String pathAndQuery) {
        return "wss://127.0.0.1:" + target.uri().getPort() + pathAndQuery;
    }

    /** Asserts a socket opened, got {@code echoed} back as text, and closed normally. */
    private static void assertEchoed(JsonNode session, String echoed) {
        assertAll(
                () -> assertEquals("[\"open\",\"message\",\"close\"]", session.get("events").toString()),
                () -> assertEquals("text", session.at("/messages/0/type").asText()),
                () -> assertEquals(echoed, session.at("/messages/0/text").asText()),
                () -> assertEquals(1000, session.at("/close/code").asInt()));
    }

    /**
     * Asserts the socket echoed {@code echoed} through the relay from {@code target}, which was
     * asked for {@code pathQuery}, and that {@code ws.url} reported that target.
     */
    private static void assertRelayed(JsonNode session, String echoed, TestUpstream target, String pathQuery) {
        List<String> requests = target == upstream ? upstreamRequests : otherUpstreamRequests;
        assertEchoed(session, echoed);
        assertEquals(wss(target, pathQuery), session.get("url").asText());
        assertTrue(requests.contains(pathQuery), requests::toString);
    }

    @Test
    void echoesTextThroughTheRelay() {
        assertRelayed(result("text echo"), "hello, ü ✓", upstream, "/echo");
    }

    @Test
    void echoesBinaryAsArrayBufferWhenBinaryTypeIsSetAfterCreation() {
        JsonNode binary = result("binary echo as arraybuffer");

        assertAll(
                () -> assertEquals("arraybuffer", binary.at("/messages/0/type").asText()),
                () -> assertEquals("[0,1,127,128,255]", binary.at("/messages/0/bytes").toString()));
    }

    @Test
    void deliversBinaryAsBlobByDefault() {
        JsonNode binary = result("binary echo as blob");

        assertAll(
                () -> assertEquals("blob", binary.get("binaryTypeAtCreation").asText()),
                () -> assertEquals("blob", binary.at("/messages/0/type").asText()),
                () -> assertEquals("[9,8,7]", binary.at("/messages/0/bytes").toString()));
    }

    @Test
    void negotiatesTheSubprotocolTheUpstreamPicksFromAList() {
        assertEquals("chat", result("subprotocol from list").get("protocol").asText());
    }

    @Test
    void offersASubprotocolGivenAsAString() {
        assertEquals("chat", result("subprotocol as string").get("protocol").asText());
    }

    @Test
    void opensWithoutSubprotocolWhenNoneIsOffered() {
        assertEquals("", result("no subprotocol").get("protocol").asText());
    }

    @Test
    void deliversTheUpstreamCloseCodeAndReasonToOnclose() {
        JsonNode close = result("upstream close").get("close");

        assertAll(
                () -> assertEquals(4001, close.get("code").asInt()),
                () -> assertEquals("upstream says bye", close.get("reason").asText()),
                () -> assertTrue(close.get("wasClean").asBoolean()));
    }

    @Test
    void resolvesRelativeUrlsAgainstTheOriginalPageUrlKeepingTheQueryByteForByte() {
        assertRelayed(result("relative URL"), "relative", upstream, "/app/echo?x=1&y=%2F%20&z");
    }

    @Test
    void resolvesRootRelativeUrlsAgainstTheOriginalPageUrl() {
        assertRelayed(result("root-relative URL"), "root", upstream, "/root/echo");
    }

    @Test
    void mapsHttpsUrlsToWss() {
        assertRelayed(result("https URL"), "https", upstream, "/secure/echo");
    }

    @Test
    void firesListenersAddedWithAddEventListener() {
        assertEchoed(result("addEventListener"), "listened");
    }

    @Test
    void relaysAForeignHostOnTheEndpointsAllowList() {
        assertRelayed(result("allowed foreign host"), "foreign", otherUpstream, "/foreign/echo");
    }

    @Test
    void passesThePagesOwnRelayNamedParametersUpstreamOnTheSameHost() {
        assertRelayed(result("page relay-named parameters"), "own params", upstream,
                "/echo?endpointScheme=foo&endpointHost=x");
    }

    @Test
    void passesThePagesOwnRelayNamedParametersUpstreamOnAForeignHost() {
        assertRelayed(result("page relay-named parameters, foreign host"), "own params elsewhere", otherUpstream,
                "/echo?endpointScheme=foo");
    }

    @Test
    void refusesAForeignHostNotOnTheAllowList() {
        JsonNode refused = result("refused foreign host");

        assertAll(
                () -> assertEquals("[\"error\",\"close\"]", refused.get("events").toString()),
                () -> assertEquals(1006, refused.at("/close/code").asInt()),
                () -> assertFalse(refused.at("/close/wasClean").asBoolean()),
                () -> assertEquals("wss://evil.example.test/steal", refused.get("url").asText()),
                () -> assertTrue(upstreamRequests.stream().noneMatch(r -> r.contains("steal")), upstreamRequests::toString));
    }

    @Test
    void keepsInstanceofConstantsAndTheConstructorsShape() {
        JsonNode shape = result("shape");

        assertAll(
                () -> assertTrue(shape.get("instanceOf").asBoolean()),
                () -> assertTrue(shape.get("constructorIsWebSocket").asBoolean()),
                () -> assertTrue(shape.get("prototypeIsEventTarget").asBoolean()),
                () -> assertTrue(shape.get("isEventTarget").asBoolean()),
                () -> assertEquals("WebSocket", shape.get("name").asText()),
                () -> assertEquals(1, shape.get("length").asInt()),
                () -> assertEquals("[0,1,2,3]", shape.get("staticConstants").toString()),
                () -> assertEquals("[0,1,2,3]", shape.get("instanceConstants").toString()),
                () -> assertEquals("[object WebSocket]", shape.get("toStringTag").asText()),
                () -> assertEquals("{\"writable\":true,\"enumerable\":false,\"configurable\":true}",
                        shape.get("globalDescriptor").toString()));
    }

    @Test
    void reportsReadyStateBufferedAmountAndExtensionsNatively() {
        JsonNode text = result("text echo");

        assertAll(
                () -> assertEquals(0, text.get("readyStateAtCreation").asInt()),
                () -> assertEquals(1, text.get("readyStateAtOpen").asInt()),
                () -> assertEquals(3, text.get("readyStateAtClose").asInt()),
                () -> assertEquals(0, text.get("bufferedAmountAtOpen").asInt()),
                () -> assertEquals("string", text.get("extensionsType").asText()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"invalid URL:SyntaxError", "unsupported scheme:SyntaxError", "fragment:SyntaxError",
            "duplicate protocols:SyntaxError", "invalid protocol:SyntaxError", "empty protocol:SyntaxError",
            "no arguments:TypeError", "call without new:TypeError"})
    void throwsWhatTheNativeConstructorThrowsFor(String labelAndError) {
        String label = labelAndError.substring(0, labelAndError.indexOf(':'));
        JsonNode errors = result("errors").path(label);

        assertAll(
                () -> assertEquals(labelAndError.substring(label.length() + 1), errors.at("/ours/name").asText()),
                () -> assertEquals(errors.get("native"), errors.get("ours")));
    }

    @Test
    void wrapsOnceWhenLoadedTwiceAndRemovesItsTags() {
        JsonNode twice = result("loaded twice");

        assertTrue(twice.get("sameConstructor").asBoolean());
        assertEquals(0, twice.get("interceptorTagsLeft").asInt());
    }

    @Test
    void readsTheConfigurationFromWindowWsrelay() {
        assertRelayed(result(inlineResults, "inline config"), "inline", upstream, "/inline/echo");
    }
}
