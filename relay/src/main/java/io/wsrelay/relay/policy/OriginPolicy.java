package io.wsrelay.relay.policy;

import io.wsrelay.relay.Json;
import io.wsrelay.relay.UpgradeRejectedException;
import io.wsrelay.relay.config.RelayConfig;
import io.wsrelay.relay.spi.Endpoint;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Decides whether the page that opens a socket (its {@code Origin} header) may use an endpoint.
 * WebSockets are not covered by CORS: without this check any web site could drive the relay
 * from its visitors' browsers (cross-site WebSocket hijacking).
 *
 * <p>Rules, in order:
 * <ol>
 * <li>No {@code Origin}: allowed when {@code relay.origins.allow-missing} (default true) and
 *     the endpoint lists no origins of its own (one that does expects browsers only). Browsers
 *     always send one with a WebSocket handshake, so only non-browser clients lack it.</li>
 * <li>The relay's own origin (Origin scheme, host and port equal to the {@code Host} header):
 *     allowed when {@code relay.origins.allow-same-origin} (default true) and the {@code Host}
 *     is one the relay knows as its own: listed in {@code relay.origins.public-hosts}, an IP
 *     literal or {@code localhost}. Any other name in {@code Host} may be the attacker's own
 *     domain pointed at the relay's address (DNS rebinding): its page then sends {@code Host}
 *     and {@code Origin} of its own, so their being equal proves nothing.</li>
 * <li>Otherwise the Origin must match the endpoint's allowed origins or, when the endpoint has
 *     none, {@code relay.origins.allowed} (default empty: no cross-origin page). A pattern is an
 *     origin ({@code https://app.example.com}, default ports implied), {@code
 *     scheme://*.domain[:port]} for any subdomain of {@code domain}, or {@code *} for any
 *     origin, {@code null} included.</li>
 * </ol>
 * A refusal is 403 {@code origin_not_allowed}, before any upstream contact.
 *
 * <p>Immutable and thread-safe.
 */
public final class OriginPolicy {
    private final List<String> allowed;
    private final boolean allowMissing;
    private final boolean allowSameOrigin;
    private final List<String> publicHosts;

    OriginPolicy(List<String> allowed, boolean allowMissing, boolean allowSameOrigin) {
        this(allowed, allowMissing, allowSameOrigin, List.of());
    }

    OriginPolicy(List<String> allowed, boolean allowMissing, boolean allowSameOrigin, List<String> publicHosts) {
        this.allowed = List.copyOf(allowed);
        this.allowMissing = allowMissing;
        this.allowSameOrigin = allowSameOrigin;
        this.publicHosts = List.copyOf(publicHosts);
    }

    public static OriginPolicy create(RelayConfig.Security security) {
        return new OriginPolicy(security.allowedOrigins(), security.allowMissingOrigin(), security.allowSameOrigin(),
                security.publicHosts());
    }

    /**
     * Checks the handshake's Origin for {@code endpoint}.
     *
     * @param origin the {@code Origin} header; null when absent
     * @param host   the {@code Host} header (the relay as the client addressed it); null when absent
     * @throws UpgradeRejectedException 403 {@code origin_not_allowed} if the Origin is not allowed
     */
    public void check(Endpoint endpoint, String origin, String host) {
        if (origin == null || origin.isBlank()) {
            if (allowMissing && endpoint.allowedOrigins().isEmpty()) {
                return;
            }
            throw refused(endpoint, "(none)");
        }
        if (allowSameOrigin && host != null && isSameOrigin(origin, host) && isOwnHost(origin, host)) {
            return;
        }
        List<String> patterns = endpoint.allowedOrigins().isEmpty() ? allowed : endpoint.allowedOrigins();
        for (String pattern : patterns) {
            if (matches(pattern, origin)) {
                return;
            }
        }
        throw refused(endpoint, Json.quoteForDetail(origin));
    }

    /** Whether {@code origin} matches one allow-list entry (see the type's doc for the forms). */
    static boolean matches(String pattern, String origin) {
        String p = pattern.strip();
        if (p.equals("*")) {
            return true;
        }
        if (p.equalsIgnoreCase(origin.strip())) {
            return true;
        }
        Optional<Origin> o = Origin.parse(origin);
        if (o.isEmpty()) {
            return false;
        }
        int wildcard = p.indexOf("://*.");
        if (wildcard < 0) {
            return Origin.parse(p).filter(o.get()::equals).isPresent();
        }
        Optional<Origin> base = Origin.parse(p.substring(0, wildcard + 3) + p.substring(wildcard + 5));
        return base.isPresent() && base.get().scheme().equals(o.get().scheme()) && base.get().port() == o.get().port()
                && o.get().host().endsWith("." + base.get().host());
    }

    /** Whether {@code origin} names the relay itself as addressed by {@code host}. */
    static boolean isSameOrigin(String origin, String host) {
        Optional<Origin> o = Origin.parse(origin);
        Optional<Origin> h = o.flatMap(x -> Origin.parse(x.scheme() + "://" + host.strip()));
        return o.isPresent() && h.isPresent() && o.get().equals(h.get());
    }

    /**
     * Whether {@code host} (a {@code Host} header the same-origin rule found equal to the
     * Origin) is one the relay knows as its own: one of {@code relay.origins.public-hosts}
     * (default ports implied by the Origin's scheme), an IP literal, or {@code localhost}. Only a
     * domain name can be rebound to the relay's address by someone else.
     */
    boolean isOwnHost(String origin, String host) {
        Optional<Origin> o = Origin.parse(origin);
        Optional<Origin> h = o.flatMap(x -> Origin.parse(x.scheme() + "://" + host.strip()));
        if (h.isEmpty()) {
            return false;
        }
        String name = h.get().host();
        if (name.equals("localhost") || name.startsWith("[") || name.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
            return true;
        }
        for (String own : publicHosts) {
            if (Origin.parse(o.get().scheme() + "://" + own.strip()).filter(h.get()::equals).isPresent()) {
                return true;
            }
        }
        return false;
    }

    private static UpgradeRejectedException refused(Endpoint endpoint, String origin) {
        return new UpgradeRejectedException(403, "origin_not_allowed",
                "origin " + origin + " may not use endpoint " + endpoint.id());
    }

    /** A tuple origin with its port made explicit; hosts lower-case. */
    record Origin(String scheme, String host, int port) {
        static Optional<Origin> parse(String text) {
            try {
                URI u = new URI(text.strip());
                if (u.getScheme() == null || u.getHost() == null || (u.getRawPath() != null && !u.getRawPath().isEmpty()
                        && !u.getRawPath().equals("/"))) {
                    return Optional.empty();
                }
                String scheme = u.getScheme().toLowerCase(Locale.ROOT);
                int port = u.getPort() >= 0 ? u.getPort() : switch (scheme) {
                    case "https", "wss" -> 443;
                    case "http", "ws" -> 80;
                    default -> -1;
                };
                return Optional.of(new Origin(scheme, u.getHost().toLowerCase(Locale.ROOT), port));
            } catch (URISyntaxException e) {
                return Optional.empty();
            }
        }
    }
}
