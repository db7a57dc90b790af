package io.wsrelay.relay;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Slow-header (slowloris) clients: many real sockets that send a request head byte by byte and
 * never finish it. The head has a deadline that trickling bytes do not extend; the connections
 * still sending one are capped per client address and in all; a normal client and
 * {@code /healthz} get through during the flood; the relay says so in one log line.
 */
@ExtendWith(UncaughtExceptions.class)
class SlowRequestHeadsTest {
    private static final Duration DEADLINE = Duration.ofSeconds(3);
    private static final int PER_CLIENT = 25;
    private static final int OVERALL = 40;
    /** Sweep granularity (deadline / 10) plus scheduling on a loaded machine. */
    private static final Duration SLACK = Duration.ofMillis(1500);

    private final ListAppender<ILoggingEvent> captured = new ListAppender<>();
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);

    @BeforeEach
    void capture() {
        captured.start();
        root.addAppender(captured);
    }

    @AfterEach
    void release() {
        root.detachAppender(captured);
    }

    /** A socket trickling an endless request head, and when the relay closed it. */
    private static final class Slow {
        final Socket socket;
        final long opened = System.nanoTime();
        volatile long closed;

        Slow(String fromAddress, int port) throws IOException {
            socket = new Socket();
            socket.bind(new InetSocketAddress(fromAddress, 0));
            socket.connect(new InetSocketAddress("127.0.0.1", port), (int) Timeouts.MESSAGE.toMillis());
            socket.getOutputStream().write(("GET /ws-proxy/echo?endpointId=e1 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "X-Slow: ").getBytes(StandardCharsets.US_ASCII));
        }

        boolean isClosed() {
            return closed != 0;
        }

        /** Blocks until the relay closes the connection (reading returns -1 or fails). */
        void awaitClose() {
            try {
                InputStream in = socket.getInputStream();
                byte[] sink = new byte[1024];
                while (in.read(sink) >= 0) {
                    // the relay answers nothing to a head that never ends
                }
            } catch (IOException e) {
                // reset: closed as well
            }
            closed = System.nanoTime();
        }

        /** One more header byte; false once the connection is gone. */
        boolean trickle() {
            try {
                OutputStream out = socket.getOutputStream();
                out.write('x');
                out.flush();
                return true;
            } catch (IOException e) {
                return false;
            }
        }

        Duration lived() {
            return Duration.ofNanos(closed - opened);
        }
    }

    @Test
    void slowHeadsAreCappedAndClosedByTheirDeadlineWhileOthersGetThrough() throws Exception {
        try (RelayHarness harness = RelayHarness.withOperations(Map.of(
                "relay.handshake-timeout", DEADLINE.toMillis() + "ms",
                "relay.limits.max-pending-heads", String.valueOf(OVERALL),
                "relay.limits.max-pending-heads-per-client", String.valueOf(PER_CLIENT)));
             ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            int port = harness.relay.port();
            List<Slow> fromA = new ArrayList<>();
            List<Slow> fromB = new ArrayList<>();
            long start = System.nanoTime();
            for (int i = 0; i < 60; i++) {
                fromA.add(new Slow("127.0.0.1", port));
            }
            for (int i = 0; i < 30; i++) {
                fromB.add(new Slow("127.0.0.2", port)); // another client address (all of 127/8 is loopback)
            }
            List<Slow> all = new ArrayList<>(fromA);
            all.addAll(fromB);
            all.forEach(s -> threads.submit(s::awaitClose));
            threads.submit(() -> {
                // A byte every 200 ms: with an idle timeout instead of a deadline, each would live forever.
                long until = System.nanoTime() + DEADLINE.plus(SLACK).multipliedBy(2).toNanos();
                while (System.nanoTime() < until && all.stream().anyMatch(s -> !s.isClosed())) {
                    all.forEach(Slow::trickle);
                    TimeUnit.MILLISECONDS.sleep(200); // the trickle's pace, not a wait for state
                }
                return null;
            });

            // The limits: the relay made room by closing the oldest, long before any deadline.
            await().atMost(DEADLINE.minus(Duration.ofMillis(500))).until(() -> open(fromA) <= PER_CLIENT
                    && open(fromB) <= PER_CLIENT && open(all) <= OVERALL);
            assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(DEADLINE) < 0,
                    "the limits, not the deadline, closed them");

            // During the flood a normal client and the health probe get through (from address A too).
            try (TestClient client = TestClient.open(harness.uri("/echo?endpointId=e1"))) {
                client.sendText("through the flood");
                assertEquals("through the flood", client.nextMessage(Timeouts.MESSAGE).text());
            }
            assertEquals(200, TestHttp.get(harness.admin("/healthz")).statusCode());
            assertTrue(open(all) > 0, "the flood was still on while they got through");

            // The deadline: every slow head is closed within it, however many bytes it sent.
            await().atMost(DEADLINE.plus(SLACK).plus(Timeouts.CLOSE)).until(() -> open(all) == 0);
            Duration longest = all.stream().map(Slow::lived).max(Duration::compareTo).orElseThrow();
            assertTrue(longest.compareTo(DEADLINE.plus(SLACK)) <= 0, "longest-lived slow head: " + longest.toMillis() + " ms");

            Scrape metrics = Scrape.from(harness.admin("/metrics"));
            assertAll("metrics",
                    () -> assertTrue(metrics.value("wsrelay_request_heads_closed_total", "reason=limit") >= 90 - OVERALL,
                            metrics::text),
                    () -> assertTrue(metrics.value("wsrelay_request_heads_closed_total", "reason=deadline") >= 1),
                    () -> assertEquals(0, metrics.value("wsrelay_request_heads_pending"), 1));

            List<ILoggingEvent> warnings = captured.list.stream()
                    .filter(e -> e.getLoggerName().equals(RequestHeadGuard.class.getName()) && e.getLevel() == Level.WARN)
                    .toList();
            assertAll(
                    () -> assertEquals(1, warnings.size(), () -> "one line for the episode, not one per connection: "
                            + warnings.stream().map(ILoggingEvent::getFormattedMessage).toList()),
                    () -> assertTrue(warnings.getFirst().getFormattedMessage().contains("relay.limits.max-pending-heads"),
                            "names the settings: " + warnings.getFirst().getFormattedMessage()));
            all.forEach(s -> {
                try {
                    s.socket.close();
                } catch (IOException e) {
                    // closing anyway
                }
            });
        }
    }

    @Test
    void aKeptAliveConnectionGetsANewDeadlineForItsNextHead() throws Exception {
        try (RelayHarness harness = RelayHarness.withOperations(Map.of("relay.handshake-timeout", "1s"));
             RawClient c = RawClient.connect(harness.relay.port())) {
            for (int i = 0; i < 3; i++) {
                // Each request is on time, and the connection outlives one deadline in total.
                c.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                assertEquals(200, c.readResponse().status());
                TimeUnit.MILLISECONDS.sleep(500); // the client's pace between requests, not a wait for state
            }
            c.write("GET /healthz HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
            assertTrue(c.awaitEof(Duration.ofSeconds(1).plus(SLACK)), "a head left unfinished is closed at its deadline");
        }
    }

    @Test
    void upgradedAndClosedConnectionsAreForgotten() throws Exception {
        try (RelayHarness harness = RelayHarness.withOperations(Map.of())) {
            RequestHeadGuard guard = harness.relay.requestHeads();
            try (TestClient client = TestClient.open(harness.uri("/echo?endpointId=e1"));
                 RawClient idle = RawClient.connect(harness.relay.port())) {
                client.sendText("one");
                assertEquals("one", client.nextMessage(Timeouts.MESSAGE).text());
                // The upgraded connection is no HTTP connection any more; the idle one still waits for its head.
                await().atMost(Timeouts.MESSAGE).until(() -> guard.httpConnections() == 1 && guard.pending() == 1);
            }
            assertEquals(200, TestHttp.get(harness.admin("/healthz")).statusCode());
            await().atMost(Timeouts.MESSAGE).until(() -> harness.relay.activeSessions() == 0);
            // The JDK client keeps its /healthz connection alive: it waits for its next head, with a deadline.
            await().atMost(Timeouts.MESSAGE).until(() -> guard.httpConnections() <= 1 && guard.pending() <= 1);
        }
    }

    private static long open(List<Slow> sockets) {
        return sockets.stream().filter(s -> !s.isClosed()).count();
    }
}
