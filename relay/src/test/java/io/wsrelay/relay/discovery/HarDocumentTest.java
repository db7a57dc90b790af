package io.wsrelay.relay.discovery;

import com.fasterxml.jackson.databind.JsonNode;
import io.wsrelay.relay.spi.Endpoint;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** The HAR entry of a session: URL, query names without values, Chrome's frame form. */
class HarDocumentTest {

    @Test
    void theRequestUrlKeepsNeitherUserInformationNorQueryValues() {
        EndpointAggregate a = EndpointAggregate.of("e");
        SessionEntry s = new SessionEntry();
        s.started = 1_764_583_200_000L;
        s.durationMs = 1500;
        s.path = "/live";
        s.queryNames = List.of("room", "token");
        s.status = 101;
        s.messages.add(new SessionEntry.Message("send", 1_764_583_200_250L, 1, "{\"type\":\"hi\"}", 13, false));
        a.addRecent(s, DiscoveryLimits.defaults());
        Endpoint endpoint = Endpoint.of("e", "https://admin:pw-secret@api.example.com:8443/base/");
        JsonNode entry = HarDocument.of(a, endpoint, "test").at("/log/entries/0");
        assertAll(
                () -> assertEquals("wss://api.example.com:8443/base/live?room=&token=", entry.at("/request/url").asText()),
                () -> assertFalse(entry.toString().contains("pw-secret")),
                () -> assertEquals("2025-12-01T10:00:00Z", entry.path("startedDateTime").asText()),
                () -> assertEquals(1_764_583_200.25, entry.at("/_webSocketMessages/0/time").asDouble()),
                () -> assertEquals("send", entry.at("/_webSocketMessages/0/type").asText()),
                () -> assertEquals(1, entry.at("/_webSocketMessages/0/opcode").asInt()));
    }

    @Test
    void anIpv6DestinationIsBracketedOnce() {
        EndpointAggregate a = EndpointAggregate.of("e");
        SessionEntry s = new SessionEntry();
        s.started = 1_764_583_200_000L;
        s.path = "/live";
        s.status = 101;
        a.addRecent(s, DiscoveryLimits.defaults());
        assertAll(
                () -> assertEquals("ws://[::1]:9000/live", HarDocument.of(a, Endpoint.of("e", "ws://[::1]:9000"), "test")
                        .at("/log/entries/0/request/url").asText()),
                () -> assertEquals("wss://[2001:db8::7]/base/live", HarDocument.of(a,
                        Endpoint.of("e", "https://[2001:db8::7]/base"), "test").at("/log/entries/0/request/url").asText()),
                () -> assertEquals("[::1]:9000", AsyncApiDocument.of(a, Endpoint.of("e", "ws://[::1]:9000"))
                        .at("/servers/upstream/host").asText()));
    }

    @Test
    void cuttingTextKeepsWholeCharacters() {
        assertAll(
                () -> assertEquals("ab", Text.cut("ab\ud83d\ude00", 3)),
                () -> assertEquals("ab\ud83d\ude00", Text.cut("ab\ud83d\ude00c", 4)),
                () -> assertEquals("abc", Text.cut("abc", 3)),
                () -> assertEquals("", Text.cut("\ud83d\ude00", 1)));
    }
}
