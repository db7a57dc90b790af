package io.wsrelay.relay;

import io.wsrelay.relay.spi.Endpoint;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;

/**
 * Builds the upstream URI of a relayed upgrade from the endpoint's destination and the client's
 * request, keeping the client's path and query byte for byte.
 *
 * <p>{@code GET /ws-proxy/{path}?{query}} for an endpoint whose destination is {@code base}
 * goes to {@code base + "/" + path + "?" + query}, where the query loses the relay's own
 * parameters ({@value #ENDPOINT_ID}, {@value #ENDPOINT_HOST}, {@value #ENDPOINT_SCHEME}) and
 * keeps every other byte, order and percent-encoding included. {@code http} and {@code https}
 * destinations map to {@code ws} and {@code wss}. A destination with its own query keeps it,
 * before the client's.
 *
 * <p>The client never chooses the host: it is the destination's, or, when the browser script
 * passes {@value #ENDPOINT_HOST} for a page socket to another host, one listed in the endpoint's
 * {@link Endpoint#allowedHosts()}; anything else is refused with 403.
 *
 * <p>Stateless and thread-safe.
 */
public final class UpstreamUri {
    /** Query parameter naming the endpoint. */
    public static final String ENDPOINT_ID = "endpointId";
    /** Query parameter carrying the host ({@code host[:port]}) of a page socket to another host. */
    public static final String ENDPOINT_HOST = "endpointHost";
    /** Query parameter carrying {@code ws} or {@code wss} for a page socket to another host. */
    public static final String ENDPOINT_SCHEME = "endpointScheme";

    private UpstreamUri() {
    }

    /**
     * The upstream URI for a request to {@code endpoint}.
     *
     * @param endpoint the endpoint looked up for this request
     * @param rawPath  the request path after {@code /ws-proxy}, still percent-encoded; empty or
     *                 starting with {@code /}
     * @param rawQuery the request's query, still percent-encoded; null when there is none
     * @throws UpgradeRejectedException 403 {@code host_not_allowed} when another host is asked
     *         for and the endpoint does not list it; 400 {@code bad_request} when the path or
     *         query cannot form a URI; 502 {@code bad_destination} when the endpoint's own
     *         destination is not a usable ws/wss/http/https URL
     */
    public static URI resolve(Endpoint endpoint, String rawPath, String rawQuery) {
        URI base = destination(endpoint);
        String scheme = base.getScheme();
        String authority = base.getRawAuthority();
        String basePath = base.getRawPath() == null ? "" : base.getRawPath();
        Optional<String> foreignHost = parameter(rawQuery, ENDPOINT_HOST).filter(h -> !h.isEmpty());
        if (foreignHost.isPresent()) {
            String host = foreignHost.get();
            if (!isAllowedHost(endpoint, host)) {
                throw new UpgradeRejectedException(403, "host_not_allowed",
                        "endpoint " + endpoint.id() + " does not allow host " + host);
            }
            scheme = parameter(rawQuery, ENDPOINT_SCHEME).map(s -> wsScheme(s.toLowerCase(Locale.ROOT)))
                    .orElse(scheme);
            if (scheme == null) {
                throw new UpgradeRejectedException(400, "bad_request", ENDPOINT_SCHEME + " must be ws or wss");
            }
            authority = host;
            basePath = "";
        }
        if (basePath.endsWith("/") && rawPath.startsWith("/")) {
            basePath = basePath.substring(0, basePath.length() - 1);
        }
        String query = join(base.getRawQuery(), stripRelayParameters(rawQuery));
        String text = scheme + "://" + authority + basePath + rawPath + (query.isEmpty() ? "" : "?" + query);
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw new UpgradeRejectedException(400, "bad_request", "path or query do not form a valid URI", e);
        }
        if (uri.getHost() == null || !uri.getRawAuthority().equalsIgnoreCase(authority)) {
            throw new UpgradeRejectedException(400, "bad_request", "path or query change the upstream host");
        }
        return uri;
    }

    /**
     * The endpoint's destination as a {@code ws} or {@code wss} URI.
     *
     * @throws UpgradeRejectedException 502 {@code bad_destination} if it is not a usable URL
     */
    public static URI destination(Endpoint endpoint) {
        URI base;
        try {
            base = new URI(endpoint.destinationUrl());
        } catch (URISyntaxException e) {
            throw badDestination(endpoint, e);
        }
        String scheme = base.getScheme() == null ? null : wsScheme(base.getScheme().toLowerCase(Locale.ROOT));
        if (scheme == null || base.getHost() == null || base.getRawFragment() != null) {
            throw badDestination(endpoint, null);
        }
        try {
            return new URI(scheme + "://" + base.getRawAuthority() + (base.getRawPath() == null ? "" : base.getRawPath())
                    + (base.getRawQuery() == null ? "" : "?" + base.getRawQuery()));
        } catch (URISyntaxException e) {
            throw badDestination(endpoint, e);
        }
    }

    /**
     * {@code rawQuery} without the relay's own parameters; every other byte is kept.
     *
     * <p>The browser script appends the relay's parameters after the page's own query, so only
     * the last occurrence of each is the relay's; an earlier one belongs to the page and goes
     * upstream unchanged.
     *
     * @return the remaining query, or an empty string when nothing remains or {@code rawQuery} is null
     */
    public static String stripRelayParameters(String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return "";
        }
        int id = lastSegment(rawQuery, ENDPOINT_ID);
        int host = lastSegment(rawQuery, ENDPOINT_HOST);
        int scheme = lastSegment(rawQuery, ENDPOINT_SCHEME);
        StringBuilder out = new StringBuilder(rawQuery.length());
        int start = 0;
        boolean first = true;
        while (start <= rawQuery.length()) {
            int amp = rawQuery.indexOf('&', start);
            int end = amp < 0 ? rawQuery.length() : amp;
            if (start != id && start != host && start != scheme) {
                if (!first) {
                    out.append('&');
                }
                out.append(rawQuery, start, end);
                first = false;
            }
            start = end + 1;
        }
        return out.toString();
    }

    /**
     * The percent-decoded value of the last {@code name} parameter in {@code rawQuery} (the
     * relay's, see {@link #stripRelayParameters}).
     *
     * @return the value; empty if absent (a parameter without {@code =} has the value "")
     * @throws UpgradeRejectedException 400 if the value is not valid percent-encoding
     */
    public static Optional<String> parameter(String rawQuery, String name) {
        if (rawQuery == null) {
            return Optional.empty();
        }
        int start = lastSegment(rawQuery, name);
        if (start < 0) {
            return Optional.empty();
        }
        int amp = rawQuery.indexOf('&', start);
        int end = amp < 0 ? rawQuery.length() : amp;
        int nameEnd = start + name.length();
        String raw = nameEnd < end ? rawQuery.substring(nameEnd + 1, end) : "";
        try {
            return Optional.of(URLDecoder.decode(raw, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw new UpgradeRejectedException(400, "bad_request", "parameter " + name + " is badly encoded", e);
        }
    }

    /** Index where the last {@code name} or {@code name=...} segment of {@code query} starts, or -1. */
    private static int lastSegment(String query, String name) {
        int found = -1;
        int start = 0;
        while (start <= query.length()) {
            int amp = query.indexOf('&', start);
            int end = amp < 0 ? query.length() : amp;
            int nameEnd = start + name.length();
            if (query.startsWith(name, start) && (nameEnd == end || (nameEnd < end && query.charAt(nameEnd) == '='))) {
                found = start;
            }
            start = end + 1;
        }
        return found;
    }

    private static boolean isAllowedHost(Endpoint endpoint, String hostAndPort) {
        for (String allowed : endpoint.allowedHosts()) {
            if (allowed.equalsIgnoreCase(hostAndPort)) {
                return true;
            }
        }
        return false;
    }

    private static String wsScheme(String scheme) {
        return switch (scheme) {
            case "ws", "http" -> "ws";
            case "wss", "https" -> "wss";
            default -> null;
        };
    }

    private static String join(String first, String second) {
        if (first == null || first.isEmpty()) {
            return second;
        }
        return second.isEmpty() ? first : first + "&" + second;
    }

    private static UpgradeRejectedException badDestination(Endpoint endpoint, Throwable cause) {
        return new UpgradeRejectedException(502, "bad_destination",
                "endpoint " + endpoint.id() + " has no usable ws/wss/http/https destination", cause);
    }
}
