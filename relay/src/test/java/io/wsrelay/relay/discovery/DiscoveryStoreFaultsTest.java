package io.wsrelay.relay.discovery;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import io.wsrelay.relay.TestClient;
import io.wsrelay.relay.Timeouts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static io.wsrelay.relay.discovery.DiscoveryFixture.ask;
import static io.wsrelay.relay.discovery.DiscoveryFixture.bye;
import static io.wsrelay.relay.discovery.DiscoveryFixture.path;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * API discovery in front of a shared store that is slow or gone: the aggregator never waits for
 * the store, a failed delete or flush keeps what the node learnt (nothing lost, nothing counted
 * twice), and an outage is logged once.
 */
class DiscoveryStoreFaultsTest {
    /** No periodic flush during a test: each flush is the test's. */
    private static final DiscoveryLimits LIMITS = DiscoveryLimits.defaults().withFlushInterval(Duration.ofHours(1));
    private static final String SUMMARY = "/admin/discovery/proto";

    private final FaultyDiscoveryStore store = new FaultyDiscoveryStore();
    private final ListAppender<ILoggingEvent> captured = new ListAppender<>();
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    /** Runs what the test waits for: a flush blocked on the store, a view behind it. */
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private DiscoveryFixture fixture;

    @BeforeEach
    void start() throws Exception {
        captured.start();
        root.addAppender(captured);
        fixture = new DiscoveryFixture(LIMITS, store);
    }

    @AfterEach
    void stop() throws Exception {
        try {
            store.down(false);
            fixture.close();
        } finally {
            threads.shutdownNow();
            root.detachAppender(captured);
        }
    }

    /** One session on {@code /chat} that sends {@code says} say messages, each answered, then closes. */
    private void session(int says) throws Exception {
        try (TestClient c = fixture.open("proto", "/chat")) {
            for (int i = 0; i < says; i++) {
                ask(c, "{\"type\":\"say\",\"id\":" + i + ",\"text\":\"t\"}");
            }
            bye(c);
        }
    }

    /** What this node holds in memory, asked with a bound: the aggregates' lock must never wait for the store. */
    private int kindsInMemory() throws Exception {
        return CompletableFuture.supplyAsync(fixture.discovery::kindsInMemory, threads)
                .get(Timeouts.CLOSE.toMillis(), TimeUnit.MILLISECONDS);
    }

    private long storedSessions() throws Exception {
        return DiscoveryFixture.JSON.readTree(store.rows.get("proto")).path("sessions").asLong();
    }

    private List<ILoggingEvent> discoveryLines(Level level) {
        return captured.list.stream()
                .filter(e -> e.getLoggerName().startsWith("io.wsrelay.relay.discovery") && e.getLevel() == level)
                .toList();
    }

    @Test
    void theAggregatorKeepsTakingSamplesWhileAFlushWaitsForTheStore() throws Exception {
        try (TestClient c = fixture.open("proto", "/chat")) {
            ask(c, "{\"type\":\"ping\",\"id\":1}");
            await().atMost(Timeouts.MESSAGE).until(this::kindsInMemory, k -> k == 2);
            FaultyDiscoveryStore.Gate merge = store.hold("merge");
            CompletableFuture<Void> flush = CompletableFuture.runAsync(fixture.discovery::flush, threads);
            try {
                merge.await();
                ask(c, "{\"type\":\"say\",\"id\":2,\"text\":\"while the store is slow\"}");
                // ping and pong being written, say and message learnt meanwhile
                await().atMost(Timeouts.MESSAGE).until(this::kindsInMemory, k -> k == 4);
            } finally {
                merge.pass();
            }
            flush.get(Timeouts.MESSAGE.toMillis(), TimeUnit.MILLISECONDS);
            assertEquals(2, kindsInMemory(), "the flushed kinds are forgotten, the new ones kept");
            bye(c);
        }
        JsonNode summary = fixture.awaitSessions("proto", 1);
        JsonNode up = path(summary, "/chat").path("clientToUpstream");
        assertAll(
                () -> assertEquals(2, up.path("sampled").asLong()),
                () -> assertEquals(0, summary.at("/leftOut/samplesDropped").asLong(), summary.toString()),
                () -> assertEquals(List.of("ping", "say"), DiscoveryFixture.names(up)));
    }

    @Test
    void aDeleteTheStoreRefusesKeepsThisNodesDataAndTheStoredRow() throws Exception {
        session(1);
        fixture.awaitSessions("proto", 1);
        fixture.discovery.flush();
        assertEquals(1, storedSessions());
        session(3);
        fixture.awaitSessions("proto", 2);

        store.down(true);
        HttpResponse<String> delete = fixture.call("DELETE", SUMMARY);
        assertEquals(503, delete.statusCode(), delete.body());
        store.down(false);

        JsonNode summary = fixture.get(SUMMARY);
        assertAll(
                () -> assertEquals(2, summary.path("sessions").asLong(), "this node's unflushed session is kept"),
                () -> assertEquals(4, path(summary, "/chat").at("/clientToUpstream/messages").asLong()),
                () -> assertEquals(1, storedSessions(), "the stored row is kept"));

        assertEquals(204, fixture.call("DELETE", SUMMARY).statusCode());
        assertAll(
                () -> assertTrue(store.rows.isEmpty(), "the stored row is deleted"),
                () -> assertEquals(0, fixture.get(SUMMARY).path("sessions").asLong(), "and this node's data"));
    }

    @Test
    void aFlushTheStoreRefusesLosesNothingAndCountsNothingTwice() throws Exception {
        session(1);
        fixture.awaitSessions("proto", 1);
        fixture.discovery.flush();
        session(2);
        fixture.awaitSessions("proto", 2);

        // The write fails while a third session is learnt meanwhile.
        FaultyDiscoveryStore.Gate merge = store.hold("merge");
        CompletableFuture<Void> flush = CompletableFuture.runAsync(fixture.discovery::flush, threads);
        merge.await();
        session(3);
        await().atMost(Timeouts.MESSAGE).until(this::kindsInMemory, k -> k == 4);
        merge.fail();
        flush.get(Timeouts.MESSAGE.toMillis(), TimeUnit.MILLISECONDS);
        assertEquals(1, storedSessions(), "the failed write wrote nothing");

        JsonNode before = fixture.get(SUMMARY);
        fixture.discovery.flush();
        JsonNode after = fixture.get(SUMMARY);
        assertAll(
                () -> assertEquals(3, before.path("sessions").asLong(), before.toString()),
                () -> assertEquals(3, storedSessions(), "every session once in the store"),
                () -> assertEquals(3, after.path("sessions").asLong(), after.toString()),
                () -> assertEquals(6, path(after, "/chat").at("/clientToUpstream/messages").asLong()),
                () -> assertEquals(6, DiscoveryFixture.kind(path(after, "/chat").path("clientToUpstream"), "say")
                        .path("count").asLong()),
                () -> assertEquals(0, kindsInMemory(), "nothing left to flush"));
    }

    @Test
    void aFlushStopsAtTheStoresFirstFailureInsteadOfWaitingOncePerEndpoint() throws Exception {
        fixture.register("proto2", io.wsrelay.relay.spi.CaptureMode.SAMPLES);
        session(1);
        try (TestClient c = fixture.open("proto2", "/chat")) {
            ask(c, "{\"type\":\"ping\",\"id\":1}");
            bye(c);
        }
        fixture.awaitSessions("proto", 1);
        fixture.awaitSessions("proto2", 1);
        store.down(true);
        int merges = store.merges.get();
        fixture.discovery.flush();
        assertEquals(merges + 1, store.merges.get(), "one write tried");
        store.down(false);
        fixture.discovery.flush();
        assertAll(
                () -> assertEquals(1, storedSessions()),
                () -> assertEquals(1, DiscoveryFixture.JSON.readTree(store.rows.get("proto2")).path("sessions").asLong()));
    }

    @Test
    void anOutageIsOneWarnWhenItStartsAndOneInfoWhenItEnds() throws Exception {
        session(1);
        fixture.awaitSessions("proto", 1);
        store.down(true);
        for (int i = 0; i < 3; i++) {
            assertEquals(503, fixture.call("GET", SUMMARY).statusCode());
            assertEquals(503, fixture.call("GET", SUMMARY + "/asyncapi").statusCode());
            assertEquals(503, fixture.call("DELETE", SUMMARY).statusCode());
            fixture.discovery.flush();
        }
        store.down(false);
        assertEquals(200, fixture.call("GET", SUMMARY).statusCode());
        fixture.discovery.flush();
        assertEquals(200, fixture.call("GET", SUMMARY).statusCode());
        List<ILoggingEvent> warns = discoveryLines(Level.WARN);
        List<String> recovered = discoveryLines(Level.INFO).stream().map(ILoggingEvent::getFormattedMessage)
                .filter(m -> m.contains("answers again")).toList();
        assertAll(
                () -> assertEquals(1, warns.size(), warns.toString()),
                () -> assertEquals(1, recovered.size(), recovered.toString()),
                () -> assertEquals(1, storedSessions()));
    }

    @Test
    void aViewDuringAnOutageAsksTheStoreOnceAndAViewBehindAFailingFlushNotAtAll() throws Exception {
        session(1);
        fixture.awaitSessions("proto", 1);
        store.down(true);
        int loads = store.loads.get();
        assertEquals(503, fixture.call("GET", SUMMARY).statusCode());
        assertEquals(loads + 1, store.loads.get(), "one load, no retries");
        store.down(false);

        FaultyDiscoveryStore.Gate merge = store.hold("merge");
        CompletableFuture<Void> flush = CompletableFuture.runAsync(fixture.discovery::flush, threads);
        merge.await();
        int loadsBefore = store.loads.get();
        CompletableFuture<HttpResponse<String>> view = CompletableFuture.supplyAsync(() -> {
            try {
                return fixture.call("GET", SUMMARY);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, threads);
        await().atMost(Timeouts.MESSAGE).until(() -> fixture.discovery.waitingForTheStore() == 1);
        merge.fail();
        flush.get(Timeouts.MESSAGE.toMillis(), TimeUnit.MILLISECONDS);
        HttpResponse<String> answer = view.get(Timeouts.MESSAGE.toMillis(), TimeUnit.MILLISECONDS);
        assertAll(
                () -> assertEquals(503, answer.statusCode(), answer.body()),
                () -> assertEquals(loadsBefore, store.loads.get(), "the failed flush answered for the store"));
    }
}
