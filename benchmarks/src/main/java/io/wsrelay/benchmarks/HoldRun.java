package io.wsrelay.benchmarks;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * Hold mode: open many idle connections, prove each one relays (one echoed message), hold them,
 * and report how much the target's resident memory grew per connection. Blocks the calling
 * thread for the opening, the checks, {@code hold} and the closing, each bounded.
 *
 * <p>With a {@code base} of B, B connections are opened and checked first and memory is read
 * only then, so the figure is the slope between B and B + N connections: what one more
 * connection costs a process that already serves some, with its heap and pools warmed, rather
 * than the first-touch cost of a process that has served nothing.
 */
final class HoldRun {

    /** Size of the one check message per connection: just the header. */
    private static final int CHECK_BYTES = Payload.HEADER_BYTES;

    /**
     * One hold run.
     *
     * @param uri    the echo target
     * @param conns  connections measured
     * @param base   connections opened (and kept open) before memory is first read; 0 for none
     * @param pids   processes whose resident memory is summed (a relay; nginx's worker); may be empty
     * @param hold   how long the connections stay open, idle, before memory is read again
     * @param verify longest wait for the check messages' echoes, per batch
     */
    record Settings(URI uri, int conns, int base, List<Long> pids, Duration hold, Duration verify) {
    }

    private final Settings settings;
    private final ClientPool pool;
    private final Failures failures = new Failures();
    private final Tally tally = new Tally();

    private HoldRun(Settings settings, ClientPool pool) {
        this.settings = settings;
        this.pool = pool;
    }

    static HoldReport run(Settings s, ClientPool pool) throws InterruptedException {
        return new HoldRun(s, pool).run();
    }

    private HoldReport run() throws InterruptedException {
        List<EchoConnection> base = new ArrayList<>();
        List<EchoConnection> measured = new ArrayList<>();
        try {
            base.addAll(openAndCheck(0, settings.base()));
            long baseVerified = tally.cut().messages();
            OptionalLong before = ResidentMemory.kib(settings.pids());
            long t0 = System.nanoTime();
            measured.addAll(openAndCheck(settings.base(), settings.conns()));
            long openMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            long verified = tally.cut().messages();
            Thread.sleep(settings.hold());
            OptionalLong after = ResidentMemory.kib(settings.pids());
            long stillOpen = measured.stream().filter(c -> !c.isEnded()).count();
            return HoldReport.of(settings, base.size(), baseVerified, measured.size(), verified, stillOpen,
                    openMillis, before, after, failures);
        } finally {
            base.addAll(measured);
            EchoRun.closeAll(base);
        }
    }

    /** Opens {@code count} connections and sends each its one check message; returns the open ones. */
    private List<EchoConnection> openAndCheck(int firstId, int count) throws InterruptedException {
        List<EchoConnection> all = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            all.add(new EchoConnection(firstId + i, false, CHECK_BYTES, tally, failures));
        }
        List<EchoConnection> open = pool.openAll(settings.uri(), all, failures);
        for (EchoConnection c : open) {
            c.start(new Pacer.Once()); // the one message leaves inside start()
            c.stop();                  // so stop() only waits for its echo
        }
        EchoRun.awaitAll(open.stream().map(EchoConnection::drained).toList(), settings.verify());
        long unverified = open.stream().filter(c -> c.inFlight() > 0).count();
        failures.record(FailureKind.UNVERIFIED, unverified, unverified + " open connections did not echo their"
                + " check message within " + settings.verify().toMillis() + " ms");
        return open;
    }
}
