package io.wsrelay.relay;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Messages, paths, queries and subprotocols through a real relay, upstream and client on loopback. */
class RelayMessagesTest {
    private static RelayHarness harness;

    @BeforeAll
    static void startRelay() throws Exception {
        harness = RelayHarness.start();
    }

    @AfterAll
    static void stopRelay() throws Exception {
        harness.close();
    }

    @Test
    void forwardsTextMessagesInOrderBothWays() throws Exception {
        try (TestClient client = TestClient.open(harness.uri("/echo?endpointId=e1"))) {
            List<String> sent = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                String text = "message " + i + " \u00e9\u4e2d\uD83D\uDE00";
                sent.add(text);
                client.sendText(text);
            }
            List<String> received = new ArrayList<>();
            for (int i = 0; i < sent.size(); i++) {
                TestClient.Message m = client.nextMessage(Timeouts.MESSAGE);
                assertTrue(m.isText(), "text stays text");
                received.add(m.text());
            }
            assertEquals(sent, received);
        }
    }

    @Test
    void forwardsBinaryMessageUnchanged() throws Exception {
        try (TestClient client = TestClient.open(harness.uri("/echo?endpointId=e1"))) {
            byte[] payload = new byte[70_000];
            for (int i = 0; i < payload.length; i++) {
                payload[i] = (byte) (i * 7);
            }
            client.sendBinary(payload);
            TestClient.Message m = client.nextMessage(Timeouts.MESSAGE);
            assertFalse(m.isText(), "binary stays binary");
            assertArrayEquals(payload, m.bytes());
        }
    }

    @Test
    void forwardsEmptyMessagesOfBothTypes() throws Exception {
        try (TestClient client = TestClient.open(harness.uri("/echo?endpointId=e1"))) {
            client.sendText("");
            client.sendBinary(new byte[0]);
            TestClient.Message text = client.nextMessage(Timeouts.MESSAGE);
            TestClient.Message binary = client.nextMessage(Timeouts.MESSAGE);
            assertAll(() -> assertEquals("", text.text()), () -> assertArrayEquals(new byte[0], binary.bytes()));
        }
    }

    @Test
    void streamsSixteenMebibyteUpstreamMessageInParts() throws Exception {
        try (TestClient client = TestClient.open(harness.uri("/stream?size=16777216&endpointId=e1"))) {
            // The upstream holds back 15 of the 16 MiB until the client has seen the first part:
            // a relay that buffered whole messages would never deliver it.
            assertTrue(client.awaitFirstPart(Timeouts.MESSAGE), "first part arrived before the message was complete");
            harness.upstream.streamGate.countDown();
            TestClient.Message m = client.nextMessage(Timeouts.TRANSFER);
            assertEquals(16 << 20, m.bytes().length);
            byte[] expected = TestUpstream.patternBuffer(0, 16 << 20).array();
            assertArrayEquals(expected, m.bytes());
            assertTrue(client.parts() > 1, "delivered in several parts, was " + client.parts());
        }
    }

    @Test
    void forwardsSixteenMebibyteClientMessageInOneFrame() throws Exception {
        try (TestClient client = TestClient.open(harness.uri("/sink?endpointId=e1"))) {
            byte[] payload = TestUpstream.patternBuffer(0, 16 << 20).array();
            client.sendBinary(payload);
            String answer = client.nextMessage(Timeouts.TRANSFER).text();
            assertEquals("binary:" + payload.length + ":" + TestUpstream.sha256(payload), answer);
        }
    }

    @Test
    void forwardsLargeTextWithMultiByteCharactersIntact() throws Exception {
        try (TestClient client = TestClient.open(harness.uri("/sink?endpointId=e1"))) {
            String text = "\uD83D\uDE00\u00e9a\u4e2d".repeat(300_000);
            client.sendText(text);
            String answer = client.nextMessage(Timeouts.TRANSFER).text();
            assertEquals("text:" + text.length() + ":" + TestUpstream.sha256(text.getBytes(StandardCharsets.UTF_8)), answer);
        }
    }

    @Test
    void keepsPathAndQueryByteForByteWithoutEndpointId() throws Exception {
        harness.upstream.handshakes().clear();
        try (TestClient client = TestClient.open(harness.uri("/a/b?x=1&y=%2B%20&endpointId=e1&z=2"))) {
            TestUpstream.Handshake seen = harness.upstream.handshakes().poll(Timeouts.MESSAGE.toSeconds(), TimeUnit.SECONDS);
            assertEquals("/a/b?x=1&y=%2B%20&z=2", seen.pathQuery());
        }
    }

    @Test
    void sendsNoQueryUpstreamWhenOnlyEndpointIdWasGiven() throws Exception {
        harness.upstream.handshakes().clear();
        try (TestClient client = TestClient.open(harness.uri("/echo?endpointId=e1"))) {
            TestUpstream.Handshake seen = harness.upstream.handshakes().poll(Timeouts.MESSAGE.toSeconds(), TimeUnit.SECONDS);
            assertEquals("/echo", seen.pathQuery());
        }
    }

    @Test
    void offersClientSubprotocolsUpstreamInOrderAndReturnsUpstreamChoice() throws Exception {
        harness.upstream.handshakes().clear();
        try (TestClient client = TestClient.open(harness.uri("/echo?pick=superchat&endpointId=e1"), "chat", "superchat")) {
            TestUpstream.Handshake seen = harness.upstream.handshakes().poll(Timeouts.MESSAGE.toSeconds(), TimeUnit.SECONDS);
            assertEquals(List.of("chat", "superchat"), splitHeader(seen.subprotocolHeaders()));
            assertEquals("superchat", client.subprotocol());
        }
    }

    @Test
    void returnsNoSubprotocolWhenUpstreamChoseNone() throws Exception {
        try (TestClient client = TestClient.open(harness.uri("/echo?endpointId=e1"), "chat", "superchat")) {
            assertEquals("", client.subprotocol());
        }
    }

    @Test
    void sendsNoSubprotocolHeaderWhenClientOfferedNone() throws Exception {
        harness.upstream.handshakes().clear();
        java.net.http.HttpResponse<?> unused = null;
        try (TestClient client = TestClient.open(harness.uri("/echo?pick=first&endpointId=e1"))) {
            TestUpstream.Handshake seen = harness.upstream.handshakes().poll(Timeouts.MESSAGE.toSeconds(), TimeUnit.SECONDS);
            assertEquals(List.of(), seen.subprotocolHeaders());
            assertEquals("", client.subprotocol());
            assertNull(unused);
        }
    }

    private static List<String> splitHeader(List<String> values) {
        List<String> out = new ArrayList<>();
        for (String v : values) {
            for (String p : v.split(",")) {
                out.add(p.strip());
            }
        }
        return out;
    }
}
