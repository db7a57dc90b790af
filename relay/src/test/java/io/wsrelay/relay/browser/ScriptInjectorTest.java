package io.wsrelay.relay.browser;

import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ScriptInjectorTest {

    private static final String ID = "e1";
    private static final String PAGE = "https://example.com/app/page.html";
    private static final ScriptInjector INJECTOR = ScriptInjector.create("https://relay.example.net");
    private static final String TAG = INJECTOR.scriptTag(ID, PAGE);

    /** Real-world document shapes, each with the text the tag must come right after. */
    static Stream<Arguments> pages() {
        return Stream.of(
                Arguments.of("html5", "<!DOCTYPE html><html><head><title>t</title></head><body></body></html>",
                        "<!DOCTYPE html><html><head>"),
                Arguments.of("upper case HTML 4", """
                        <!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN" "http://www.w3.org/TR/html4/strict.dtd">
                        <HTML LANG="en">
                        <HEAD>
                        <TITLE>Old</TITLE>
                        </HEAD>
                        <BODY><P>hi</BODY></HTML>""", "<HEAD>"),
                Arguments.of("head with attributes and > in a quoted value",
                        "<!doctype html><html><head data-x=\"a>b\" data-y='<c>'><title>t</title>",
                        "data-y='<c>'>"),
                Arguments.of("no head", "<!doctype html>\n<html lang=\"en\">\n<body><p>hi</p></body></html>",
                        "<html lang=\"en\">\n"),
                Arguments.of("no html, no head", "<!DOCTYPE html>\n<title>x</title><p>hi", "<!DOCTYPE html>\n"),
                Arguments.of("fragment", "<p>hello</p>", ""),
                Arguments.of("empty", "", ""),
                Arguments.of("byte order mark", "\uFEFF<!DOCTYPE html><html><head><title>t</title>",
                        "\uFEFF<!DOCTYPE html><html><head>"),
                Arguments.of("comments and conditional comments", """
                        <!-- generated <head> -->
                        <!DOCTYPE html>
                        <!--[if lt IE 7]> <html class="no-js ie6"> <![endif]-->
                        <!--[if gt IE 8]><!--> <html class="no-js"> <!--<![endif]-->
                        <head>
                          <title>Boilerplate</title>""", "<!--<![endif]-->\n<head>"),
                Arguments.of("header is not head", "<!DOCTYPE html><html><header>x</header>",
                        "<!DOCTYPE html><html>"),
                Arguments.of("xhtml with xml declaration", """
                        <?xml version="1.0" encoding="UTF-8"?>
                        <!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">
                        <html xmlns="http://www.w3.org/1999/xhtml"><head/><body/></html>""", "<head/>"),
                Arguments.of("CSP meta tag", "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\""
                        + " content=\"script-src 'self'\"><script src=\"/app.js\"></script>", "<head>"),
                Arguments.of("leading meta charset", "<!DOCTYPE html><html><head>\n  <meta charset=\"utf-8\">"
                        + "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'self'\">",
                        "<meta charset=\"utf-8\">"),
                Arguments.of("http-equiv charset", "<html><head><META HTTP-EQUIV=\"Content-Type\""
                        + " CONTENT=\"text/html; charset=windows-1252\"><title>t</title>", "charset=windows-1252\">"),
                Arguments.of("script first in head", "<html><head><script>new WebSocket('/ws')</script>", "<head>"),
                Arguments.of("unterminated head tag", "<html><head", "<html>"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("pages")
    void insertsTagFirstInHeadOf(String shape, String html, String before) {
        int at = html.indexOf(before) + before.length();

        String injected = INJECTOR.inject(html, ID, PAGE);

        assertEquals(html.substring(0, at) + TAG + html.substring(at), injected);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("pages")
    void leavesPageParsingAsItWasFor(String shape, String html, String before) {
        Document original = parse(html);
        Document injected = parse(INJECTOR.inject(html, ID, PAGE));

        Element script = injected.selectFirst("script");
        assertNotNull(script);
        assertAll(
                () -> assertEquals(ID, script.attr("data-endpoint-id")),
                () -> assertEquals("head", script.parent().tagName()),
                () -> assertEquals(original.quirksMode(), injected.quirksMode()));
        script.remove();
        assertEquals(original.outerHtml(), injected.outerHtml());
    }

    /** Parses as a browser does; its decoder drops a byte order mark before the parser sees it. */
    private static Document parse(String html) {
        Document document = Jsoup.parse(html.startsWith("\uFEFF") ? html.substring(1) : html);
        document.outputSettings().prettyPrint(false);
        return document;
    }

    @Test
    void tagCarriesThePageConfiguration() {
        assertEquals("<script src=\"https://relay.example.net/ws-proxy/interceptor.js\" data-endpoint-id=\"e1\""
                + " data-relay=\"https://relay.example.net\" data-page-url=\"https://example.com/app/page.html\">"
                + "</script>", TAG);
    }

    @Test
    void escapesAttributeValues() {
        String tag = INJECTOR.scriptTag("a\"b&c'<d>", "https://example.com/ü?q=\"x\"&y=<z>");

        Element script = Jsoup.parse(tag).selectFirst("script");

        assertAll(
                () -> assertEquals("https://example.com/ü?q=\"x\"&y=<z>", script.attr("data-page-url")),
                () -> assertEquals("a\"b&c'<d>", script.attr("data-endpoint-id")),
                () -> assertEquals(tag, new String(tag.getBytes(StandardCharsets.US_ASCII), StandardCharsets.US_ASCII)));
    }

    @ParameterizedTest
    @CsvSource({
            "https://relay.example.net/, https://relay.example.net/ws-proxy/interceptor.js, https://relay.example.net",
            "http://127.0.0.1:3001, http://127.0.0.1:3001/ws-proxy/interceptor.js, http://127.0.0.1:3001",
            "wss://app.example.com/relay, https://app.example.com/relay/ws-proxy/interceptor.js, wss://app.example.com/relay",
            "ws://relay_1:3001, http://relay_1:3001/ws-proxy/interceptor.js, ws://relay_1:3001",
            "/, /ws-proxy/interceptor.js, /",
            "/relay/, /relay/ws-proxy/interceptor.js, /relay",
    })
    void loadsScriptOverHttpFromTheRelayBase(String relayBase, String src, String dataRelay) {
        Element script = Jsoup.parse(ScriptInjector.create(relayBase).scriptTag(ID, PAGE)).selectFirst("script");

        assertEquals(src, script.attr("src"));
        assertEquals(dataRelay, script.attr("data-relay"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "relay.example.net", "ftp://relay.example.net", "https://relay.example.net/?v=1",
            "https://relay.example.net/#x", "https://user@relay.example.net", "https://", "//relay.example.net",
            "https://relay example.net"})
    void refusesRelayBaseThatBrowsersCannotUse(String relayBase) {
        assertThrows(IllegalArgumentException.class, () -> ScriptInjector.create(relayBase));
    }

    @ParameterizedTest
    @CsvSource(value = {"'', https://example.com/", "' ', https://example.com/",
            "e1, /relative/page.html", "e1, file:///tmp/page.html", "e1, example.com/page"})
    void refusesUnusablePageConfiguration(String endpointId, String pageUrl) {
        assertThrows(IllegalArgumentException.class, () -> INJECTOR.inject("<head>", endpointId, pageUrl));
    }

    @Test
    void refusesEndpointIdLongerThanTheStoreAllows() {
        assertThrows(IllegalArgumentException.class, () -> INJECTOR.scriptTag("x".repeat(65), PAGE));
    }

    @Test
    void injectsIntoEncodedBytesWithoutDecodingThem() {
        Charset windows1252 = Charset.forName("windows-1252");
        byte[] head = "<!DOCTYPE html><html><head>".getBytes(windows1252);
        // 0x81 is undefined in windows-1252: a decode and re-encode would not give it back.
        byte[] rest = concat("<title>Caf\u00e9</title>".getBytes(windows1252), new byte[] {(byte) 0x81});

        byte[] injected = INJECTOR.inject(concat(head, rest), windows1252, ID, PAGE);

        assertArrayEquals(concat(head, TAG.getBytes(StandardCharsets.US_ASCII), rest), injected);
    }

    @Test
    void keepsUtf8ByteOrderMarkFirst() {
        byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
        byte[] page = concat(bom, "<html><body>\u00fc".getBytes(StandardCharsets.UTF_8));

        byte[] injected = INJECTOR.inject(page, StandardCharsets.UTF_8, ID, PAGE);

        assertArrayEquals(concat(bom, "<html>".getBytes(StandardCharsets.UTF_8), TAG.getBytes(StandardCharsets.UTF_8),
                "<body>\u00fc".getBytes(StandardCharsets.UTF_8)), injected);
    }

    @Test
    void refusesEncodingsThatDoNotKeepAsciiAsAscii() {
        byte[] page = "<html><head>".getBytes(StandardCharsets.UTF_16);

        assertThrows(IllegalArgumentException.class,
                () -> INJECTOR.inject(page, StandardCharsets.UTF_16, ID, PAGE));
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
