package io.wsrelay.relay;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fragmented text at the frame level (a raw client, the echo upstream): the relay takes Jetty's
 * frames raw and checks UTF-8 itself, so a code point split across fragments must pass intact, a
 * broken one must be refused with 1007 whatever fragment it sits in, and control frames between
 * the fragments of a message must be answered without disturbing it.
 */
class RelayFragmentsTest {
    /** One, two, three and four bytes per character. */
    private static final String MIXED = "a\u00e9\u4e2d\ud83d\ude00";

    private static RelayHarness harness;

    @BeforeAll
    static void start() throws Exception {
        harness = RelayHarness.start(Map.of());
    }

    @AfterAll
    static void stop() throws Exception {
        harness.close();
    }

    /** Each test's session has ended on both sides before the next starts, so closes are not mixed up. */
    @AfterEach
    void sessionsEnded() {
        await().atMost(Timeouts.CLOSE).until(() -> harness.relay.activeSessions() == 0
                && harness.upstream.openSessions() == 0);
    }

    @Test
    void codePointsSplitAtEveryByteAcrossFragmentsArriveIntact() throws Exception {
        byte[] bytes = MIXED.getBytes(StandardCharsets.UTF_8);
        try (RawClient c = RawClient.open(harness.relay.port(), "/ws-proxy/echo?endpointId=e1")) {
            for (int cut = 1; cut < bytes.length; cut++) {
                c.sendFrame(false, 0, RawClient.TEXT, Arrays.copyOfRange(bytes, 0, cut), true);
                c.sendFrame(true, 0, RawClient.CONTINUATION, Arrays.copyOfRange(bytes, cut, bytes.length), true);
                assertArrayEquals(bytes, readTextMessage(c), "cut after byte " + cut);
            }
        }
    }

    @Test
    void longFragmentedTextIsRelayedByteExactBothWays() throws Exception {
        byte[] bytes = (MIXED + " ").repeat(120_000).getBytes(StandardCharsets.UTF_8); // 1.3 MB
        try (RawClient c = RawClient.open(harness.relay.port(), "/ws-proxy/echo?endpointId=e1")) {
            int fragment = 4999; // odd: cuts code points of every length
            for (int from = 0; from < bytes.length; from += fragment) {
                int to = Math.min(bytes.length, from + fragment);
                c.sendFrame(to == bytes.length, 0, from == 0 ? RawClient.TEXT : RawClient.CONTINUATION,
                        Arrays.copyOfRange(bytes, from, to), true);
            }
            assertArrayEquals(bytes, readTextMessage(c), "the echo, relayed back in parts");
        }
    }

    @Test
    void controlFramesBetweenFragmentsAreAnsweredAndTheMessageStaysWhole() throws Exception {
        try (RawClient c = RawClient.open(harness.relay.port(), "/ws-proxy/echo?endpointId=e1")) {
            c.sendFrame(false, 0, RawClient.TEXT, "hel".getBytes(StandardCharsets.UTF_8), true);
            c.sendFrame(true, 0, RawClient.PING, "p1".getBytes(StandardCharsets.UTF_8), true);
            c.sendFrame(false, 0, RawClient.CONTINUATION, new byte[] {'l', 'o', ' ', (byte) 0xE4}, true); // 中 begins
            c.sendFrame(true, 0, RawClient.PONG, new byte[0], true);
            c.sendFrame(true, 0, RawClient.PING, "p2".getBytes(StandardCharsets.UTF_8), true);
            c.sendFrame(true, 0, RawClient.CONTINUATION, new byte[] {(byte) 0xB8, (byte) 0xAD}, true);
            RawClient.Frame pong1 = nextNonPing(c);
            assertEquals(RawClient.PONG, pong1.opcode());
            assertEquals("p1", new String(pong1.payload(), StandardCharsets.UTF_8));
            RawClient.Frame pong2 = nextNonPing(c);
            assertEquals(RawClient.PONG, pong2.opcode());
            assertEquals("p2", new String(pong2.payload(), StandardCharsets.UTF_8));
            assertEquals("hello \u4e2d", new String(readTextMessage(c), StandardCharsets.UTF_8));
        }
    }

    @Test
    void overlongEncodingIsClosedWith1007() throws Exception {
        assertClientClosedWith1007(new byte[][] {{'o', 'k', (byte) 0xC0, (byte) 0xAF}});
    }

    @Test
    void overlongEncodingSplitAcrossFragmentsIsClosedWith1007() throws Exception {
        assertClientClosedWith1007(new byte[][] {{'o', 'k', (byte) 0xE0}, {(byte) 0x80, (byte) 0xAF}});
    }

    @Test
    void invalidUtf8InALaterFragmentIsClosedWith1007() throws Exception {
        assertClientClosedWith1007(new byte[][] {"fine ".getBytes(StandardCharsets.UTF_8),
                "still fine ".getBytes(StandardCharsets.UTF_8), {(byte) 0xED, (byte) 0xA0, (byte) 0x80}});
    }

    @Test
    void messageEndingInsideACodePointIsClosedWith1007() throws Exception {
        assertClientClosedWith1007(new byte[][] {{'o', 'k'}, {(byte) 0xF0, (byte) 0x9F, (byte) 0x98}});
    }

    /** Sends {@code fragments} as one text message; the client must get 1007, the upstream its JDK stand-in. */
    private static void assertClientClosedWith1007(byte[][] fragments) throws Exception {
        harness.upstream.closes().clear();
        try (RawClient c = RawClient.open(harness.relay.port(), "/ws-proxy/echo?endpointId=e1")) {
            for (int i = 0; i < fragments.length; i++) {
                c.sendFrame(i == fragments.length - 1, 0, i == 0 ? RawClient.TEXT : RawClient.CONTINUATION,
                        fragments[i], true);
            }
            assertEquals(CloseCodes.INVALID_PAYLOAD, c.awaitCloseCode(Timeouts.CLOSE));
        }
        TestUpstream.Closed closed = harness.upstream.closes().poll(Timeouts.CLOSE.toMillis(), TimeUnit.MILLISECONDS);
        assertTrue(closed != null, "the upstream was closed too");
        assertEquals(CloseCodes.toUpstream(CloseCodes.INVALID_PAYLOAD), closed.code());
    }

    /** Reads one text message's frames (skipping the relay's keepalive pings), checking their opcodes, and joins their payloads. */
    private static byte[] readTextMessage(RawClient c) throws IOException {
        ByteArrayOutputStream message = new ByteArrayOutputStream();
        RawClient.Frame f = nextNonPing(c);
        assertEquals(RawClient.TEXT, f.opcode(), "the message starts with a text frame");
        message.writeBytes(f.payload());
        while (!f.fin()) {
            f = nextNonPing(c);
            assertEquals(RawClient.CONTINUATION, f.opcode(), "the rest are continuation frames");
            message.writeBytes(f.payload());
        }
        return message.toByteArray();
    }

    private static RawClient.Frame nextNonPing(RawClient c) throws IOException {
        for (;;) {
            RawClient.Frame f = c.readFrame();
            assertFalse(f.opcode() == RawClient.CLOSE, () -> "closed with " + f.closeCode());
            if (f.opcode() != RawClient.PING) {
                return f;
            }
        }
    }
}
