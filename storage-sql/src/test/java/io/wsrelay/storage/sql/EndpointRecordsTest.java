package io.wsrelay.storage.sql;

import io.wsrelay.relay.spi.Endpoint;
import io.wsrelay.relay.spi.EndpointStatus;
import io.wsrelay.relay.spi.StoreException;
import io.wsrelay.storage.sql.db.tables.records.EndpointRecord;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static io.wsrelay.storage.sql.TestEndpoints.CREATED;
import static io.wsrelay.storage.sql.TestEndpoints.UPDATED;
import static io.wsrelay.storage.sql.TestEndpoints.full;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class EndpointRecordsTest {

    @Test
    void recordRoundTripKeepsEveryField() {
        assertEquals(full("e1"), EndpointRecords.toEndpoint(EndpointRecords.toRecord(full("e1"))));
    }

    @Test
    void listsBecomeJsonArraysAndHeadersAJsonObject() {
        EndpointRecord row = EndpointRecords.toRecord(full("e1"));
        assertAll(
                () -> assertEquals("[\"cdn.example.com\",\"ws.example.com:8443\"]", row.getAllowedHosts()),
                () -> assertEquals("[\"https://app.example.com\"]", row.getAllowedOrigins()),
                () -> assertEquals(Map.of("X-Api-Key", "secret", "X-Tenant", "t1"),
                        EndpointRecords.toEndpoint(row).upstreamHeaders()),
                () -> assertEquals(25, row.getMaxConnections()),
                () -> assertEquals("https://www.example.com", row.getUpstreamOrigin()),
                () -> assertEquals(TestEndpoints.CA_PEM, row.getTrustedCa()),
                () -> assertEquals("INACTIVE", row.getStatus()));
    }

    @Test
    void emptySettingsAreStoredAsNull() {
        EndpointRecord row = EndpointRecords.toRecord(Endpoint.of("e2", "ws://localhost:9000"));
        assertAll(
                () -> assertNull(row.getAllowedHosts()),
                () -> assertNull(row.getAllowedOrigins()),
                () -> assertNull(row.getMaxConnections()),
                () -> assertNull(row.getUpstreamHeaders()),
                () -> assertNull(row.getUpstreamOrigin()),
                () -> assertNull(row.getTrustedCa()));
    }

    @Test
    void nullColumnsReadAsEmptySettingsAndZeroMaxConnections() {
        Endpoint endpoint = EndpointRecords.toEndpoint(EndpointRecords.toRecord(Endpoint.of("e3", "ws://h")));
        assertAll(
                () -> assertEquals(List.of(), endpoint.allowedHosts()),
                () -> assertEquals(List.of(), endpoint.allowedOrigins()),
                () -> assertEquals(0, endpoint.maxConnections()),
                () -> assertEquals(Map.of(), endpoint.upstreamHeaders()),
                () -> assertEquals("", endpoint.upstreamOrigin()),
                () -> assertEquals("", endpoint.trustedCa()));
    }

    @Test
    void timestampsAreCutToTheMicrosecond() {
        Instant nanos = Instant.parse("2024-05-06T07:08:09.123456789Z");
        Endpoint endpoint = new Endpoint("e4", "ws://h", EndpointStatus.ACTIVE, List.of(), List.of(), 0, Map.of(),
                nanos, nanos);
        Endpoint read = EndpointRecords.toEndpoint(EndpointRecords.toRecord(endpoint));
        assertEquals(Instant.parse("2024-05-06T07:08:09.123456Z"), read.createdAt());
    }

    @Test
    void invalidJsonIsAStoreExceptionNamingTheColumnButNotItsContent() {
        EndpointRecord row = EndpointRecords.toRecord(full("e1"));
        row.setUpstreamHeaders("{\"X-Api-Key\": \"secret\"");
        StoreException e = assertThrows(StoreException.class, () -> EndpointRecords.toEndpoint(row));
        assertAll(
                () -> assertEquals("endpoint e1 has invalid JSON in upstream_headers", e.getMessage()),
                () -> assertFalse(e.getMessage().contains("secret")));
    }

    @Test
    void jsonNullInsideAListIsAStoreException() {
        EndpointRecord row = EndpointRecords.toRecord(full("e1"));
        row.setAllowedHosts("[\"a.example\", null]");
        assertThrows(StoreException.class, () -> EndpointRecords.toEndpoint(row));
    }

    @Test
    void unknownStatusIsAStoreException() {
        EndpointRecord row = EndpointRecords.toRecord(full("e1"));
        row.setStatus("PAUSED");
        assertThrows(StoreException.class, () -> EndpointRecords.toEndpoint(row));
    }

    @Test
    void headersLongerThanTheColumnAreRefusedWithoutEchoingThem() {
        Endpoint endpoint = new Endpoint("e5", "ws://h", EndpointStatus.ACTIVE, List.of(), List.of(), 0,
                Map.of("X-Api-Key", "s".repeat(9000)), CREATED, UPDATED);
        StoreException e = assertThrows(StoreException.class, () -> EndpointRecords.toRecord(endpoint));
        assertEquals("endpoint e5: upstream_headers is 9016 characters, over the 8192 the schema allows",
                e.getMessage());
    }
}
