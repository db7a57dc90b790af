package io.wsrelay.relay;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.EOFException;
import java.net.SocketException;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How a session ends, without sockets: {@link CloseCodes#plan}, the one chooser of every close
 * code, for each way a direction can end, and a {@link Side}'s close bookkeeping.
 */
class SessionEndTest {

    @ParameterizedTest(name = "{0} from the {1}: client {2}, upstream {3}, cut {4}, by {5}")
    @CsvSource({
            // ending,     source,   to client, to upstream, cut,               closed by
            "SOURCE_CLOSED, client,   -1,   4001, NONE,              client",
            "SOURCE_CLOSED, upstream, 4001, -1,   NONE,              upstream",
            "SOURCE_FAILED, client,   1001, 1001, NONE,              client",
            "SOURCE_FAILED, upstream, 1014, -1,   ABORT_UPSTREAM,    upstream",
            "SINK_FAILED,   client,   1014, -1,   ABORT_UPSTREAM,    upstream",
            "SINK_FAILED,   upstream, -1,   1001, DISCONNECT_CLIENT, client",
            "SOURCE_SILENT, client,   1001, 1001, NONE,              relay",
            "SOURCE_SILENT, upstream, 1001, 1001, NONE,              relay",
    })
    void choosesEachSidesCodeForEveryEnding(CloseCodes.Ending ending, String source, int toClient, int toUpstream,
                                            CloseCodes.Cut cut, String closedBy) {
        CloseCodes.Plan plan = CloseCodes.plan(source.equals("client"), ending, 4001, "bye",
                new SocketException("Connection reset"));
        assertEquals(toClient, plan.toClient(), "to the client");
        assertEquals(toUpstream, plan.toUpstream(), "to the upstream");
        assertEquals(cut, plan.cut());
        assertEquals(closedBy, plan.closedBy());
    }

    @Test
    void aCloseFrameKeepsItsReasonAndIsMappedForTheSideItGoesTo() {
        CloseCodes.Plan fromClient = CloseCodes.plan(true, CloseCodes.Ending.SOURCE_CLOSED, 1007, "bad text", null);
        assertEquals(1008, fromClient.toUpstream(), "the JDK cannot send 1007");
        assertEquals("bad text", fromClient.upstreamReason());
        CloseCodes.Plan fromUpstream = CloseCodes.plan(false, CloseCodes.Ending.SOURCE_CLOSED, 1006, "", null);
        assertEquals(CloseCodes.BAD_GATEWAY, fromUpstream.toClient(), "1006 is never sent");
    }

    @Test
    void refusedClientMessagesGiveTheClientTheReasonAndTheUpstreamItsStandIn() {
        CloseCodes.Plan tooBig = CloseCodes.plan(true, CloseCodes.Ending.REFUSED, 0, "",
                new CloseCodes.MessageTooBigException(10));
        assertEquals(1009, tooBig.toClient());
        assertEquals(1001, tooBig.toUpstream());
        CloseCodes.Plan invalid = CloseCodes.plan(true, CloseCodes.Ending.REFUSED, 0, "",
                new CloseCodes.InvalidPayloadException("not UTF-8"));
        assertEquals(1007, invalid.toClient());
        assertEquals(1008, invalid.toUpstream(), "the client's 1007 as the JDK can send it");
        CloseCodes.Plan upstreamTooBig = CloseCodes.plan(false, CloseCodes.Ending.REFUSED, 0, "",
                new CloseCodes.MessageTooBigException(10));
        assertEquals(1014, upstreamTooBig.toClient());
        assertEquals(1008, upstreamTooBig.toUpstream());
        assertEquals("relay", upstreamTooBig.closedBy());
    }

    @Test
    void aLostConnectionWithoutACauseIsAnEndOfStream() {
        CloseCodes.Plan plan = CloseCodes.plan(true, CloseCodes.Ending.SOURCE_FAILED, 0, "",
                new EOFException("client connection lost"));
        assertEquals(1001, plan.toUpstream());
        assertEquals("client connection lost", plan.upstreamReason());
    }

    @Test
    void aSideIsClosedOnceAndItsStateSaysWhereItsHandshakeIs() {
        AtomicInteger cuts = new AtomicInteger();
        Side.Upstream side = Side.upstream(cuts::incrementAndGet);
        assertEquals(Side.State.CONNECTING, side.state());
        assertFalse(side.claimClose(), "nothing to close before it is connected");
        RecordingWebSocket ws = new RecordingWebSocket();
        side.connect(ws);
        assertEquals(Side.State.OPEN, side.state());
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        try {
            assertTrue(side.close(1000, "bye", timer, Duration.ofMinutes(1)));
            assertFalse(side.close(1001, "again", timer, Duration.ofMinutes(1)), "one close per side");
        } finally {
            timer.shutdownNow();
        }
        assertEquals(List.of(1000), ws.closes);
        assertEquals(Side.State.CLOSE_SENT, side.state());
        assertEquals("upstream=CLOSE_SENT(1000)", side.toString());
        side.inputEnded();
        assertEquals(Side.State.CLOSED, side.state());
        side.cut();
        assertEquals(1, ws.aborts);
        assertEquals(1, cuts.get(), "cutting a side stops what depends on it");
    }

    @Test
    void aCodeTheJdkRefusesIsSentAsANormalClose() {
        Side.Upstream side = Side.upstream(() -> { });
        RecordingWebSocket ws = new RecordingWebSocket();
        side.connect(ws);
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        try {
            side.close(1002, "refused by the JDK", timer, Duration.ofMinutes(1));
        } finally {
            timer.shutdownNow();
        }
        assertEquals(List.of(1000), ws.closes);
        assertEquals(1000, side.codeSent());
    }

    /** The JDK client's WebSocket at the I/O edge: records closes and aborts, refuses the codes the JDK refuses. */
    private static final class RecordingWebSocket implements WebSocket {
        final List<Integer> closes = new ArrayList<>();
        int aborts;

        @Override
        public CompletableFuture<WebSocket> sendClose(int statusCode, String reason) {
            if (statusCode != CloseCodes.toUpstream(statusCode)) {
                throw new IllegalArgumentException("statusCode " + statusCode);
            }
            closes.add(statusCode);
            return CompletableFuture.completedFuture(this);
        }

        @Override
        public void abort() {
            aborts++;
        }

        @Override
        public CompletableFuture<WebSocket> sendText(CharSequence data, boolean last) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletableFuture<WebSocket> sendBinary(ByteBuffer data, boolean last) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletableFuture<WebSocket> sendPing(ByteBuffer message) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletableFuture<WebSocket> sendPong(ByteBuffer message) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void request(long n) {
        }

        @Override
        public String getSubprotocol() {
            return "";
        }

        @Override
        public boolean isOutputClosed() {
            return !closes.isEmpty();
        }

        @Override
        public boolean isInputClosed() {
            return false;
        }
    }
}
