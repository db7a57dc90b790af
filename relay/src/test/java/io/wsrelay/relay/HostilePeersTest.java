package io.wsrelay.relay;

import io.wsrelay.relay.spi.Endpoint;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import static io.wsrelay.relay.ProcessResources.openFileDescriptors;
import static io.wsrelay.relay.ProcessResources.platformThreadNames;
import static io.wsrelay.relay.ProcessResources.usedHeapAfterGc;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Clients and upstreams that misbehave on purpose, at the frame level where needed. For each:
 * the close code (RFC 6455 §7.4.1) or HTTP status the relay answers with, the other side of
 * that session closed, a bystander session that keeps working, and afterwards the relay's
 * sessions, pump threads, platform threads, file descriptors and heap back at their baseline.
 *
 * <p>Timeouts are short here (idle 2 s, pings every 500 ms, handshake 1 s, connect 2 s) so
 * that every wait is bounded and the suite stays around a minute.
 */
@ExtendWith(UncaughtExceptions.class)
class HostilePeersTest {
    private static final Duration IDLE = Duration.ofSeconds(2);
    private static final Duration PING = Duration.ofMillis(500);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(1);
    /** Longest the relay may take to find a dead or stuck peer and end its session. */
    private static final Duration DETECT = IDLE.plus(PING).plus(CLOSE_TIMEOUT).plus(Duration.ofSeconds(2));
    /**
     * How long an upstream whose own writes are stuck (its client never reads) may take to see its
     * session end: the relay's side closes within {@link #DETECT}, but the fixture notices the
     * relay's abort only when its blocked write fails (measured in a quiet run: 4 s after the
     * relay closed, past {@code DETECT}).
     */
    private static final Duration STUCK_UPSTREAM_DETECT = DETECT.plus(Duration.ofSeconds(6));
    /** Heap the suite may leave behind: Jetty's buffer pools keep some buffers for reuse. */
    private static final long HEAP_SLACK = 64L << 20;
    /** Ping bytes a flooding client tries to send (about 500,000 pings). */
    private static final int FLOOD_BUDGET_MIB = 64;
    /** A flood whose writes made no progress for this long is held back by the relay (inside the idle timeout). */
    private static final Duration FLOOD_STALL = Duration.ofSeconds(1);
    /**
     * Ping bytes a client that never reads may get into the relay: the loopback socket buffers
     * on both ends (a few MiB with autotuning) and Jetty's one read buffer. Today's relay read
     * hundreds of MiB in the same time.
     */
    private static final long FLOOD_WRITTEN_LIMIT = 24L << 20;
    /** Heap growth a ping flood may cause in the relay (and this test JVM) while it runs. */
    private static final long FLOOD_HEAP_LIMIT = 32L << 20;

    private static RelayHarness harness;
    private static TestClient bystander;
    private static long heapBaseline;
    private long fdsBefore;
    private Set<String> threadsBefore;

    @BeforeAll
    static void start() throws Exception {
        harness = RelayHarness.start(Map.of(
                "relay.idle-timeout", IDLE.toMillis() + "ms",
                "relay.upstream.idle-timeout", IDLE.toMillis() + "ms",
                "relay.ping-interval", PING.toMillis() + "ms",
                "relay.close-timeout", CLOSE_TIMEOUT.toMillis() + "ms",
                "relay.handshake-timeout", "1s",
                "relay.upstream.connect-timeout", "2s"));
        bystander = TestClient.open(harness.uri("/echo?endpointId=e1"));
        assertBystanderWorks();
        heapBaseline = usedHeapAfterGc();
    }

    @AfterAll
    static void stop() throws Exception {
        bystander.close();
        harness.close();
    }

    @BeforeEach
    void recordBaseline() throws Exception {
        await().atMost(Timeouts.MESSAGE).until(() -> harness.relay.activeSessions() == 1);
        harness.upstream.closes().clear();
        harness.upstream.handshakes().clear();
        fdsBefore = openFileDescriptors();
        threadsBefore = platformThreadNames();
    }

    @AfterEach
    void everythingBackAtBaseline() throws Exception {
        assertBystanderWorks();
        await().atMost(Timeouts.MESSAGE).untilAsserted(() -> assertAll(
                () -> assertEquals(1, harness.relay.activeSessions(), "relay sessions"),
                () -> assertEquals(2, harness.relay.pumpThreads(), "pump threads"),
                () -> assertEquals(1, harness.upstream.openSessions(), "upstream sessions")));
        await().atMost(Timeouts.MESSAGE).untilAsserted(() -> assertTrue(openFileDescriptors() <= fdsBefore + 4,
                () -> "file descriptors: " + fdsBefore + " before"));
        await().atMost(Timeouts.MESSAGE).untilAsserted(() -> {
            Set<String> added = platformThreadNames();
            added.removeAll(threadsBefore);
            assertEquals(Set.of(), added, "platform threads started and not ended");
        });
        long heap = usedHeapAfterGc();
        assertTrue(heap <= heapBaseline + HEAP_SLACK, () -> "heap " + (heap >> 20) + " MiB, baseline "
                + (heapBaseline >> 20) + " MiB");
    }

    // --- Frames a client must not send ------------------------------------------------------------

    @Test
    void invalidUtf8InATextMessageIsClosedWith1007() throws Exception {
        assertClientClosedWith(CloseCodes.INVALID_PAYLOAD, c -> c.sendFrame(RawClient.TEXT, new byte[] {'o', 'k', (byte) 0xC3, 0x28}));
    }

    @Test
    void invalidUtf8SplitAcrossFragmentsIsClosedWith1007() throws Exception {
        assertClientClosedWith(CloseCodes.INVALID_PAYLOAD, c -> {
            c.sendFrame(false, 0, RawClient.TEXT, new byte[] {'a', (byte) 0xE2, (byte) 0x82}, true); // valid so far
            c.sendFrame(true, 0, RawClient.CONTINUATION, new byte[] {0x28}, true); // not a continuation byte
        });
    }

    @Test
    void unmaskedClientFrameIsClosedWith1002() throws Exception {
        assertClientClosedWith(CloseCodes.PROTOCOL_ERROR, c -> c.sendFrame(true, 0, RawClient.TEXT, "hi".getBytes(StandardCharsets.UTF_8), false));
    }

    @ParameterizedTest(name = "reserved bits {0}")
    @ValueSource(ints = {4, 2, 1})
    void reservedBitsWithoutAnExtensionAreClosedWith1002(int rsv) throws Exception {
        assertClientClosedWith(CloseCodes.PROTOCOL_ERROR, c -> c.sendFrame(true, rsv, RawClient.TEXT, "hi".getBytes(StandardCharsets.UTF_8), true));
    }

    @ParameterizedTest(name = "opcode {0}")
    @ValueSource(ints = {0x3, 0x7, 0xB, 0xF})
    void reservedOpcodesAreClosedWith1002(int opcode) throws Exception {
        assertClientClosedWith(CloseCodes.PROTOCOL_ERROR, c -> c.sendFrame(true, 0, opcode, new byte[1], true));
    }

    @Test
    void controlFrameOver125BytesIsClosedWith1002() throws Exception {
        assertClientClosedWith(CloseCodes.PROTOCOL_ERROR, c -> c.sendFrame(RawClient.PING, new byte[126]));
    }

    @Test
    void fragmentedControlFrameIsClosedWith1002() throws Exception {
        assertClientClosedWith(CloseCodes.PROTOCOL_ERROR, c -> c.sendFrame(false, 0, RawClient.PING, new byte[2], true));
    }

    @Test
    void continuationWithoutAStartIsClosedWith1002() throws Exception {
        assertClientClosedWith(CloseCodes.PROTOCOL_ERROR, c -> c.sendFrame(RawClient.CONTINUATION, "x".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void closeFrameWithAOneByteBodyIsClosedWith1002() throws Exception {
        assertClientClosedWith(CloseCodes.PROTOCOL_ERROR, c -> c.sendFrame(RawClient.CLOSE, new byte[] {0x03}));
    }

    @ParameterizedTest(name = "close code {0}")
    @ValueSource(ints = {0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000})
    void closeFrameWithAnInvalidCodeIsClosedWith1002(int code) throws Exception {
        assertClientClosedWith(CloseCodes.PROTOCOL_ERROR, c -> c.sendClose(code));
    }

    // --- Broken HTTP ------------------------------------------------------------------------------

    @Test
    void requestThatIsNotAnUpgradeGets400() throws Exception {
        try (RawClient c = RawClient.connect(harness.relay.port())) {
            c.write(("GET /ws-proxy/echo?endpointId=e1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            RawClient.Response r = c.readResponse();
            assertEquals(400, r.status());
            assertTrue(r.body().contains("not_an_upgrade"), r.body());
        }
        assertEquals(0, harness.upstream.handshakes().size());
    }

    @Test
    void hugeHeaderGets431() throws Exception {
        try (RawClient c = RawClient.connect(harness.relay.port())) {
            assertEquals(431, c.upgrade("/ws-proxy/echo?endpointId=e1", Map.of("X-Huge", "h".repeat(64 * 1024))).status());
        }
        assertEquals(0, harness.upstream.handshakes().size());
    }

    @Test
    void upgradeThatStallsHalfwayIsCutWithinTheHandshakeTimeout() throws Exception {
        try (RawClient c = RawClient.connect(harness.relay.port())) {
            c.write("GET /ws-proxy/echo?endpointId=e1 HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: webs".getBytes(StandardCharsets.ISO_8859_1));
            assertTrue(c.awaitEof(Duration.ofSeconds(4)), "the relay hung up on the stalled request");
        }
        assertEquals(0, harness.upstream.handshakes().size(), "no upstream contact");
    }

    // --- Peers that stop playing along -------------------------------------------------------------

    @Test
    void clientThatNeverReadsIsCutAndItsUpstreamClosedWithBoundedMemory() throws Exception {
        long floodedBefore = harness.upstream.floodBytesSent();
        try (RawClient c = RawClient.connect(harness.relay.port(), 4096)) {
            assertEquals(101, c.upgrade("/ws-proxy/flood?size=65536&count=100000&endpointId=e1", Map.of()).status());
            TestUpstream.Closed closed = harness.upstream.closes().poll(STUCK_UPSTREAM_DETECT.toMillis(), TimeUnit.MILLISECONDS);
            // The relay sends 1001; an upstream whose own writes are stuck behind the unread
            // data cannot answer it, so after relay.close-timeout the relay aborts (it sees 1006).
            int code = closed == null ? -1 : closed.code();
            assertTrue(code == CloseCodes.GOING_AWAY || code == CloseCodes.ABNORMAL, "upstream closed with " + code);
        }
        long flooded = harness.upstream.floodBytesSent() - floodedBefore;
        assertTrue(flooded < 32L << 20, "backpressure held the upstream back: " + (flooded >> 20) + " MiB sent");
    }

    /**
     * Issue 10 item 1: a client that sends 125-byte pings as fast as it can and never reads. Each
     * ping asks for a pong; the relay reads the next frame only once the previous pong is
     * written, so a client that does not read its pongs stalls its own pings: the relay holds one
     * pong, not one per ping (Jetty's outgoing queue is unbounded). The flood runs until the
     * client's writes stall or {@value #FLOOD_BUDGET_MIB} MiB are in; measured while the session
     * is still open, with a bystander relaying.
     */
    @Test
    void clientThatFloodsPingsWithoutReadingIsHeldBackWithBoundedMemory() throws Exception {
        long heapBefore = usedHeapAfterGc();
        try (RawClient c = RawClient.connect(harness.relay.port(), 4096)) {
            assertEquals(101, c.upgrade("/ws-proxy/echo?endpointId=e1", Map.of()).status());
            Flood flood = Flood.start(c, RawClient.maskedFrames(RawClient.PING, new byte[125], 512));
            flood.awaitStallOr((long) FLOOD_BUDGET_MIB << 20, Timeouts.TRANSFER);
            long heap = usedHeapAfterGc();
            assertAll(
                    () -> assertTrue(flood.bytesWritten() < FLOOD_WRITTEN_LIMIT, () -> "the relay kept reading pings: "
                            + (flood.bytesWritten() >> 20) + " MiB written"),
                    () -> assertTrue(heap - heapBefore < FLOOD_HEAP_LIMIT, () -> "heap grew by "
                            + ((heap - heapBefore) >> 20) + " MiB under the ping flood"));
            assertBystanderWorks();
            c.reset();
            flood.awaitEnd();
        }
    }

    /**
     * The same flood from an upstream that never reads: the JDK client answers pings itself and
     * keeps only the latest unsent pong, so memory stays flat; the client side keeps working.
     */
    @Test
    void upstreamThatFloodsPingsWithoutReadingLeavesMemoryBounded() throws Exception {
        try (RawUpstream flooding = new RawUpstream(RawUpstream.Mode.PING_FLOOD)) {
            harness.store.insert(Endpoint.of("pinger", flooding.uri().toString()));
            long heapBefore = usedHeapAfterGc();
            try (TestClient client = TestClient.open(harness.uri("/x?endpointId=pinger"))) {
                await().atMost(Timeouts.MESSAGE).until(() -> flooding.pingBytesWritten() > 16L << 20);
                long heap = usedHeapAfterGc();
                assertTrue(heap - heapBefore < FLOOD_HEAP_LIMIT, () -> "heap grew by "
                        + ((heap - heapBefore) >> 20) + " MiB under the upstream's ping flood");
                assertBystanderWorks();
            } finally {
                harness.store.remove("pinger");
            }
        }
    }

    @Test
    void clientThatVanishesIsFoundWithinTheIdleTimeoutAndItsUpstreamClosed() throws Exception {
        // Timed from before the opening handshake: the relay's idle clock starts when it has the
        // upstream, before its 101 reaches the client, so timing from the 101 could read early.
        long start = System.nanoTime();
        try (RawClient c = RawClient.open(harness.relay.port(), "/ws-proxy/echo?endpointId=e1")) {
            // The client neither reads nor answers the relay's pings from now on.
            TestUpstream.Closed closed = harness.upstream.closes().poll(DETECT.toMillis(), TimeUnit.MILLISECONDS);
            assertEquals(CloseCodes.GOING_AWAY, closed == null ? -1 : closed.code());
            assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(IDLE) >= 0, "not before the idle timeout");
        }
    }

    @Test
    void quietButLiveClientStaysOpenPastSeveralIdleTimeouts() throws Exception {
        try (TestClient quiet = TestClient.open(harness.uri("/echo?endpointId=e1"))) {
            // It sends nothing; it only answers the relay's pings, as a browser does.
            await().during(IDLE.multipliedBy(2)).atMost(IDLE.multipliedBy(3)).until(() -> !quiet.closed().isDone());
            quiet.sendText("still here");
            assertEquals("still here", quiet.nextMessage(Timeouts.MESSAGE).text());
        }
    }

    @Test
    void upstreamThatAcceptsTcpButNeverAnswersGets504() throws Exception {
        try (SilentUpstream silent = new SilentUpstream(); RawClient c = RawClient.connect(harness.relay.port())) {
            harness.store.insert(Endpoint.of("silent", silent.uri().toString()));
            try {
                assertEquals(504, c.upgrade("/ws-proxy/x?endpointId=silent", Map.of()).status());
            } finally {
                harness.store.remove("silent");
            }
        }
    }

    @Test
    void upstreamThatGoesSilentIsClosedAndTheClientToldWith1001() throws Exception {
        try (RawUpstream dead = new RawUpstream(RawUpstream.Mode.SILENT)) {
            harness.store.insert(Endpoint.of("dead", dead.uri().toString()));
            try (TestClient client = TestClient.open(harness.uri("/x?endpointId=dead"))) {
                TestClient.Closed closed = client.awaitClose(DETECT);
                assertEquals(new TestClient.Closed(CloseCodes.GOING_AWAY, "upstream idle timeout"), closed);
            } finally {
                harness.store.remove("dead");
            }
        }
    }

    @Test
    void upstreamThatResetsMidMessageGivesTheClient1014() throws Exception {
        try (RawUpstream resetting = new RawUpstream(RawUpstream.Mode.RESET_MID_MESSAGE)) {
            harness.store.insert(Endpoint.of("reset", resetting.uri().toString()));
            try (TestClient client = TestClient.open(harness.uri("/x?endpointId=reset"))) {
                assertTrue(client.awaitFirstPart(Timeouts.MESSAGE), "the message's first fragment arrived");
                client.sendText("go"); // the upstream resets when it reads this
                assertTrue(resetting.awaitReset());
                assertEquals(CloseCodes.BAD_GATEWAY, client.awaitClose(Timeouts.CLOSE).code());
            } finally {
                harness.store.remove("reset");
            }
        }
    }

    /**
     * On a relay of its own with the default (long) idle timeout: opening a thousand sessions
     * takes longer on two cores than this suite's 2 s idle timeout, which would end the first
     * of these silent clients before the last one is open.
     */
    @Test
    void aThousandClientsThatConnectAndVanishAtOnceLeaveNothingBehind() throws Exception {
        int count = 1000;
        List<RawClient> clients = new ArrayList<>(count);
        try (RelayHarness own = RelayHarness.start(); TestClient ownBystander = TestClient.open(own.uri("/echo?endpointId=e1"))) {
            try {
                openConcurrently(own, count, clients);
                await().atMost(Timeouts.MESSAGE).until(() -> own.relay.activeSessions() == count + 1);
            } finally {
                clients.forEach(RawClient::reset); // all at once, without a close frame
            }
            await().atMost(Timeouts.TRANSFER).untilAsserted(() -> assertAll(
                    () -> assertEquals(1, own.relay.activeSessions(), "relay sessions"),
                    () -> assertEquals(2, own.relay.pumpThreads(), "pump threads"),
                    () -> assertEquals(1, own.upstream.openSessions(), "upstream sessions")));
            assertEquals(count, own.upstream.closes().size());
            assertTrue(own.upstream.closes().stream().allMatch(c -> c.code() == CloseCodes.GOING_AWAY),
                    "every upstream was told its client went away");
            ownBystander.sendText("still relaying");
            assertEquals("still relaying", ownBystander.nextMessage(Timeouts.MESSAGE).text());
        }
    }

    private static void openConcurrently(RelayHarness h, int count, List<RawClient> into) throws Exception {
        Semaphore inFlight = new Semaphore(32); // handshakes at once; the machine has 2 cores
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<RawClient>> opening = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                opening.add(pool.submit(() -> {
                    inFlight.acquire();
                    try {
                        return RawClient.open(h.relay.port(), "/ws-proxy/echo?endpointId=e1");
                    } finally {
                        inFlight.release();
                    }
                }));
            }
            Exception failure = null;
            for (Future<RawClient> f : opening) {
                try {
                    into.add(f.get(Timeouts.TRANSFER.toSeconds(), TimeUnit.SECONDS));
                } catch (Exception e) {
                    failure = failure == null ? e : failure;
                }
            }
            if (failure != null) {
                throw failure;
            }
        }
    }

    /** A writer thread repeating one chunk of frames into a raw connection until it fails or is stopped. */
    private static final class Flood {
        private final java.util.concurrent.atomic.AtomicLong written = new java.util.concurrent.atomic.AtomicLong();
        private final Thread writer;

        private Flood(RawClient client, byte[] chunk) {
            writer = Thread.ofVirtual().name("ping-flood").start(() -> {
                try {
                    while (!Thread.currentThread().isInterrupted()) {
                        client.write(chunk);
                        written.addAndGet(chunk.length);
                    }
                } catch (IOException e) {
                    // the connection was reset: the flood is over
                }
            });
        }

        static Flood start(RawClient client, byte[] chunk) {
            return new Flood(client, chunk);
        }

        /** Waits until {@code budget} bytes are written, or no write progressed for {@link #FLOOD_STALL}. */
        void awaitStallOr(long budget, Duration atMost) {
            long[] seen = {-1};
            await().atMost(atMost).pollInterval(FLOOD_STALL).until(() -> {
                long now = written.get();
                boolean stalled = now == seen[0];
                seen[0] = now;
                return stalled || now >= budget || !writer.isAlive();
            });
        }

        long bytesWritten() {
            return written.get();
        }

        /** Waits for the writer to end once its connection is gone. */
        void awaitEnd() throws InterruptedException {
            writer.interrupt();
            assertTrue(writer.join(Timeouts.CLOSE), "the flood writer ended");
        }
    }

    // --- helpers ------------------------------------------------------------------------------------

    /** What a hostile client does after its handshake. */
    private interface Misbehaviour {
        void on(RawClient client) throws IOException;
    }

    /**
     * Opens a session, misbehaves, and checks the client gets {@code code} and the upstream a
     * close too ({@link CloseCodes#toUpstream} of it).
     */
    private static void assertClientClosedWith(int code, Misbehaviour misbehaviour) throws Exception {
        try (RawClient c = RawClient.open(harness.relay.port(), "/ws-proxy/echo?endpointId=e1")) {
            misbehaviour.on(c);
            assertEquals(code, c.awaitCloseCode(Timeouts.CLOSE));
        }
        TestUpstream.Closed closed = harness.upstream.closes().poll(Timeouts.CLOSE.toMillis(), TimeUnit.MILLISECONDS);
        assertTrue(closed != null, "the upstream was closed too");
        assertEquals(CloseCodes.toUpstream(code), closed.code());
    }

    private static void assertBystanderWorks() throws Exception {
        bystander.sendText("bystander");
        assertEquals("bystander", bystander.nextMessage(Timeouts.MESSAGE).text());
    }
}
