package io.wsrelay.benchmarks;

import com.sun.management.HotSpotDiagnosticMXBean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.ref.Reference;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HeapOwnersTest {

    private static final int HOLDERS = 10;
    private static final int BUFFER_BYTES = 10_000;

    /** Stands for a session object that keeps a buffer. */
    static final class Holder {
        final byte[] buffer = new byte[BUFFER_BYTES];
    }

    @TempDir
    Path dir;

    @Test
    void attributesEachBufferToTheFieldOfTheObjectThatHoldsIt() throws IOException {
        Path base = dir.resolve("base.hprof");
        Path held = dir.resolve("held.hprof");
        dump(base);
        List<Holder> holders = new ArrayList<>();
        for (int i = 0; i < HOLDERS; i++) {
            holders.add(new Holder());
        }
        dump(held);
        Reference.reachabilityFence(holders);

        Map<String, long[]> before = HeapOwners.owners(base);
        Map<String, long[]> after = HeapOwners.owners(held);
        String owner = Holder.class.getName() + ".buffer";
        String report = HeapOwners.report(before, after, HOLDERS, 20);
        assertAll(
                // One array per holder, its bytes plus the 16-byte header HeapOwners counts.
                () -> assertArrayEquals(new long[] {HOLDERS, HOLDERS * (BUFFER_BYTES + 16L)}, after.get(owner)),
                () -> assertTrue(!before.containsKey(owner), "no holder before: " + before.get(owner)),
                () -> assertTrue(report.contains("    1.00     10016 B  " + owner), report));
    }

    @Test
    void librariesAndRelayClassesAreOwnersButJdkCollectionsAreNot() {
        assertAll(
                () -> assertTrue(HeapOwners.isOwner("jdk.internal.net.http.websocket.TransportImpl")),
                () -> assertTrue(HeapOwners.isOwner("org.eclipse.jetty.websocket.core.WebSocketConnection")),
                () -> assertTrue(HeapOwners.isOwner("io.wsrelay.relay.RelaySession")),
                () -> assertTrue(!HeapOwners.isOwner("java.util.TreeMap")),
                () -> assertTrue(!HeapOwners.isOwner("[B")),
                () -> assertTrue(!HeapOwners.isOwner("java.nio.HeapByteBuffer")));
    }

    private static void dump(Path file) throws IOException {
        ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class).dumpHeap(file.toString(), true);
    }
}
