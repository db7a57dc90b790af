package io.wsrelay.relay;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An upstream that floods a client which does not read: the relay's backpressure (a credit of
 * {@link Inbox#DEFAULT_MAX_PARTS} parts / {@link Inbox#DEFAULT_MAX_BYTES} bytes per direction,
 * no demand once it is used up) stalls the upstream instead of buffering.
 *
 * <p>The stated bound: while stalled, the relay's hand-offs hold at most one credit plus one part
 * ({@link RelayServer#heldBytes()}), its heap grows by less than {@value #HEAP_BOUND_MIB} MiB,
 * and the upstream has written less than {@value #SENT_BOUND_MIB} MiB of its {@value #FLOOD_MIB}
 * MiB: what is in flight sits in the kernel's socket buffers on both hops (loopback auto-tuning
 * allows tens of MiB) plus the credit in the relay.
 */
class RelayBackpressureTest {
    private static final int MESSAGE_BYTES = 64 * 1024;
    private static final int MESSAGES = 2048;
    private static final long FLOOD_MIB = (long) MESSAGE_BYTES * MESSAGES >> 20;
    private static final long SENT_BOUND_MIB = 48;
    private static final long HEAP_BOUND_MIB = 16;
    /** A JDK client part is at most its read buffer, 16 KiB in the test JVM (no launcher options). */
    private static final long PART_BYTES = 16 * 1024;

    @Test
    void floodingUpstreamIsStalledBySlowClientWithoutGrowingTheHeap() throws Exception {
        try (RelayHarness harness = RelayHarness.start()) {
            MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
            System.gc();
            long heapBefore = memory.getHeapMemoryUsage().getUsed();
            try (TestClient client = TestClient.open(
                    harness.uri("/flood?size=" + MESSAGE_BYTES + "&count=" + MESSAGES + "&endpointId=e1"), false)) {
                // Stalled: the upstream's written byte count stays the same for a whole second.
                AtomicLong last = new AtomicLong(-1);
                await().atMost(Timeouts.TRANSFER).pollInterval(Duration.ofMillis(100)).during(Duration.ofSeconds(1))
                        .until(() -> last.getAndSet(harness.upstream.floodBytesSent()) == harness.upstream.floodBytesSent());
                long sentMiB = harness.upstream.floodBytesSent() >> 20;
                System.gc();
                long heapGrowthMiB = (memory.getHeapMemoryUsage().getUsed() - heapBefore) >> 20;
                assertTrue(sentMiB < SENT_BOUND_MIB, "upstream wrote " + sentMiB + " MiB of " + FLOOD_MIB + " MiB");
                assertTrue(heapGrowthMiB < HEAP_BOUND_MIB, "heap grew by " + heapGrowthMiB + " MiB");
                long held = harness.relay.heldBytes();
                assertTrue(held <= Inbox.DEFAULT_MAX_BYTES + PART_BYTES, "the relay holds " + held + " bytes");
                assertTrue(held > 0, "stalled with parts waiting for the client");

                // The client starts reading: everything arrives, in order, intact.
                client.request(Long.MAX_VALUE);
                byte[] expected = TestUpstream.patternBuffer(0, MESSAGE_BYTES).array();
                for (int i = 0; i < MESSAGES; i++) {
                    assertArrayEquals(expected, client.nextMessage(Timeouts.TRANSFER).bytes(), "message " + i);
                }
                assertEquals((long) MESSAGE_BYTES * MESSAGES, harness.upstream.floodBytesSent());
            }
        }
    }
}
