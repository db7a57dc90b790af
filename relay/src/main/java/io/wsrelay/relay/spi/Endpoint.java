package io.wsrelay.relay.spi;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One relayed endpoint: the row the proxying app registers under an id.
 *
 * <p>Immutable and safe to share between threads. Lists and maps are copied on construction.
 *
 * @param id              key chosen by the proxying app, 1 to 64 characters; the browser script
 *                        sends it as {@code ?endpointId=}
 * @param destinationUrl  base URL of the upstream; {@code ws://}, {@code wss://}, or
 *                        {@code http://} / {@code https://}, which map to {@code ws} / {@code wss}
 * @param status          whether new upgrades are relayed
 * @param allowedHosts    extra upstream hosts ({@code host} or {@code host:port}) a page may reach
 *                        besides the destination's own; empty means none
 * @param allowedOrigins  Origins allowed to open sockets to this endpoint; empty means the
 *                        relay-wide rule applies
 * @param maxConnections  concurrent sessions allowed for this endpoint; {@code 0} means only the
 *                        relay-wide limit applies
 * @param upstreamHeaders headers added to the upstream opening handshake (for example an API key
 *                        the browser must never see); empty means none
 * @param upstreamOrigin  the Origin sent upstream: empty for the origin of {@code destinationUrl}
 *                        (the site the page came from), {@value #ORIGIN_CLIENT} for the browser's
 *                        own, {@value #ORIGIN_NONE} for none, or a literal origin
 *                        ({@code https://app.example.com})
 * @param trustedCa       PEM certificate(s) trusted for this endpoint's {@code wss://} upstreams
 *                        instead of the JVM's default trust store; empty means default trust
 * @param capture         what API discovery records of this endpoint's sessions; {@code OFF} by
 *                        default ({@code docs/discovery.md})
 * @param liveSessions    what happens to the endpoint's open sessions when it is set
 *                        {@code INACTIVE} or removed ({@link LiveSessionPolicy}; default
 *                        {@code CLOSE})
 * @param createdAt       when the row was created
 * @param updatedAt       when the row was last changed
 */
public record Endpoint(
        String id,
        String destinationUrl,
        EndpointStatus status,
        List<String> allowedHosts,
        List<String> allowedOrigins,
        int maxConnections,
        Map<String, String> upstreamHeaders,
        String upstreamOrigin,
        String trustedCa,
        CaptureMode capture,
        LiveSessionPolicy liveSessions,
        Instant createdAt,
        Instant updatedAt) {

    /** Longest id accepted, in characters (the schema's {@code VARCHAR(64)}). */
    public static final int MAX_ID_LENGTH = 64;
    /** {@link #upstreamOrigin()} value: send the browser's Origin upstream as received. */
    public static final String ORIGIN_CLIENT = "client";
    /** {@link #upstreamOrigin()} value: send no Origin upstream. */
    public static final String ORIGIN_NONE = "none";

    /**
     * Validates and copies the components.
     *
     * @throws NullPointerException     if any component is null
     * @throws IllegalArgumentException if {@code id} is blank or longer than {@value #MAX_ID_LENGTH}
     *                                  characters, or {@code maxConnections} is negative
     */
    public Endpoint {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(destinationUrl, "destinationUrl");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(upstreamOrigin, "upstreamOrigin");
        Objects.requireNonNull(trustedCa, "trustedCa");
        Objects.requireNonNull(capture, "capture");
        Objects.requireNonNull(liveSessions, "liveSessions");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(updatedAt, "updatedAt");
        if (id.isBlank() || id.length() > MAX_ID_LENGTH) {
            throw new IllegalArgumentException("endpoint id must be 1 to " + MAX_ID_LENGTH + " characters");
        }
        if (maxConnections < 0) {
            throw new IllegalArgumentException("maxConnections must be >= 0, was " + maxConnections);
        }
        allowedHosts = List.copyOf(allowedHosts);
        allowedOrigins = List.copyOf(allowedOrigins);
        upstreamHeaders = Map.copyOf(upstreamHeaders);
    }

    /**
     * An endpoint with the default live-session policy ({@link LiveSessionPolicy#DEFAULT}).
     *
     * @throws IllegalArgumentException as the canonical constructor
     */
    public Endpoint(String id, String destinationUrl, EndpointStatus status, List<String> allowedHosts,
                    List<String> allowedOrigins, int maxConnections, Map<String, String> upstreamHeaders,
                    String upstreamOrigin, String trustedCa, CaptureMode capture, Instant createdAt, Instant updatedAt) {
        this(id, destinationUrl, status, allowedHosts, allowedOrigins, maxConnections, upstreamHeaders, upstreamOrigin,
                trustedCa, capture, LiveSessionPolicy.DEFAULT, createdAt, updatedAt);
    }

    /**
     * An endpoint with capture {@code OFF}.
     *
     * @throws IllegalArgumentException as the canonical constructor
     */
    public Endpoint(String id, String destinationUrl, EndpointStatus status, List<String> allowedHosts,
                    List<String> allowedOrigins, int maxConnections, Map<String, String> upstreamHeaders,
                    String upstreamOrigin, String trustedCa, LiveSessionPolicy liveSessions, Instant createdAt,
                    Instant updatedAt) {
        this(id, destinationUrl, status, allowedHosts, allowedOrigins, maxConnections, upstreamHeaders, upstreamOrigin,
                trustedCa, CaptureMode.OFF, liveSessions, createdAt, updatedAt);
    }

    /**
     * An endpoint with capture {@code OFF} and the default live-session policy.
     *
     * @throws IllegalArgumentException as the canonical constructor
     */
    public Endpoint(String id, String destinationUrl, EndpointStatus status, List<String> allowedHosts,
                    List<String> allowedOrigins, int maxConnections, Map<String, String> upstreamHeaders,
                    String upstreamOrigin, String trustedCa, Instant createdAt, Instant updatedAt) {
        this(id, destinationUrl, status, allowedHosts, allowedOrigins, maxConnections, upstreamHeaders, upstreamOrigin,
                trustedCa, CaptureMode.OFF, LiveSessionPolicy.DEFAULT, createdAt, updatedAt);
    }

    /**
     * An endpoint with the default upstream Origin rule and default TLS trust.
     *
     * @throws IllegalArgumentException as the canonical constructor
     */
    public Endpoint(String id, String destinationUrl, EndpointStatus status, List<String> allowedHosts,
                    List<String> allowedOrigins, int maxConnections, Map<String, String> upstreamHeaders,
                    Instant createdAt, Instant updatedAt) {
        this(id, destinationUrl, status, allowedHosts, allowedOrigins, maxConnections, upstreamHeaders, "", "",
                CaptureMode.OFF, LiveSessionPolicy.DEFAULT, createdAt, updatedAt);
    }

    /**
     * An {@code ACTIVE} endpoint with no extra settings, created and updated now.
     *
     * @throws IllegalArgumentException if {@code id} is blank or too long
     */
    public static Endpoint of(String id, String destinationUrl) {
        Instant now = Instant.now();
        return new Endpoint(id, destinationUrl, EndpointStatus.ACTIVE, List.of(), List.of(), 0, Map.of(), now, now);
    }

    /** A copy with another status and {@code updatedAt} set to now. */
    public Endpoint withStatus(EndpointStatus newStatus) {
        return new Endpoint(id, destinationUrl, newStatus, allowedHosts, allowedOrigins, maxConnections,
                upstreamHeaders, upstreamOrigin, trustedCa, capture, liveSessions, createdAt, Instant.now());
    }

    /** A copy with another capture mode and {@code updatedAt} set to now. */
    public Endpoint withCapture(CaptureMode newCapture) {
        return new Endpoint(id, destinationUrl, status, allowedHosts, allowedOrigins, maxConnections,
                upstreamHeaders, upstreamOrigin, trustedCa, newCapture, liveSessions, createdAt, Instant.now());
    }

    /** A copy with another live-session policy and {@code updatedAt} set to now. */
    public Endpoint withLiveSessions(LiveSessionPolicy policy) {
        return new Endpoint(id, destinationUrl, status, allowedHosts, allowedOrigins, maxConnections,
                upstreamHeaders, upstreamOrigin, trustedCa, capture, policy, createdAt, Instant.now());
    }

    /** Whether new upgrades to this endpoint are relayed. */
    public boolean isActive() {
        return status == EndpointStatus.ACTIVE;
    }

    /**
     * {@link #destinationUrl()} for display: user information (refused on write, but a row written
     * by SQL may carry it) masked as {@code user:***@}.
     */
    public String shownDestination() {
        return io.wsrelay.relay.config.ConfigValues.redact(destinationUrl);
    }

    /** Id, destination and status; never the upstream headers, which may hold secrets, nor a destination's password. */
    @Override
    public String toString() {
        return "Endpoint{id=" + id + ", destination=" + shownDestination() + ", status=" + status
                + ", allowedHosts=" + allowedHosts.size() + ", allowedOrigins=" + allowedOrigins.size()
                + ", maxConnections=" + maxConnections + ", upstreamHeaders=" + upstreamHeaders.keySet()
                + (upstreamOrigin.isEmpty() ? "" : ", upstreamOrigin=" + upstreamOrigin)
                + (trustedCa.isEmpty() ? "" : ", trustedCa=yes")
                + (capture == CaptureMode.OFF ? "" : ", capture=" + capture.label())
                + ", liveSessions=" + liveSessions + "}";
    }
}
