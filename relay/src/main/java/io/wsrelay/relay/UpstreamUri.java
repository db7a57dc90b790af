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
 * parameters (the trailing group {@value #ENDPOINT_ID}, {@value #ENDPOINT_HOST},
 * {@value #ENDPOINT_SCHEME}; see {@link #stripRelayParameters}) and keeps every other byte,
 * order and percent-encoding included. {@code http} and {@code https}
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

    /** Highest TCP port; the JDK client refuses a URI with a higher one. */
    private static final int MAX_PORT = 65535;

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
            Optional<String> asked = parameter(rawQuery, ENDPOINT_SCHEME);
            if (asked.isPresent()) {
                scheme = wsScheme(asked.get().toLowerCase(Locale.ROOT));
            }
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
        if (scheme == null || base.getHost() == null || base.getRawFragment() != null || base.getPort() == 0
                || base.getPort() > MAX_PORT) {
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
     * <p>The relay's parameters are one group: the <em>last</em> {@value #ENDPOINT_ID} segment
     * and, directly after it, an optional {@value #ENDPOINT_HOST} and then an optional
     * {@value #ENDPOINT_SCHEME} segment; the browser script always appends exactly that group
     * after the page's own query. Every other segment belongs to the page and goes upstream
     * unchanged, including a page's own {@code endpointHost} or {@code endpointScheme} before
     * the group (and anything after it).
     *
     * @return the remaining query, or an empty string when nothing remains or {@code rawQuery} is null
     */
    public static String stripRelayParameters(String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return "";
        }
        int[] group = group(rawQuery);
        if (group == null) {
            return rawQuery;
        }
        boolean hasBefore = group[0] > 0;
        boolean hasAfter = group[1] < rawQuery.length();
        String before = hasBefore ? rawQuery.substring(0, group[0] - 1) : "";
        String after = hasAfter ? rawQuery.substring(group[1] + 1) : "";
        return hasBefore && hasAfter ? before + "&" + after : before + after;
    }

    /**
     * The percent-decoded value of the relay parameter {@code name} (see
     * {@link #stripRelayParameters} for which segments are the relay's): for
     * {@value #ENDPOINT_ID}, {@value #ENDPOINT_HOST} and {@value #ENDPOINT_SCHEME}, only the
     * relay's group counts; for any other name, its last segment.
     *
     * @return the value; empty if absent (a parameter without {@code =} has the value "")
     * @throws UpgradeRejectedException 400 if the value is not valid percent-encoding
     */
    public static Optional<String> parameter(String rawQuery, String name) {
        if (rawQuery == null) {
            return Optional.empty();
        }
        int start;
        if (name.equals(ENDPOINT_ID) || name.equals(ENDPOINT_HOST) || name.equals(ENDPOINT_SCHEME)) {
            int[] group = group(rawQuery);
            start = group == null ? -1 : group[name.equals(ENDPOINT_ID) ? 2 : name.equals(ENDPOINT_HOST) ? 3 : 4];
        } else {
            start = lastSegment(rawQuery, name);
        }
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

    /**
     * The relay's group in {@code query}: {start of the group, end of the group (index of the
     * {@code &} after it, or the query's length), start of its endpointId segment, of its
     * endpointHost segment or -1, of its endpointScheme segment or -1}; null without any
     * endpointId segment.
     */
    private static int[] group(String query) {
        int id = lastSegment(query, ENDPOINT_ID);
        if (id < 0) {
            return null;
        }
        int end = segmentEnd(query, id);
        int host = -1;
        int scheme = -1;
        if (end < query.length() && isSegment(query, end + 1, ENDPOINT_HOST)) {
            host = end + 1;
            end = segmentEnd(query, host);
        }
        if (end < query.length() && isSegment(query, end + 1, ENDPOINT_SCHEME)) {
            scheme = end + 1;
            end = segmentEnd(query, scheme);
        }
        return new int[] {id, end, id, host, scheme};
    }

    private static int segmentEnd(String query, int start) {
        int amp = query.indexOf('&', start);
        return amp < 0 ? query.length() : amp;
    }

    /** Whether the segment starting at {@code start} is {@code name} or {@code name=...}. */
    private static boolean isSegment(String query, int start, String name) {
        int end = segmentEnd(query, start);
        int nameEnd = start + name.length();
        return query.startsWith(name, start) && (nameEnd == end || (nameEnd < end && query.charAt(nameEnd) == '='));
    }

    /** Index where the last {@code name} or {@code name=...} segment of {@code query} starts, or -1. */
    private static int lastSegment(String query, String name) {
        int found = -1;
        int start = 0;
        while (start <= query.length()) {
            int end = segmentEnd(query, start);
            if (isSegment(query, start, name)) {
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
