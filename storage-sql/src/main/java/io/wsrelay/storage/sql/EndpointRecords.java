package io.wsrelay.storage.sql;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wsrelay.relay.spi.CaptureMode;
import io.wsrelay.relay.spi.Endpoint;
import io.wsrelay.relay.spi.EndpointStatus;
import io.wsrelay.relay.spi.LiveSessionPolicy;
import io.wsrelay.relay.spi.StoreException;
import io.wsrelay.storage.sql.db.tables.records.EndpointRecord;
import org.jooq.Field;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

import static io.wsrelay.storage.sql.db.Tables.ENDPOINT;

/**
 * Converts between {@link Endpoint} and the generated {@link EndpointRecord}.
 *
 * <p>Column rules: lists are JSON arrays and headers a JSON object, with NULL for empty; a
 * {@code max_connections} of NULL is {@code 0}; an empty upstream origin or trusted CA is NULL;
 * a {@code capture} of NULL is {@code off} (and {@code off} is written as NULL); a NULL
 * {@code live_sessions} is the default policy;
 * timestamps are UTC and kept to the microsecond,
 * the precision both PostgreSQL and H2 store. Stateless and thread-safe.
 */
final class EndpointRecords {

    /** Thread-safe once configured; never reconfigured. */
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<List<String>> STRING_LIST = new TypeReference<>() { };
    private static final TypeReference<Map<String, String>> STRING_MAP = new TypeReference<>() { };

    private EndpointRecords() {
    }

    /**
     * The row for {@code endpoint}, every column set.
     *
     * @throws StoreException if a value is longer than its column allows (checked here so that no
     *                        database message ever echoes a header value)
     */
    static EndpointRecord toRecord(Endpoint endpoint) {
        EndpointRecord row = new EndpointRecord();
        row.setId(endpoint.id());
        row.setDestinationUrl(fitting(ENDPOINT.DESTINATION_URL, endpoint.id(), endpoint.destinationUrl()));
        row.setStatus(endpoint.status().name());
        row.setAllowedHosts(fitting(ENDPOINT.ALLOWED_HOSTS, endpoint.id(), listJson(endpoint.allowedHosts())));
        row.setAllowedOrigins(fitting(ENDPOINT.ALLOWED_ORIGINS, endpoint.id(), listJson(endpoint.allowedOrigins())));
        row.setMaxConnections(endpoint.maxConnections() == 0 ? null : endpoint.maxConnections());
        row.setUpstreamHeaders(fitting(ENDPOINT.UPSTREAM_HEADERS, endpoint.id(), mapJson(endpoint.upstreamHeaders())));
        row.setUpstreamOrigin(fitting(ENDPOINT.UPSTREAM_ORIGIN, endpoint.id(), emptyToNull(endpoint.upstreamOrigin())));
        row.setTrustedCa(fitting(ENDPOINT.TRUSTED_CA, endpoint.id(), emptyToNull(endpoint.trustedCa())));
        row.setCapture(endpoint.capture() == CaptureMode.OFF ? null : endpoint.capture().label());
        row.setLiveSessions(endpoint.liveSessions().name());
        row.setCreatedAt(timestamp(endpoint.createdAt()));
        row.setUpdatedAt(timestamp(endpoint.updatedAt()));
        return row;
    }

    /**
     * The endpoint a row describes.
     *
     * @throws StoreException if a JSON column or the status does not hold what the schema says
     */
    static Endpoint toEndpoint(EndpointRecord row) {
        String id = row.getId();
        Integer max = row.getMaxConnections();
        try {
            return new Endpoint(
                    id,
                    row.getDestinationUrl(),
                    EndpointStatus.valueOf(row.getStatus()),
                    parse(row.getAllowedHosts(), STRING_LIST, List.of(), ENDPOINT.ALLOWED_HOSTS, id),
                    parse(row.getAllowedOrigins(), STRING_LIST, List.of(), ENDPOINT.ALLOWED_ORIGINS, id),
                    max == null ? 0 : max,
                    parse(row.getUpstreamHeaders(), STRING_MAP, Map.of(), ENDPOINT.UPSTREAM_HEADERS, id),
                    row.getUpstreamOrigin() == null ? "" : row.getUpstreamOrigin(),
                    row.getTrustedCa() == null ? "" : row.getTrustedCa(),
                    row.getCapture() == null ? CaptureMode.OFF : CaptureMode.parse(row.getCapture()),
                    row.getLiveSessions() == null ? LiveSessionPolicy.DEFAULT : LiveSessionPolicy.valueOf(row.getLiveSessions()),
                    row.getCreatedAt().toInstant(),
                    row.getUpdatedAt().toInstant());
        } catch (IllegalArgumentException | NullPointerException e) {
            // An unknown status, or a JSON null inside a list or the headers object.
            throw new StoreException("endpoint " + id + " has a value the schema does not admit", e);
        }
    }

    /** {@code instant} in UTC, cut to the microsecond. */
    static OffsetDateTime timestamp(Instant instant) {
        return instant.truncatedTo(ChronoUnit.MICROS).atOffset(ZoneOffset.UTC);
    }

    private static String emptyToNull(String value) {
        return value.isEmpty() ? null : value;
    }

    private static String listJson(List<String> values) {
        return values.isEmpty() ? null : write(values);
    }

    private static String mapJson(Map<String, String> values) {
        return values.isEmpty() ? null : write(values);
    }

    private static String write(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            // Lists and maps of strings always serialize; this would be a Jackson defect.
            throw new StoreException("cannot write JSON", e);
        }
    }

    private static <T> T parse(String json, TypeReference<T> type, T empty, Field<String> column, String id) {
        if (json == null || json.isBlank()) {
            return empty;
        }
        try {
            T value = JSON.readValue(json, type);
            return value == null ? empty : value;
        } catch (JsonProcessingException e) {
            // The message names the column, never its content (headers may hold secrets).
            throw new StoreException("endpoint " + id + " has invalid JSON in " + column.getName(), e);
        }
    }

    private static String fitting(Field<String> column, String id, String value) {
        int limit = column.getDataType().length();
        if (value != null && limit > 0 && value.length() > limit) {
            throw new StoreException("endpoint " + id + ": " + column.getName() + " is " + value.length()
                    + " characters, over the " + limit + " the schema allows");
        }
        return value;
    }
}
