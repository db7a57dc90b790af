package io.wsrelay.relay.browser;

import io.wsrelay.relay.spi.Endpoint;

import java.net.URI;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * Puts the interceptor's {@code <script>} tag into HTML pages, for proxying apps on the JVM.
 *
 * <p>The tag loads {@code {relayBase}/ws-proxy/interceptor.js} and carries the page's
 * configuration: the endpoint id, the relay base and the page's original URL. It goes first in
 * the page, before any of the page's scripts: just after {@code <head ...>}, or where the head
 * would start when there is none (after a byte order mark, comments, the doctype and
 * {@code <html ...>}; past a leading {@code <meta charset>}). A Content-Security-Policy meta tag
 * further down does not apply to it; a CSP header does (see {@code docs/interceptor.md}).
 *
 * <p>Immutable and thread-safe; one instance serves any number of pages at once.
 */
public final class ScriptInjector {

    private static final byte[] ASCII_PROBE = "<head>".getBytes(StandardCharsets.US_ASCII);

    private final String relayBase;
    private final String scriptUrl;

    private ScriptInjector(String relayBase, String scriptUrl) {
        this.relayBase = relayBase;
        this.scriptUrl = scriptUrl;
    }

    /**
     * An injector for pages whose sockets go through the relay at {@code relayBase}.
     *
     * @param relayBase the relay's public base URL as browsers reach it: {@code http(s)://} or
     *                  {@code ws(s)://} host, optional port and path prefix (e.g.
     *                  {@code https://relay.example.com}, {@code wss://app.example.com/relay}),
     *                  or an absolute path ({@code /}, {@code /relay}) when the relay answers on
     *                  the proxying app's own origin; a trailing {@code /} is ignored
     * @throws IllegalArgumentException if {@code relayBase} is none of these, or has a query,
     *                                  fragment or user info
     * @throws NullPointerException     if {@code relayBase} is null
     */
    public static ScriptInjector create(String relayBase) {
        Objects.requireNonNull(relayBase, "relayBase");
        URI uri;
        try {
            uri = new URI(relayBase);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException("relay base is not a URL: " + relayBase, e);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        String authority = uri.getRawAuthority() == null ? "" : uri.getRawAuthority();
        boolean absolute = switch (scheme) {
            case "http", "https", "ws", "wss" -> !authority.isEmpty();
            default -> false;
        };
        boolean path = scheme.isEmpty() && uri.getRawAuthority() == null && relayBase.startsWith("/");
        if (!absolute && !path || uri.getRawQuery() != null || uri.getRawFragment() != null
                || authority.contains("@")) {
            throw new IllegalArgumentException("relay base must be an http(s) or ws(s) URL, or an absolute path,"
                    + " without query, fragment or user info: " + relayBase);
        }
        String base = relayBase.replaceAll("/+$", "");
        String httpBase = switch (scheme) {
            case "ws" -> "http" + base.substring(2);
            case "wss" -> "https" + base.substring(3);
            default -> base;
        };
        return new ScriptInjector(base, httpBase + InterceptorScript.PATH);
    }

    /** The relay base the tags carry, without a trailing {@code /}; empty for the origin's root. */
    public String relayBase() {
        return relayBase;
    }

    /**
     * The tag for one page, attribute values escaped; for apps that place it themselves.
     *
     * @param endpointId the endpoint the page's sockets go through, 1 to 64 characters
     * @param pageUrl    the page's original URL, absolute {@code http(s)}; relative socket URLs
     *                   resolve against it and its host decides which sockets are foreign
     * @throws IllegalArgumentException if {@code endpointId} is blank or too long, or
     *                                  {@code pageUrl} is not an absolute http(s) URL
     * @throws NullPointerException     if an argument is null
     */
    public String scriptTag(String endpointId, String pageUrl) {
        Objects.requireNonNull(endpointId, "endpointId");
        Objects.requireNonNull(pageUrl, "pageUrl");
        if (endpointId.isBlank() || endpointId.length() > Endpoint.MAX_ID_LENGTH) {
            throw new IllegalArgumentException("endpoint id must be 1 to " + Endpoint.MAX_ID_LENGTH + " characters");
        }
        String scheme = pageUrl.substring(0, Math.max(0, pageUrl.indexOf("://"))).toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException("page URL must be an absolute http(s) URL: " + pageUrl);
        }
        return "<script src=\"" + attribute(scriptUrl) + "\" data-endpoint-id=\"" + attribute(endpointId)
                + "\" data-relay=\"" + attribute(relayBase.isEmpty() ? "/" : relayBase)
                + "\" data-page-url=\"" + attribute(pageUrl) + "\"></script>";
    }

    /**
     * Returns {@code html} with the page's tag inserted first in its head.
     *
     * @param html       a whole HTML document, or its beginning (the head must be in it)
     * @param endpointId see {@link #scriptTag}
     * @param pageUrl    see {@link #scriptTag}
     * @throws IllegalArgumentException as {@link #scriptTag} does
     * @throws NullPointerException     if an argument is null
     */
    public String inject(String html, String endpointId, String pageUrl) {
        String tag = scriptTag(endpointId, pageUrl);
        int at = HtmlHead.insertionPoint(html);
        return new StringBuilder(html.length() + tag.length()).append(html, 0, at).append(tag)
                .append(html, at, html.length()).toString();
    }

    /**
     * Returns a copy of the encoded document {@code html} with the page's tag inserted first in
     * its head, without decoding the document: its bytes, malformed ones included, are kept.
     *
     * @param charset the document's encoding; one in which ASCII characters are single ASCII
     *                bytes (UTF-8, ISO-8859-*, windows-125*, ...). The tag itself is ASCII:
     *                other characters go in as character references
     * @throws IllegalArgumentException as {@link #scriptTag} does, or if {@code charset} does
     *                                  not encode ASCII as ASCII (UTF-16, UTF-32): decode such
     *                                  pages and use {@link #inject(String, String, String)}
     * @throws NullPointerException     if an argument is null
     */
    public byte[] inject(byte[] html, Charset charset, String endpointId, String pageUrl) {
        Objects.requireNonNull(html, "html");
        if (!Arrays.equals(ASCII_PROBE, "<head>".getBytes(charset))) {
            throw new IllegalArgumentException(charset + " does not encode ASCII as ASCII; decode the page"
                    + " and inject into the String");
        }
        byte[] tag = scriptTag(endpointId, pageUrl).getBytes(StandardCharsets.US_ASCII);
        int at = HtmlHead.insertionPoint(new Latin1View(html));
        byte[] out = new byte[html.length + tag.length];
        System.arraycopy(html, 0, out, 0, at);
        System.arraycopy(tag, 0, out, at, tag.length);
        System.arraycopy(html, at, out, at + tag.length, html.length - at);
        return out;
    }

    /**
     * Escapes an attribute value for a double-quoted attribute; characters outside ASCII become
     * numeric character references, so the tag is the same bytes in every ASCII-compatible
     * encoding.
     */
    static String attribute(String value) {
        StringBuilder out = new StringBuilder(value.length() + 16);
        value.codePoints().forEach(c -> {
            switch (c) {
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                default -> {
                    if (c < 0x80) {
                        out.append((char) c);
                    } else {
                        out.append("&#x").append(Integer.toHexString(c)).append(';');
                    }
                }
            }
        });
        return out.toString();
    }

    @Override
    public String toString() {
        return "ScriptInjector{" + scriptUrl + "}";
    }

    /** The bytes of a document, one char per byte, for scanning its ASCII markup without decoding. */
    private record Latin1View(byte[] bytes) implements CharSequence {
        @Override
        public int length() {
            return bytes.length;
        }

        @Override
        public char charAt(int index) {
            return (char) (bytes[index] & 0xFF);
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return new String(bytes, start, end - start, StandardCharsets.ISO_8859_1);
        }

        @Override
        public String toString() {
            return new String(bytes, StandardCharsets.ISO_8859_1);
        }
    }
}
