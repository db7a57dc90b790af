package io.wsrelay.benchmarks;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.net.URI;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Churn workload: each of {@code conns} workers, over and over, opens a WebSocket, sends one text
 * message, waits for its echo, and closes (closing handshake, then the socket). Counts whole
 * sessions per second and records each opening handshake's duration (TCP connect plus HTTP
 * upgrade, from {@code buildAsync} until the JDK reports it open). Blocks for about
 * {@code warmup + duration}, plus at most one session's bounded waits per worker.
 */
final class ChurnLoad {

    /** Longest wait for one echo or one closing handshake. */
    private static final Duration STEP_WAIT = Duration.ofSeconds(10);

    /**
     * @param uri      the echo target
     * @param conns    sessions in progress at once
     * @param size     the one message's size in bytes (text, ASCII)
     * @param warmup   time run but not counted
     * @param duration time counted
     * @param cpuPids  processes whose CPU time is read at the start and end of the measured time
     */
    record Settings(URI uri, int conns, int size, Duration warmup, Duration duration, List<Long> cpuPids) {
    }

    private final Settings s;
    private final ClientPool pool;
    private final Failures failures = new Failures();
    private final LongAdder sessions = new LongAdder();
    private final Recorder opens = new Recorder(3);
    private volatile boolean running = true;

    private ChurnLoad(Settings s, ClientPool pool) {
        this.s = s;
        this.pool = pool;
    }

    static ChurnReport run(Settings s, ClientPool pool) throws InterruptedException {
        return new ChurnLoad(s, pool).run();
    }

    private ChurnReport run() throws InterruptedException {
        String message = "x".repeat(s.size());
        List<Thread> workers = new ArrayList<>(s.conns());
        for (int i = 0; i < s.conns(); i++) {
            int id = i;
            workers.add(Thread.ofVirtual().name("churn-" + i).start(() -> work(id, message)));
        }
        Thread.sleep(s.warmup());
        sessions.sumThenReset();
        opens.getIntervalHistogram();
        OptionalLong cpuBefore = ProcessCpu.micros(s.cpuPids());
        long t0 = System.nanoTime();
        Thread.sleep(s.duration());
        long counted = sessions.sumThenReset();
        Histogram h = opens.getIntervalHistogram();
        long elapsed = System.nanoTime() - t0;
        OptionalLong cpuAfter = ProcessCpu.micros(s.cpuPids());
        running = false;
        for (Thread w : workers) {
            w.join(STEP_WAIT.multipliedBy(3));
        }
        Long cpu = cpuBefore.isPresent() && cpuAfter.isPresent() ? cpuAfter.getAsLong() - cpuBefore.getAsLong() : null;
        return ChurnReport.of(s, counted, elapsed, h, cpu, failures);
    }

    private void work(int id, String message) {
        while (running) {
            Session session = new Session(message);
            long start = System.nanoTime();
            WebSocket ws;
            try {
                ws = pool.client(id).newWebSocketBuilder().connectTimeout(STEP_WAIT).buildAsync(s.uri(), session)
                        .get(STEP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                failures.record(FailureKind.CONNECT, e);
                continue;
            }
            opens.recordValue(System.nanoTime() - start);
            try {
                ws.sendText(message, true).get(STEP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
                session.echoed.get(STEP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
                ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(STEP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
                session.closed.get(STEP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
                sessions.increment();
            } catch (Exception e) {
                failures.record(session.echoed.isDone() ? FailureKind.CLOSED_EARLY : FailureKind.UNANSWERED, e);
            } finally {
                ws.abort(); // the socket, whatever the close handshake did
            }
        }
    }

    /** One short session's listener: collects the echo, then waits for the server's close. */
    private final class Session implements WebSocket.Listener {
        final CompletableFuture<Void> echoed = new CompletableFuture<>();
        final CompletableFuture<Void> closed = new CompletableFuture<>();
        private final String expected;
        private final StringBuilder got = new StringBuilder();

        Session(String expected) {
            this.expected = expected;
        }

        @Override
        public void onOpen(WebSocket webSocket) {
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            got.append(data);
            if (last) {
                if (got.toString().equals(expected)) {
                    echoed.complete(null);
                } else {
                    failures.record(FailureKind.MISMATCH, "echo of " + got.length() + " chars, expected " + expected.length());
                    echoed.completeExceptionally(new IllegalStateException("mismatch"));
                }
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            echoed.completeExceptionally(new IllegalStateException("binary echo of a text message"));
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closed.complete(null);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            echoed.completeExceptionally(error);
            closed.completeExceptionally(error);
        }
    }
}
