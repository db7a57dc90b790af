package io.wsrelay.benchmarks;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IdleBreakdownTest {

    @TempDir
    Path dir;

    @Test
    void readsHistogramLinesWithAndWithoutModules() {
        Map<String, IdleBreakdown.ClassCount> h = IdleBreakdown.histogram("""
                30406:
                 num     #instances         #bytes  class name (module)
                -------------------------------------------------------
                   1:         71420        9367424  [B (java.base@25.0.3)
                   2:            20            640  io.wsrelay.relay.Inbox
                Total        452502       26618088
                """);
        assertAll(
                () -> assertEquals(new IdleBreakdown.ClassCount(71420, 9367424), h.get("[B")),
                () -> assertEquals(new IdleBreakdown.ClassCount(20, 640), h.get("io.wsrelay.relay.Inbox")),
                () -> assertEquals(2, h.size()));
    }

    @Test
    void groupsClassesByOwnerFirstMatchWins() {
        assertAll(
                () -> assertEquals("Jetty WebSocket (org.eclipse.jetty.websocket)",
                        IdleBreakdown.group("org.eclipse.jetty.websocket.core.WebSocketConnection")),
                () -> assertEquals("Jetty server, HTTP, IO (other org.eclipse.jetty)",
                        IdleBreakdown.group("org.eclipse.jetty.io.SocketChannelEndPoint")),
                () -> assertEquals("virtual threads (VirtualThread, StackChunk, Continuation)",
                        IdleBreakdown.group("jdk.internal.vm.StackChunk")),
                () -> assertEquals("other JDK (collections, arrays, ...)", IdleBreakdown.group("java.util.TreeMap$Entry")));
    }

    @Test
    void readsNmtCategoriesAndTotalInKib() {
        Map<String, long[]> n = IdleBreakdown.nmt("""
                Total: reserved=7638843KB, committed=506963KB
                -                 Java Heap (reserved=6172672KB, committed=387136KB)
                                            (mmap: reserved=6172672KB, committed=387136KB)
                -                      Code (reserved=252863KB, committed=19171KB)
                """);
        assertAll(
                () -> assertArrayEquals(new long[] {7638843, 506963}, n.get("Total")),
                () -> assertArrayEquals(new long[] {6172672, 387136}, n.get("Java Heap")),
                () -> assertArrayEquals(new long[] {252863, 19171}, n.get("Code")),
                () -> assertEquals(3, n.size()));
    }

    @Test
    void countsResidentPagesInsideTheHeapsAddressRangeOnly() {
        String heapInfo = """
                 def new generation   total 116224K, used 76661K [0x0000000687400000, 0x000000068f210000, 0x0000000704d50000)
                 tenured generation   total 258048K, used 11488K [0x0000000704d50000, 0x0000000714950000, 0x0000000800000000)
                """;
        String smaps = """
                12000000-12001000 ---p 00000000 00:00 0
                Size:                  4 kB
                Rss:                   4 kB
                687400000-68f210000 rw-p 00000000 00:00 0
                Size:             129080 kB
                Rss:              100000 kB
                704d50000-714950000 rw-p 00000000 00:00 0
                Size:             258048 kB
                Rss:               20000 kB
                800000000-800100000 rw-p 00000000 00:00 0
                Size:               1024 kB
                Rss:                1024 kB
                """;
        assertEquals(120000, IdleBreakdown.heapRssKib(smaps, heapInfo));
    }

    @Test
    void reportsDifferencesPerSession() throws IOException {
        Path base = snapshot("base", 100_000, 10_240, "   1:  10  10240  [B (java.base@25.0.3)");
        Path held = snapshot("held", 120_000, 30_720, "   1:  30  2107392  [B (java.base@25.0.3)");
        String report = IdleBreakdown.report(base, held, 1000);
        assertAll(
                () -> assertTrue(report.contains("VmRSS") && report.contains("100000 ->     120000     20.00"), report),
                // 2,097,152 more bytes of byte[] over 1000 sessions: 2.05 KiB each, in the total and its group.
                () -> assertTrue(report.contains("total") && report.contains("10 ->       2058      2.05"), report),
                () -> assertTrue(report.contains("byte[] (buffers and Latin-1 strings)"), report),
                () -> assertTrue(report.contains("10240 ->      30720     20.48"), report));
    }

    private Path snapshot(String name, long rssKib, long nmtTotalKib, String histogramLine) throws IOException {
        Path d = Files.createDirectories(dir.resolve(name));
        Files.writeString(d.resolve("status"), "VmRSS:\t  " + rssKib + " kB\nRssAnon:\t " + rssKib
                + " kB\nRssFile:\t 0 kB\nRssShmem:\t 0 kB\nThreads:\t30\n");
        Files.writeString(d.resolve("smaps"), "");
        Files.writeString(d.resolve("heap_info"), "");
        Files.writeString(d.resolve("histogram"), histogramLine + "\n");
        Files.writeString(d.resolve("nmt"), "Total: reserved=1KB, committed=" + nmtTotalKib + "KB\n");
        return d;
    }
}
