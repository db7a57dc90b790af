package io.wsrelay.relay.policy;

import io.wsrelay.relay.UpstreamUri;
import io.wsrelay.relay.config.RelayConfig;
import io.wsrelay.relay.spi.Endpoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Chooses the headers of the upstream opening handshake: which client headers go upstream,
 * {@code X-Forwarded-For} and {@code Forwarded}, the {@code Origin}, and the endpoint's own
 * headers. Subprotocols are offered separately, by the connector.
 *
 * <p>In order, later ones replacing earlier ones of the same name:
 * <ol>
 * <li>the client headers named in {@code relay.headers.forward} (default {@code User-Agent},
 *     {@code Accept-Language}); headers in {@link #NEVER_FORWARDED} (cookies, credentials, the
 *     relay's own {@code X-Wsrelay-*}, hop-by-hop and handshake headers) cannot be listed. A
 *     value with bytes outside visible ASCII, space and tab (RFC 9110 §5.5 obs-text, e.g. UTF-8
 *     in a User-Agent) is left out: RFC 9110 asks to treat such bytes as opaque, and the JDK
 *     client can only write ASCII (it would send each as {@code ?}), so the relay sends the
 *     header unchanged or not at all, never altered;</li>
 * <li>{@code X-Forwarded-For} and {@code Forwarded: for=...;proto=...;host=...} naming the
 *     client, when {@code relay.headers.add-forwarded}; a chain the client sent is kept only
 *     when {@code relay.headers.trust-forwarded} (the relay is behind a proxy that sets it);</li>
 * <li>{@code Origin} by the endpoint's {@link Endpoint#upstreamOrigin() rule}: by default the
 *     origin of the endpoint's destination (the site the proxied page came from), or the
 *     client's, none, or a literal origin;</li>
 * <li>the endpoint's {@link Endpoint#upstreamHeaders() headers} (an API key, say): they go only
 *     upstream, never to the browser.</li>
 * </ol>
 *
 * <p>Immutable and thread-safe.
 */
public final class HeaderPolicy {
    /** Headers that never go upstream from the client, whatever the configuration says. */
    static final Set<String> NEVER_FORWARDED = caseInsensitive(
            "Cookie", "Authorization", "Proxy-Authorization", "Host", "Connection", "Upgrade", "Content-Length",
            "Transfer-Encoding", "TE", "Trailer", "Keep-Alive", "Expect", "Proxy-Connection", "Origin",
            "X-Forwarded-For", "Forwarded", "Sec-WebSocket-Key", "Sec-WebSocket-Version",
            "Sec-WebSocket-Extensions", "Sec-WebSocket-Protocol", "Sec-WebSocket-Accept", "HTTP2-Settings");
    /** Prefix of the relay's own headers (an admin token, say): never forwarded. */
    static final String RELAY_PREFIX = "x-wsrelay-";

    private static final Logger LOG = LoggerFactory.getLogger(HeaderPolicy.class);

    private final List<String> forward;
    /** Forwarded header names already reported for obs-text (at most {@code forward.size()}). */
    private final Set<String> reportedObsText = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final boolean addForwarded;
    private final boolean trustForwarded;

    /**
     * @throws IllegalArgumentException if {@code forward} names a header that is never forwarded
     */
    public HeaderPolicy(List<String> forward, boolean addForwarded, boolean trustForwarded) {
        for (String name : forward) {
            if (NEVER_FORWARDED.contains(name) || name.toLowerCase(Locale.ROOT).startsWith(RELAY_PREFIX)) {
                throw new IllegalArgumentException("relay.headers.forward may not list " + name
                        + ": it never goes upstream");
            }
        }
        this.forward = List.copyOf(forward);
        this.addForwarded = addForwarded;
        this.trustForwarded = trustForwarded;
    }

    public static HeaderPolicy create(RelayConfig.Security security) {
        return new HeaderPolicy(security.forwardHeaders(), security.addForwarded(), security.trustForwarded());
    }

    /** What the policy needs to know of the client's handshake. */
    public record ClientRequest(Map<String, List<String>> headers, String clientAddress, SocketAddress peer, boolean secure) {
        String first(String name) {
            List<String> values = headers.get(name);
            return values == null || values.isEmpty() ? null : values.getFirst();
        }
    }

    /**
     * The upstream handshake headers for {@code request} to {@code endpoint}, in insertion order.
     *
     * @param request its {@code headers} map must be case-insensitive
     * @return header name → value; never one of the JDK client's restricted headers
     */
    public Map<String, String> upstreamHeaders(ClientRequest request, Endpoint endpoint) {
        Map<String, String> ordered = new LinkedHashMap<>();
        for (String name : forward) {
            List<String> values = request.headers().get(name);
            if (values != null && !values.isEmpty()) {
                String value = String.join(", ", values);
                if (isVisibleAscii(value)) {
                    put(ordered, name, value);
                } else {
                    reportObsText(name);
                }
            }
        }
        if (addForwarded) {
            addForwarded(request, ordered);
        }
        upstreamOrigin(endpoint, request.first("Origin")).ifPresent(o -> put(ordered, "Origin", o));
        endpoint.upstreamHeaders().forEach((name, value) -> put(ordered, name, value));
        return ordered;
    }

    /** RFC 9110 §5.5 field content without obs-text or controls: VCHAR, SP and HTAB only. */
    static boolean isVisibleAscii(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if ((c < 0x20 && c != '\t') || c > 0x7E) {
                return false;
            }
        }
        return true;
    }

    private void reportObsText(String name) {
        if (reportedObsText.add(name.toLowerCase(Locale.ROOT))) {
            LOG.info("client header {} with non-ASCII bytes (obs-text) is not forwarded upstream: the JDK client "
                    + "writes ASCII only and would alter it; further ones are logged at DEBUG", name);
        } else {
            LOG.debug("client header {} with non-ASCII bytes not forwarded upstream", name);
        }
    }

    /** The Origin sent upstream under the endpoint's rule; empty for none. */
    static Optional<String> upstreamOrigin(Endpoint endpoint, String clientOrigin) {
        String rule = endpoint.upstreamOrigin().strip();
        if (rule.isEmpty()) {
            URI destination = UpstreamUri.destination(endpoint);
            String scheme = "wss".equals(destination.getScheme()) ? "https" : "http";
            int port = destination.getPort();
            boolean defaultPort = port < 0 || (port == 443 && scheme.equals("https")) || (port == 80 && scheme.equals("http"));
            return Optional.of(scheme + "://" + destination.getHost() + (defaultPort ? "" : ":" + port));
        }
        if (rule.equalsIgnoreCase(Endpoint.ORIGIN_NONE)) {
            return Optional.empty();
        }
        if (rule.equalsIgnoreCase(Endpoint.ORIGIN_CLIENT)) {
            return Optional.ofNullable(clientOrigin);
        }
        return Optional.of(rule);
    }

    private void addForwarded(ClientRequest request, Map<String, String> ordered) {
        String peer = request.peer() instanceof InetSocketAddress a ? a.getAddress().getHostAddress() : request.clientAddress();
        String xff = request.first("X-Forwarded-For");
        String fwd = request.first("Forwarded");
        String host = request.first("Host");
        if (trustForwarded && xff != null) {
            put(ordered, "X-Forwarded-For", xff + ", " + peer);
        } else {
            put(ordered, "X-Forwarded-For", request.clientAddress());
        }
        String element = "for=" + forwardedNode(request.clientAddress()) + ";proto=" + (request.secure() ? "https" : "http")
                + (host == null ? "" : ";host=" + quoted(host));
        if (trustForwarded && fwd != null) {
            put(ordered, "Forwarded", fwd + ", for=" + forwardedNode(peer));
        } else {
            put(ordered, "Forwarded", element);
        }
    }

    /** RFC 7239 §6: IPv6 nodes are bracketed and quoted. */
    private static String forwardedNode(String address) {
        return address.contains(":") ? "\"[" + address + "]\"" : address;
    }

    private static String quoted(String value) {
        return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** Sets {@code name}, replacing a header of the same name in any case. */
    private static void put(Map<String, String> ordered, String name, String value) {
        ordered.keySet().removeIf(name::equalsIgnoreCase);
        ordered.put(name, value);
    }

    private static Set<String> caseInsensitive(String... names) {
        Set<String> set = new java.util.TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        set.addAll(List.of(names));
        return java.util.Collections.unmodifiableSet(set);
    }
}
