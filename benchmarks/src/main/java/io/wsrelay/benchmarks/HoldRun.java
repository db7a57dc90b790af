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
 * thread for the opening, the check, {@code hold} and the closing, each bounded.
 */
final class HoldRun {

    /** Size of the one check message per connection: just the header. */
    private static final int CHECK_BYTES = Payload.HEADER_BYTES;

    /**
     * One hold run.
     *
     * @param uri    the echo target
     * @param conns  connections to open
     * @param pids   processes whose resident memory is summed (a relay; nginx's worker); may be empty
     * @param hold   how long the connections stay open, idle, before memory is read again
     * @param verify longest wait for the check messages' echoes, all connections together
     */
    record Settings(URI uri, int conns, List<Long> pids, Duration hold, Duration verify) {
    }

    private HoldRun() {
    }

    static HoldReport run(Settings s, ClientPool pool) throws InterruptedException {
        Failures failures = new Failures();
        Tally tally = new Tally();
        List<EchoConnection> all = new ArrayList<>(s.conns());
        for (int i = 0; i < s.conns(); i++) {
            all.add(new EchoConnection(i, false, CHECK_BYTES, tally, failures));
        }
        OptionalLong before = ResidentMemory.kib(s.pids());
        long t0 = System.nanoTime();
        List<EchoConnection> open = pool.openAll(s.uri(), all, failures);
        long openMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        for (EchoConnection c : open) {
            c.start(new Pacer.Once()); // the one message leaves inside start()
            c.stop();                  // so stop() only waits for its echo
        }
        EchoRun.awaitAll(open.stream().map(EchoConnection::drained).toList(), s.verify());
        long verified = tally.cut().messages();
        failures.record(FailureKind.UNVERIFIED, open.size() - verified, (open.size() - verified)
                + " open connections did not echo their check message within " + s.verify().toMillis() + " ms");
        Thread.sleep(s.hold());
        OptionalLong after = ResidentMemory.kib(s.pids());
        long stillOpen = open.stream().filter(c -> !c.isEnded()).count();
        EchoRun.closeAll(open);
        return HoldReport.of(s, open.size(), verified, stillOpen, openMillis, before, after, failures);
    }
}
