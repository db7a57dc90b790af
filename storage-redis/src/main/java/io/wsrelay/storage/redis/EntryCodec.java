package io.wsrelay.storage.redis;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wsrelay.relay.spi.CaptureMode;
import io.wsrelay.relay.spi.Endpoint;
import io.wsrelay.relay.spi.EndpointStatus;
import io.wsrelay.relay.spi.LiveSessionPolicy;
import io.wsrelay.relay.spi.StoreException;

import java.time.DateTimeException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The JSON of a cached lookup: {@code {"v":4,"endpoint":{...}}} for a found endpoint,
 * {@code {"v":4,"endpoint":null}} for an unknown id. Timestamps are ISO-8601 instants.
 * Stateless and thread-safe.
 */
final class EntryCodec {

    /**
     * Bumped when the format changes; entries of any other version read as corrupt (a miss).
     * 2 added the endpoint's upstream Origin rule and trusted CA; 3 its capture mode; 4 its
     * live-session policy.
     */
    static final int VERSION = 4;

    /**
     * Thread-safe once configured; never reconfigured. Parse errors leave the source out of their
     * location, so that no exception message quotes an entry (which may hold upstream headers).
     */
    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION).build())
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private record Entry(int v, Row endpoint) {
    }

    private record Row(String id, String destinationUrl, String status, List<String> allowedHosts,
                       List<String> allowedOrigins, int maxConnections, Map<String, String> upstreamHeaders,
                       String upstreamOrigin, String trustedCa, String capture, String liveSessions,
                       String createdAt, String updatedAt) {
    }

    private EntryCodec() {
    }

    /** The JSON for a lookup's answer; empty encodes "unknown id". */
    static String encode(Optional<Endpoint> answer) {
        Row row = answer.map(e -> new Row(e.id(), e.destinationUrl(), e.status().name(), e.allowedHosts(),
                e.allowedOrigins(), e.maxConnections(), e.upstreamHeaders(), e.upstreamOrigin(), e.trustedCa(),
                e.capture().label(), e.liveSessions().name(), e.createdAt().toString(), e.updatedAt().toString()))
                .orElse(null);
        try {
            return JSON.writeValueAsString(new Entry(VERSION, row));
        } catch (JsonProcessingException e) {
            // Strings, lists and maps of strings always serialize; this would be a Jackson defect.
            throw new StoreException("cannot write the cache entry of endpoint " + answer.map(Endpoint::id), e);
        }
    }

    /**
     * The lookup answer cached for {@code id}: the endpoint, or empty for a cached "unknown id".
     *
     * @throws StoreException if {@code json} is not an entry of this format and version, or is the
     *                        entry of another id; the message never quotes the value, which may
     *                        hold upstream headers
     */
    static Optional<Endpoint> decode(String id, String json) {
        Entry entry;
        try {
            entry = JSON.readValue(json, Entry.class);
        } catch (JsonProcessingException e) {
            // Neither e's message nor e itself: Jackson quotes the offending token or value, and
            // that may be an upstream header. Its kind and position are enough to tell what broke.
            throw new StoreException("not a cache entry (" + json.length() + " characters; "
                    + e.getClass().getSimpleName() + (e.getLocation() == null ? "" : " at column "
                    + e.getLocation().getColumnNr()) + ")");
        }
        if (entry == null || entry.v() != VERSION) {
            throw new StoreException("not a cache entry of version " + VERSION);
        }
        Row row = entry.endpoint();
        if (row == null) {
            return Optional.empty();
        }
        if (!id.equals(row.id())) {
            throw new StoreException("the entry is of another endpoint");
        }
        try {
            return Optional.of(new Endpoint(row.id(), row.destinationUrl(), EndpointStatus.valueOf(row.status()),
                    row.allowedHosts(), row.allowedOrigins(), row.maxConnections(), row.upstreamHeaders(),
                    row.upstreamOrigin(), row.trustedCa(), CaptureMode.parse(row.capture()),
                    LiveSessionPolicy.valueOf(row.liveSessions()),
                    Instant.parse(row.createdAt()), Instant.parse(row.updatedAt())));
        } catch (IllegalArgumentException | NullPointerException | DateTimeException e) {
            // A missing field, an unknown status, a JSON null in a list, an unreadable timestamp.
            throw new StoreException("the entry has a value an endpoint does not admit", e);
        }
    }
}
