package io.wsrelay.storage.sql;

import io.wsrelay.relay.spi.DiscoveryStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.ref.WeakReference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A large discovery row rewritten many times in the embedded H2 file, as the discovery flusher
 * does: the process keeps no old versions of it once the caller dropped them, and the file stays
 * within a bounded multiple of the row.
 */
class SqlDiscoveryStoreGrowthIT {
    /** About 2 MiB of JSON in UTF-8, mostly characters outside Latin-1 (as CJK examples are). */
    private static final int ROW_CHARS = 700_000;
    private static final int WRITES = 40;
    /** The versions of the last two rounds, which a caller may still hold in local variables when the collector runs. */
    private static final int STILL_IN_USE = 6;

    /**
     * Rewrites paced a little over the store's retention time apart (the flusher writes every
     * 10 s): H2 writes over the space of an old version only once it is that old.
     */
    private static final int PACED_WRITES = 10;
    private static final Duration PACE = Duration.ofMillis(ConnectionPools.H2_RETENTION_MILLIS + 200);
    /**
     * The file holds the live version and the writes of the last retention time: 3 rows' worth
     * measured (at H2's default retention of 45 s it grew by a row per write, 10 rows here).
     */
    private static final int FILE_ROWS = 4;

    @TempDir
    Path dir;

    static String row(int version) {
        StringBuilder b = new StringBuilder(ROW_CHARS + 32).append("{\"v\":").append(version).append(",\"x\":\"");
        while (b.length() < ROW_CHARS) {
            b.append('一');
        }
        return b.append("\"}").toString();
    }

    @Test
    void theVersionsOfALargeRowWrittenAndReadAreNotKeptOnTheHeap() {
        SqlStoreConfig config = TestEndpoints.embedded(dir);
        new SqlEndpointStoreProvider().migrate(config);
        List<WeakReference<String>> handled = new ArrayList<>();
        try (SqlEndpointStore store = SqlEndpointStore.create(config)) {
            DiscoveryStore discovery = store.discovery().orElseThrow();
            for (int i = 0; i < WRITES; i++) {
                String next = row(i);
                handled.add(new WeakReference<>(next));
                discovery.merge("big", stored -> {
                    if (stored != null) {
                        handled.add(new WeakReference<>(stored));
                    }
                    return next;
                });
                handled.add(new WeakReference<>(discovery.load("big").orElseThrow()));
            }
            assertTrue(discovery.load("big").orElseThrow().startsWith("{\"v\":" + (WRITES - 1) + ","));
            int retained = retained(handled);
            assertTrue(retained <= STILL_IN_USE, retained + " of " + handled.size()
                    + " versions of a row of " + row(0).getBytes(StandardCharsets.UTF_8).length
                    + " bytes are still reachable");
        }
    }

    @Test
    void aLargeRowRewrittenManyTimesKeepsTheFileWithinABoundedMultipleOfIt() throws Exception {
        SqlStoreConfig config = TestEndpoints.embedded(dir);
        new SqlEndpointStoreProvider().migrate(config);
        Path file = dir.resolve("wsrelay.mv.db");
        long rowBytes = row(0).getBytes(StandardCharsets.UTF_8).length;
        List<Long> sizes = new ArrayList<>();
        try (SqlEndpointStore store = SqlEndpointStore.create(config)) {
            DiscoveryStore discovery = store.discovery().orElseThrow();
            for (int i = 0; i < PACED_WRITES; i++) {
                String next = row(i);
                long written = System.nanoTime();
                discovery.merge("big", stored -> next);
                sizes.add(Files.size(file));
                await().atMost(PACE.multipliedBy(2)).pollDelay(PACE)
                        .until(() -> System.nanoTime() - written >= PACE.toNanos());
            }
            assertTrue(discovery.load("big").orElseThrow().startsWith("{\"v\":" + (PACED_WRITES - 1) + ","));
        }
        long largest = sizes.stream().mapToLong(Long::longValue).max().orElseThrow();
        assertTrue(largest <= FILE_ROWS * rowBytes, "file sizes " + sizes + " for a row of " + rowBytes + " bytes");
    }

    /** How many of {@code refs} are still reachable after the collector ran (at most 10 times). */
    static int retained(List<WeakReference<String>> refs) {
        int left = refs.size();
        for (int gc = 0; gc < 10 && left > STILL_IN_USE; gc++) {
            System.gc();
            left = (int) refs.stream().filter(r -> r.get() != null).count();
        }
        return left;
    }
}
