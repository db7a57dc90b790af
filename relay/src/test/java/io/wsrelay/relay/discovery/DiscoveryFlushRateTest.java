package io.wsrelay.relay.discovery;

import com.fasterxml.jackson.databind.JsonNode;
import io.wsrelay.relay.TestClient;
import io.wsrelay.relay.Timeouts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static io.wsrelay.relay.discovery.DiscoveryFixture.ask;
import static io.wsrelay.relay.discovery.DiscoveryFixture.bye;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The node's write budget for discovery rows: after a periodic flush writes a row of B bytes, the
 * endpoint's next periodic flush waits B / {@link DiscoveryLimits#flushBytesPerSecond()} seconds
 * (never less than the flush interval); meanwhile its delta stays in memory and shows in views,
 * and close writes it regardless. Time is a clock the test moves; the periodic flusher is driven
 * tick by tick ({@link Discovery#flushDue()}) except where its own thread is under test.
 */
class DiscoveryFlushRateTest {
    /** The flush interval the test's ticks stand for. */
    private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    /** A budget far below the test rows (a few KB): each write holds the next one back for seconds. */
    private static final long SLOW_BYTES_PER_SECOND = 1000;

    private final FaultyDiscoveryStore store = new FaultyDiscoveryStore();
    private final AtomicLong clock = new AtomicLong(1_000_000_000L);
    private DiscoveryFixture fixture;

    @AfterEach
    void stop() throws Exception {
        store.down(false);
        if (fixture != null) {
            fixture.close();
        }
    }

    /** A relay whose flusher thread never ticks by itself (an interval of an hour), with this write budget. */
    private void start(long bytesPerSecond) throws Exception {
        fixture = new DiscoveryFixture(DiscoveryLimits.defaults().withFlushInterval(Duration.ofHours(1))
                .withFlushBytesPerSecond(bytesPerSecond), store, clock::get);
    }

    /** One session on {@code /chat} with one say message, answered; returns once the view counts it. */
    private void session(long sessionsAfter) throws Exception {
        try (TestClient c = fixture.open("proto", "/chat")) {
            ask(c, "{\"type\":\"say\",\"id\":" + sessionsAfter + ",\"text\":\"t\"}");
            bye(c);
        }
        fixture.awaitSessions("proto", sessionsAfter);
    }

    /** One flush interval passes: the clock moves on one tick and the periodic flush runs. */
    private void tick() {
        clock.addAndGet(TICK_NANOS);
        fixture.discovery.flushDue();
    }

    private long storedSessions() throws Exception {
        return DiscoveryFixture.JSON.readTree(store.rows.get("proto")).path("sessions").asLong();
    }

    private long lastWrittenBytes() {
        return store.written.getLast();
    }

    @Test
    void aLargeRowIsWrittenAtMostAtTheNodesRate() throws Exception {
        start(SLOW_BYTES_PER_SECOND);
        long window = 0;
        long bytes = 0;
        int writes = 0;
        for (int round = 1; round <= 3; round++) {
            session(round);
            int before = store.written.size();
            int ticks = 0;
            // The first round is due at once; each later one B / R after the write before it.
            long due = round == 1 ? 0 : (long) Math.ceil(lastWrittenBytes() * 1e9 / SLOW_BYTES_PER_SECOND);
            while (store.written.size() == before) {
                assertTrue(ticks < 10_000, "the held delta is written at last");
                tick();
                ticks++;
            }
            long waited = ticks * TICK_NANOS;
            long expected = due;
            assertAll("round " + round,
                    () -> assertTrue(waited >= expected, "waited " + waited + " ns of the " + expected + " ns due"),
                    () -> assertTrue(waited < expected + 2 * TICK_NANOS,
                            "written at the first tick due: waited " + waited + " ns of " + expected));
            assertEquals(round, storedSessions());
            writes++;
            bytes += lastWrittenBytes();
            window += waited;
        }
        assertTrue(lastWrittenBytes() > 1000, "the rows are larger than a second of the budget: " + store.written);
        // Over the window from the first write to the last, the bytes before the last are within the budget.
        long spent = bytes - lastWrittenBytes();
        double seconds = (window - TICK_NANOS) / 1e9;
        assertTrue(spent <= SLOW_BYTES_PER_SECOND * seconds,
                spent + " bytes in " + seconds + " s, " + writes + " writes: " + store.written);
    }

    @Test
    void aSmallRowIsWrittenEveryInterval() throws Exception {
        start(DiscoveryLimits.DEFAULT_FLUSH_BYTES_PER_SECOND);
        for (int round = 1; round <= 4; round++) {
            session(round);
            tick();
            assertEquals(round, store.written.size(), "written at the next interval: " + store.written);
            assertEquals(round, storedSessions());
        }
        assertTrue(lastWrittenBytes() * 1e9 / DiscoveryLimits.DEFAULT_FLUSH_BYTES_PER_SECOND < TICK_NANOS,
                "a row under a tick of the budget: " + store.written);
    }

    @Test
    void theFlusherThreadWritesSmallRowsEveryInterval() throws Exception {
        fixture = new DiscoveryFixture(DiscoveryLimits.defaults().withFlushInterval(Duration.ofMillis(50)), store);
        for (int round = 1; round <= 3; round++) {
            session(round);
            long sessions = round;
            await().atMost(Timeouts.MESSAGE).until(() -> store.rows.containsKey("proto") && storedSessions() == sessions);
        }
    }

    @Test
    void aViewDuringTheHoldBackShowsTheUnflushedLearningAndCloseWritesIt() throws Exception {
        start(SLOW_BYTES_PER_SECOND);
        session(1);
        tick();
        assertEquals(1, store.written.size());
        session(2);
        for (int i = 0; i < 10; i++) {
            tick();
        }
        assertEquals(1, store.written.size(), "held back: " + store.written);
        JsonNode view = fixture.get("/admin/discovery/proto");
        assertAll(
                () -> assertEquals(1, storedSessions()),
                () -> assertEquals(2, view.path("sessions").asLong(), "the view shows the held delta: " + view));
        fixture.discovery.close();
        assertAll(
                () -> assertEquals(2, store.written.size(), "close writes what was held back"),
                () -> assertEquals(2, storedSessions()));
    }

    @Test
    void anExplicitFlushWritesRegardlessOfTheRate() throws Exception {
        start(SLOW_BYTES_PER_SECOND);
        session(1);
        tick();
        session(2);
        fixture.discovery.flush();
        assertAll(
                () -> assertEquals(2, store.written.size()),
                () -> assertEquals(2, storedSessions()));
    }

    @Test
    void aFailedWriteKeepsTheDeltaAndIsTriedAgainAtTheNextTick() throws Exception {
        start(SLOW_BYTES_PER_SECOND);
        session(1);
        tick();
        long hold = (long) Math.ceil(lastWrittenBytes() * 1e9 / SLOW_BYTES_PER_SECOND);
        session(2);
        clock.addAndGet(hold);
        store.down(true);
        int merges = store.merges.get();
        tick();
        assertEquals(merges + 1, store.merges.get(), "the due write was tried");
        store.down(false);
        tick();
        assertAll(
                () -> assertEquals(2, store.written.size(), "a failed write pushes nothing back: " + store.written),
                () -> assertEquals(2, storedSessions()),
                () -> assertEquals(2, fixture.get("/admin/discovery/proto").path("sessions").asLong(),
                        "counted once"));
    }
}
