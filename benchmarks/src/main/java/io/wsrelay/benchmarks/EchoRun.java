package io.wsrelay.benchmarks;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One echo workload, window or rate mode: open the connections, warm up, measure, drain, close.
 * Blocks the calling thread for about {@code warmup + duration}, plus opening, draining and
 * closing, each bounded.
 */
final class EchoRun {

    /** Longest wait for the closing handshakes before the sockets are aborted. */
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(2);

    /**
     * One echo workload.
     *
     * @param uri         the echo target
     * @param conns       connections
     * @param size        message size in bytes, at least {@link Payload#HEADER_BYTES}
     * @param binary      binary messages if true, text if false
     * @param window      window mode: messages in flight per connection
     * @param rate        rate mode if above 0: messages per second, all connections together
     * @param maxInFlight rate mode: most messages in flight per connection before sending waits
     * @param warmup      time run but not counted
     * @param duration    time counted
     * @param drain       longest wait for the echoes in flight at the end
     * @param cpuPids     processes whose CPU time is read at the start and end of the measured time
     */
    record Settings(URI uri, int conns, int size, boolean binary, int window, double rate, int maxInFlight,
                    Duration warmup, Duration duration, Duration drain, List<Long> cpuPids) {

        boolean isRate() {
            return rate > 0;
        }
    }

    private EchoRun() {
    }

    static EchoReport run(Settings s, ClientPool pool) throws InterruptedException {
        Failures failures = new Failures();
        Tally tally = new Tally();
        List<EchoConnection> all = new ArrayList<>(s.conns());
        for (int i = 0; i < s.conns(); i++) {
            all.add(new EchoConnection(i, s.binary(), s.size(), tally, failures));
        }
        List<EchoConnection> open = pool.openAll(s.uri(), all, failures);
        Tally.Interval measured;
        long elapsedNanos;
        java.util.OptionalLong cpuBefore;
        java.util.OptionalLong cpuAfter;
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("loadgen-ticker").daemon().factory());
        try {
            start(s, open, ticker);
            Thread.sleep(s.warmup());
            tally.cut();
            cpuBefore = ProcessCpu.micros(s.cpuPids());
            long t0 = System.nanoTime();
            Thread.sleep(s.duration());
            measured = tally.cut();
            elapsedNanos = System.nanoTime() - t0;
            cpuAfter = ProcessCpu.micros(s.cpuPids());
        } finally {
            ticker.shutdownNow();
            open.forEach(EchoConnection::stop);
        }
        awaitAll(open.stream().map(EchoConnection::drained).toList(), s.drain());
        long unanswered = open.stream().mapToLong(EchoConnection::inFlight).sum();
        failures.record(FailureKind.UNANSWERED, unanswered, unanswered + " messages unanswered after "
                + s.drain().toMillis() + " ms of drain");
        closeAll(open);
        Long cpu = cpuBefore.isPresent() && cpuAfter.isPresent() ? cpuAfter.getAsLong() - cpuBefore.getAsLong() : null;
        return EchoReport.of(s, open.size(), measured, elapsedNanos, cpu, failures);
    }

    private static void start(Settings s, List<EchoConnection> open, ScheduledExecutorService ticker) {
        if (!s.isRate()) {
            open.forEach(c -> c.start(new Pacer.Window(s.window())));
            return;
        }
        // Each connection sends every 'interval'; the connections' schedules are spread evenly
        // over one interval so the target sees a steady stream, not bursts of 'conns' messages.
        long interval = Math.max(1, Math.round(1e9 * open.size() / s.rate()));
        long start = System.nanoTime();
        for (int i = 0; i < open.size(); i++) {
            EchoConnection c = open.get(i);
            long phase = interval * i / open.size();
            c.start(new Pacer.Rate(start + phase, interval, s.maxInFlight()));
            ticker.scheduleAtFixedRate(c::trySend, phase, interval, TimeUnit.NANOSECONDS);
        }
    }

    /** Waits for every future or until {@code timeout}, whichever comes first; never throws for them. */
    static void awaitAll(List<CompletableFuture<Void>> futures, Duration timeout) throws InterruptedException {
        try {
            CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException | TimeoutException e) {
            // What did not finish is counted by the caller (in flight, still open); nothing to add.
        }
    }

    /** Closing handshake on every connection, bounded, then abort whatever is left. */
    static void closeAll(List<EchoConnection> open) throws InterruptedException {
        try {
            awaitAll(open.stream().map(EchoConnection::close).toList(), CLOSE_WAIT);
        } finally {
            open.forEach(EchoConnection::abort);
        }
    }
}
