package io.wsrelay.relay;

import io.wsrelay.relay.spi.Endpoint;
import io.wsrelay.relay.spi.EndpointStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class UpstreamUriTest {

    private static Endpoint endpoint(String destination, String... allowedHosts) {
        Instant now = Instant.now();
        return new Endpoint("e1", destination, EndpointStatus.ACTIVE, List.of(allowedHosts), List.of(), 0, Map.of(), now, now);
    }

    @ParameterizedTest(name = "{0} + {1} ? {2} -> {3}")
    @CsvSource(delimiter = '|', value = {
            "ws://h:1       | /a/b | x=1&y=%2B%20&endpointId=E&z=2 | ws://h:1/a/b?x=1&y=%2B%20&z=2",
            "ws://h:1       | /ws  | endpointId=E                  | ws://h:1/ws",
            "ws://h:1       | ''   | endpointId=E                  | ws://h:1",
            "http://h:1     | /ws  | endpointId=E                  | ws://h:1/ws",
            "https://h      | /ws  | endpointId=E                  | wss://h/ws",
            "WSS://h        | /ws  | endpointId=E                  | wss://h/ws",
            "ws://h:1/api/  | /ws  | endpointId=E                  | ws://h:1/api/ws",
            "ws://h:1/api   | /ws  | endpointId=E                  | ws://h:1/api/ws",
            "ws://h:1/?k=v  | /ws  | a=1&endpointId=E              | ws://h:1/ws?k=v&a=1",
            "ws://h:1       | /ws  | &a=1&endpointId=E             | ws://h:1/ws?&a=1",
            "ws://h:1       | /ws  | a=%7e&b=%E2%82%AC&endpointId=E | ws://h:1/ws?a=%7e&b=%E2%82%AC",
            "ws://h:1       | //evil.example/x | endpointId=E      | ws://h:1//evil.example/x",
    })
    void buildsUpstreamUriKeepingPathAndQueryBytes(String destination, String path, String query, String expected) {
        assertEquals(URI.create(expected), UpstreamUri.resolve(endpoint(destination.strip()), path.strip(), query.strip()));
    }

    @Test
    void theLastEndpointIdIsTheRelaysAndAPagesOwnParameterOfThatNameGoesUpstream() {
        // The browser script appends its parameters last; an earlier endpointId is the page's own.
        String query = "endpointId=pages-own&x=1&endpointId=e1";
        assertEquals(Optional.of("e1"), UpstreamUri.parameter(query, UpstreamUri.ENDPOINT_ID));
        assertEquals(URI.create("ws://h:1/ws?endpointId=pages-own&x=1"),
                UpstreamUri.resolve(endpoint("ws://h:1"), "/ws", query));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            // A same-host page socket: the script appends endpointId only; the page's own
            // endpointHost / endpointScheme before it are the page's.
            "endpointScheme=foo&endpointId=e1                         | ws://h:1/ws?endpointScheme=foo",
            "endpointHost=evil.example&endpointId=e1                  | ws://h:1/ws?endpointHost=evil.example",
            "endpointHost=a&endpointScheme=wss&x=1&endpointId=e1      | ws://h:1/ws?endpointHost=a&endpointScheme=wss&x=1",
            "endpointId=pages&endpointHost=a&endpointId=e1            | ws://h:1/ws?endpointId=pages&endpointHost=a",
            // After the group only what the script never writes: the page's, and no second group.
            "endpointId=e1&x=1&endpointScheme=wss                     | ws://h:1/ws?x=1&endpointScheme=wss",
            // The script's group for a foreign host: endpointId, endpointHost, endpointScheme.
            "endpointScheme=foo&endpointId=e1&endpointHost=other:2&endpointScheme=wss | wss://other:2/ws?endpointScheme=foo",
            "endpointHost=x&endpointId=e1&endpointHost=other:2        | ws://other:2/ws?endpointHost=x",
    })
    void onlyTheTrailingGroupIsTheRelays(String query, String expected) {
        assertEquals(URI.create(expected.strip()), UpstreamUri.resolve(endpoint("ws://h:1", "other:2"), "/ws", query.strip()));
    }

    @Test
    void allowedForeignHostReplacesTheDestinationHostAndPath() {
        URI uri = UpstreamUri.resolve(endpoint("wss://api.example/base", "other.example:8443"), "/socket",
                "a=1&endpointId=e1&endpointHost=other.example:8443");
        assertEquals(URI.create("wss://other.example:8443/socket?a=1"), uri);
    }

    @Test
    void foreignHostNotOnTheAllowListIsRefusedWith403() {
        UpgradeRejectedException e = assertThrows(UpgradeRejectedException.class, () -> UpstreamUri.resolve(
                endpoint("ws://h:1", "good.example"), "/ws", "endpointId=e1&endpointHost=evil.example"));
        assertEquals(403, e.status());
        assertEquals("host_not_allowed", e.error());
    }

    @ParameterizedTest
    @CsvSource({"ftp://h/x", "h:1", "ws:///nohost", "not a url", "ws://h/#frag"})
    void unusableDestinationIsBadGateway(String destination) {
        UpgradeRejectedException e = assertThrows(UpgradeRejectedException.class,
                () -> UpstreamUri.resolve(endpoint(destination), "/ws", "endpointId=e1"));
        assertEquals(502, e.status());
    }

    @Test
    void malformedPercentEncodingInTheQueryIsBadRequest() {
        // The JDK client takes a java.net.URI, which cannot carry a malformed escape.
        UpgradeRejectedException e = assertThrows(UpgradeRejectedException.class,
                () -> UpstreamUri.resolve(endpoint("ws://h:1"), "/ws", "a=%zz&endpointId=e1"));
        assertEquals(400, e.status());
    }

    @Test
    void pathThatCannotFormAUriIsBadRequest() {
        UpgradeRejectedException e = assertThrows(UpgradeRejectedException.class,
                () -> UpstreamUri.resolve(endpoint("ws://h:1"), "/a b", "endpointId=e1"));
        assertEquals(400, e.status());
    }

    @Test
    void parameterWithoutValueIsEmptyAndAbsentParameterIsEmptyOptional() {
        assertEquals(Optional.of(""), UpstreamUri.parameter("a&endpointId", UpstreamUri.ENDPOINT_ID));
        assertEquals(Optional.empty(), UpstreamUri.parameter("endpointIdx=1", UpstreamUri.ENDPOINT_ID));
        assertEquals(Optional.empty(), UpstreamUri.parameter(null, UpstreamUri.ENDPOINT_ID));
    }
}
