package io.wsrelay.relay;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Pings on each hop: the relay answers the client's pings and keeps the client side alive with its own. */
class RelayPingTest {

    @Test
    void answersTheClientsPingWithItsPayload() throws Exception {
        try (RelayHarness harness = RelayHarness.start();
             TestClient client = TestClient.open(harness.uri("/echo?endpointId=e1"))) {
            client.webSocket().sendPing(ByteBuffer.wrap("are you there".getBytes(StandardCharsets.UTF_8)))
                    .get(Timeouts.MESSAGE.toSeconds(), TimeUnit.SECONDS);
            ByteBuffer pong = client.firstPong().get(Timeouts.MESSAGE.toSeconds(), TimeUnit.SECONDS);
            assertEquals("are you there", StandardCharsets.UTF_8.decode(pong).toString());
            // Demand survives the control frame: data still flows.
            client.sendText("after the ping");
            assertEquals("after the ping", client.nextMessage(Timeouts.MESSAGE).text());
        }
    }

    @Test
    void pingsTheClientAtTheConfiguredInterval() throws Exception {
        try (RelayHarness harness = RelayHarness.start(Map.of("relay.ping-interval", "200ms"));
             TestClient client = TestClient.open(harness.uri("/echo?endpointId=e1"))) {
            client.firstPing().get(Timeouts.MESSAGE.toSeconds(), TimeUnit.SECONDS);
            client.sendText("still open");
            assertEquals("still open", client.nextMessage(Timeouts.MESSAGE).text());
        }
    }
}
