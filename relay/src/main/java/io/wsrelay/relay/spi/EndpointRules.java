package io.wsrelay.relay.spi;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * What an endpoint written through the admin API or the command line may hold: the id syntax and
 * the upstream headers' syntax. Checked when an endpoint is <em>written</em>, never when it is
 * read, so a row written some other way (by SQL, by an older version) can still be read, listed
 * and removed.
 *
 * <p>Messages name the field and the header, never a header value (it may be an API key), and
 * quote client text only after escaping control characters. Pure functions; thread-safe.
 */
public final class EndpointRules {

    /**
     * Longest id, in characters (the schema's {@code VARCHAR(64)}).
     */
    public static final int MAX_ID_LENGTH = Endpoint.MAX_ID_LENGTH;
    /**
     * The id syntax, 1 to 64 of RFC 3986's unreserved characters: what a URL query carries
     * unencoded and a path segment needs no escaping for.
     */
    public static final String ID_SYNTAX = "[A-Za-z0-9._~-]{1," + MAX_ID_LENGTH + "}";

    /**
     * Headers an endpoint may not add upstream: hop-by-hop headers (RFC 9110 §7.6.1), framing
     * headers, and the opening-handshake headers the relay and the JDK client own (RFC 6455
     * §4.1, {@code Sec-WebSocket-*} as a prefix).
     */
    static final Set<String> RESERVED = caseInsensitive("Host", "Connection", "Upgrade", "Content-Length",
            "Transfer-Encoding", "TE", "Trailer", "Keep-Alive", "Proxy-Connection", "Expect", "HTTP2-Settings");
    private static final String SEC_WEBSOCKET = "sec-websocket-";
    /** Characters of a name quoted in a message, at most. */
    private static final int MAX_QUOTED = 64;

    private EndpointRules() {
    }

    /**
     * Whether {@code id} has the id syntax {@value #ID_SYNTAX}.
     */
    public static boolean isValidId(String id) {
        if (id == null || id.isEmpty() || id.length() > MAX_ID_LENGTH) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
                    || c == '.' || c == '_' || c == '~' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    /**
     * Checks everything a newly created endpoint must satisfy: the id syntax and the headers.
     *
     * @throws IllegalArgumentException naming the field (and the header), never a header value
     */
    public static void checkNew(Endpoint endpoint) {
        if (!isValidId(endpoint.id())) {
            throw new IllegalArgumentException("id " + quote(endpoint.id()) + " is not valid: an id is 1 to "
                    + MAX_ID_LENGTH + " of the characters A-Z a-z 0-9 . _ ~ -");
        }
        checkHeaders(endpoint.upstreamHeaders());
    }

    /**
     * Checks an endpoint's upstream headers (see {@link #headerProblem}).
     *
     * @throws IllegalArgumentException naming the first bad header, never its value
     */
    public static void checkHeaders(Map<String, String> headers) {
        headerProblem(headers).ifPresent(problem -> {
            throw new IllegalArgumentException(problem);
        });
    }

    /**
     * The first problem with {@code headers}, in words fit for a response body or a log line, or
     * empty when they are fine. A name must be an RFC 9110 token (§5.1), not reserved (see
     * {@link #RESERVED}, {@code Sec-WebSocket-*}) and not repeat another in a different letter
     * case; a value must be RFC 9110 field-value (§5.5): visible ASCII, {@code obs-text}
     * (U+0080 to U+00FF), spaces and tabs between them, nothing before the first visible
     * character or after the last, and no CR, LF, NUL or other control character.
     */
    public static Optional<String> headerProblem(Map<String, String> headers) {
        Set<String> seen = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        for (Map.Entry<String, String> header : headers.entrySet()) {
            String name = header.getKey();
            int bad = firstNonToken(name);
            if (name.isEmpty()) {
                return Optional.of("upstreamHeaders: a header name is empty");
            }
            if (bad >= 0) {
                // Only the part before the bad character: a pasted "Name: value" keeps its value out.
                return Optional.of("upstreamHeaders: header name " + quote(name.substring(0, bad))
                        + (bad == 0 ? "" : "...") + " has a character not allowed in a field name at position "
                        + (bad + 1) + " (RFC 9110 token)");
            }
            if (RESERVED.contains(name) || name.toLowerCase(Locale.ROOT).startsWith(SEC_WEBSOCKET)) {
                return Optional.of("upstreamHeaders: header " + quote(name)
                        + " is set by the relay for the opening handshake and cannot be added");
            }
            if (!seen.add(name)) {
                return Optional.of("upstreamHeaders: header " + quote(name) + " is given twice (names ignore case)");
            }
            String value = header.getValue();
            if (value == null || !isFieldValue(value)) {
                return Optional.of("upstreamHeaders: header " + quote(name) + " has an invalid value (a control "
                        + "character such as a line break, leading or trailing whitespace, or a character over "
                        + "U+00FF); the value is not shown");
            }
        }
        return Optional.empty();
    }

    private static int firstNonToken(String name) {
        for (int i = 0; i < name.length(); i++) {
            if (!isTchar(name.charAt(i))) {
                return i;
            }
        }
        return -1;
    }

    /** RFC 9110 §5.6.2 tchar. */
    private static boolean isTchar(char c) {
        return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }

    /** RFC 9110 §5.5 field-value; empty is allowed. */
    private static boolean isFieldValue(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean space = c == ' ' || c == '\t';
            boolean visible = c >= 0x21 && c <= 0x7e || c >= 0x80 && c <= 0xff;
            if (!visible && !space) {
                return false;
            }
            if (space && (i == 0 || i == value.length() - 1)) {
                return false;
            }
        }
        return true;
    }

    /** {@code text} in single quotes, control and non-ASCII characters escaped, cut to 64 characters. */
    static String quote(String text) {
        StringBuilder out = new StringBuilder("'");
        int end = Math.min(text.length(), MAX_QUOTED);
        for (int i = 0; i < end; i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c >= 0x7f || c == '\'' || c == '\\') {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append(text.length() > MAX_QUOTED ? "...'" : "'").toString();
    }

    private static Set<String> caseInsensitive(String... names) {
        Set<String> set = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        set.addAll(Set.of(names));
        return java.util.Collections.unmodifiableSet(set);
    }
}
