package io.wsrelay.relay.spi;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * What an endpoint written through the admin API or the command line may hold: the id syntax, the
 * destination (no user information, a port from 1 to 65535), the upstream headers' syntax, the
 * upstream Origin, the allowed origins and the allowed hosts. Checked when an endpoint is <em>written</em>, never when it is
 * read, so a row written some other way (by SQL, by an older version) can still be read, listed
 * and removed.
 *
 * <p>Messages name the field and the header, never a header value (it may be an API key) nor a
 * destination's user information (it may hold a password), and quote client text only after
 * escaping control characters. Pure functions; thread-safe.
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
    /** Highest TCP port. */
    private static final int MAX_PORT = 65535;

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
     * Checks everything a newly created endpoint must satisfy: the id syntax and {@link #check}.
     *
     * @throws IllegalArgumentException naming the field (and the header), never a header value
     */
    public static void checkNew(Endpoint endpoint) {
        if (!isValidId(endpoint.id())) {
            throw new IllegalArgumentException("id " + quote(endpoint.id()) + " is not valid: an id is 1 to "
                    + MAX_ID_LENGTH + " of the characters A-Z a-z 0-9 . _ ~ -");
        }
        check(endpoint);
    }

    /**
     * Checks everything a written endpoint (new or changed) must satisfy besides the id: see
     * {@link #problem}.
     *
     * @throws IllegalArgumentException naming the field (and the header), never a header value or
     *                                  a destination's user information
     */
    public static void check(Endpoint endpoint) {
        problem(endpoint).ifPresent(problem -> {
            throw new IllegalArgumentException(problem);
        });
    }

    /**
     * The first problem with an endpoint's fields other than the id, or empty: the destination
     * ({@link #destinationProblem}), the headers ({@link #headerProblem}), the upstream Origin (empty,
     * {@value Endpoint#ORIGIN_CLIENT}, {@value Endpoint#ORIGIN_NONE} or an origin, see
     * {@link #originProblem}), each allowed origin ({@link #originPatternProblem}) and each allowed
     * host ({@link #hostProblem}).
     */
    public static Optional<String> problem(Endpoint endpoint) {
        Optional<String> destination = destinationProblem(endpoint.destinationUrl());
        if (destination.isPresent()) {
            return destination;
        }
        Optional<String> headers = headerProblem(endpoint.upstreamHeaders());
        if (headers.isPresent()) {
            return headers;
        }
        String origin = endpoint.upstreamOrigin();
        if (!origin.isEmpty() && !origin.equals(Endpoint.ORIGIN_CLIENT) && !origin.equals(Endpoint.ORIGIN_NONE)) {
            Optional<String> bad = originProblem(origin);
            if (bad.isPresent()) {
                return Optional.of("upstreamOrigin " + quote(origin) + " is not valid: " + bad.get()
                        + "; use 'client', 'none' or an origin such as https://app.example.com");
            }
        }
        for (String allowed : endpoint.allowedOrigins()) {
            Optional<String> bad = originPatternProblem(allowed);
            if (bad.isPresent()) {
                return Optional.of("allowedOrigins: " + quote(allowed) + " is not valid: " + bad.get());
            }
        }
        for (String host : endpoint.allowedHosts()) {
            Optional<String> bad = hostProblem(host);
            if (bad.isPresent()) {
                return Optional.of("allowedHosts: " + quote(host) + " is not valid: " + bad.get());
            }
        }
        return Optional.empty();
    }

    /**
     * The first problem with a destination URL that {@link io.wsrelay.relay.UpstreamUri} would
     * take, or empty: user information ({@code user:password@}, which the JDK client never sends;
     * the message never repeats it), or a port outside 1 to 65535. Scheme and host are checked by
     * {@code UpstreamUri.destination}.
     */
    public static Optional<String> destinationProblem(String url) {
        int start = url.indexOf("://");
        if (start >= 0) {
            int end = start + 3;
            while (end < url.length() && "/?#".indexOf(url.charAt(end)) < 0) {
                end++;
            }
            if (url.substring(start + 3, end).indexOf('@') >= 0) {
                return Optional.of("destinationUrl must not carry user information (user:password@); the relay "
                        + "never sends it: send credentials as an upstream header");
            }
        }
        try {
            int port = new URI(url).getPort();
            if (port == 0 || port > MAX_PORT) {
                return Optional.of("destinationUrl port " + port + " is out of range 1 to " + MAX_PORT);
            }
        } catch (URISyntaxException e) {
            return Optional.empty(); // refused, with its reason, by UpstreamUri.destination
        }
        return Optional.empty();
    }

    /**
     * The problem with {@code origin} as an origin, or empty: an origin is RFC 6454's
     * serialisation {@code scheme://host[:port]}, port 1 to 65535, nothing after (no path, no
     * trailing slash, no user information).
     */
    public static Optional<String> originProblem(String origin) {
        int sep = origin.indexOf("://");
        if (sep <= 0 || !isScheme(origin.substring(0, sep))) {
            return Optional.of("an origin is scheme://host[:port]");
        }
        String rest = origin.substring(sep + 3);
        if (rest.indexOf('/') >= 0 || rest.indexOf('?') >= 0 || rest.indexOf('#') >= 0) {
            return Optional.of("an origin is scheme://host[:port], without a path");
        }
        return hostProblem(rest).map(p -> "an origin is scheme://host[:port]: " + p);
    }

    /**
     * The problem with an allowed-origin pattern, or empty: {@code *}, {@code null}, an origin
     * (see {@link #originProblem}) or {@code scheme://*.domain[:port]}.
     */
    public static Optional<String> originPatternProblem(String pattern) {
        if (pattern.equals("*") || pattern.equals("null")) {
            return Optional.empty();
        }
        int sep = pattern.indexOf("://");
        if (sep > 0 && pattern.startsWith("*.", sep + 3)) {
            return originProblem(pattern.substring(0, sep + 3) + pattern.substring(sep + 5));
        }
        return originProblem(pattern);
    }

    /**
     * The problem with {@code hostAndPort} as {@code host[:port]}, or empty: a host name (letters,
     * digits, {@code -} and {@code .}), an IPv4 address or a bracketed IPv6 address, and an
     * optional port from 1 to 65535.
     */
    public static Optional<String> hostProblem(String hostAndPort) {
        if (hostAndPort.isEmpty()) {
            return Optional.of("the host is empty");
        }
        if (hostAndPort.indexOf('/') >= 0) {
            return Optional.of("a host is host[:port], without a scheme or path");
        }
        String host;
        String port;
        if (hostAndPort.startsWith("[")) {
            int close = hostAndPort.indexOf(']');
            if (close < 0) {
                return Optional.of("an IPv6 address in brackets has no ]");
            }
            host = hostAndPort.substring(1, close);
            String after = hostAndPort.substring(close + 1);
            if (!after.isEmpty() && !after.startsWith(":")) {
                return Optional.of("a host is host[:port]");
            }
            port = after.isEmpty() ? null : after.substring(1);
            if (host.isEmpty() || !host.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == ':' || c == '.')) {
                return Optional.of("the IPv6 address is not valid");
            }
        } else {
            int colon = hostAndPort.indexOf(':');
            host = colon < 0 ? hostAndPort : hostAndPort.substring(0, colon);
            port = colon < 0 ? null : hostAndPort.substring(colon + 1);
            if (host.isEmpty() || host.startsWith(".") || host.startsWith("-") || host.contains("..")
                    || !host.chars().allMatch(c -> c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
                    || c == '-' || c == '.')) {
                return Optional.of("a host is a host name or IP address with an optional :port (no scheme, no path)");
            }
        }
        if (port != null) {
            if (port.isEmpty() || port.length() > 5 || !port.chars().allMatch(c -> c >= '0' && c <= '9')
                    || Integer.parseInt(port) < 1 || Integer.parseInt(port) > MAX_PORT) {
                return Optional.of("the port must be 1 to " + MAX_PORT);
            }
        }
        return Optional.empty();
    }

    /** RFC 3986 scheme: a letter, then letters, digits, {@code + - .}. */
    private static boolean isScheme(String scheme) {
        if (scheme.isEmpty() || !(scheme.charAt(0) >= 'A' && scheme.charAt(0) <= 'Z'
                || scheme.charAt(0) >= 'a' && scheme.charAt(0) <= 'z')) {
            return false;
        }
        return scheme.chars().allMatch(c -> c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
                || c == '+' || c == '-' || c == '.');
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
     * case; a value must be RFC 9110 field-value (§5.5) without {@code obs-text}: visible ASCII,
     * spaces and tabs between them, nothing before the first visible character or after the last,
     * and no CR, LF, NUL or other control character. {@code obs-text} (U+0080 to U+00FF) is
     * refused because the JDK client cannot send it (it would write {@code ?} instead).
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
                        + "character such as a line break, leading or trailing whitespace, or a character outside "
                        + "visible ASCII, which the relay cannot send); the value is not shown");
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

    /** RFC 9110 §5.5 field-value without obs-text; empty is allowed. */
    private static boolean isFieldValue(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean space = c == ' ' || c == '\t';
            boolean visible = c >= 0x21 && c <= 0x7e;
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
