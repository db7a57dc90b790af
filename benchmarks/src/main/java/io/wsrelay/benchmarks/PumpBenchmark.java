package io.wsrelay.benchmarks;

import io.wsrelay.relay.config.RelayConfig;
import io.wsrelay.relay.RelayServer;
import io.wsrelay.relay.spi.Endpoint;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Round trip of one message through the relay core ({@code target=relay}: a {@link RelayServer}
 * in front of an in-process {@link EchoUpstream}) and straight to the same upstream
 * ({@code target=direct}), so every figure has a direct twin and the ratio of the two is what the
 * extra hop costs. Everything runs in one JVM over loopback: client, relay and upstream share the
 * machine's cores, as in the load benchmark.
 *
 * <p>One operation is one message of {@code size} bytes, {@code text} or {@code binary}, sent and
 * received back whole; each JMH thread owns one WebSocket session ({@link EchoSession}) and keeps
 * exactly one message in flight, so {@link #oneSession} measures a single session and
 * {@link #sessions64} 64 concurrent ones (closed loop: their latency includes queueing behind
 * each other). {@link Mode#Throughput} gives messages per second, all threads together;
 * {@link Mode#SampleTime} the latency distribution (mean and percentiles). MB/s is messages per
 * second times {@code size}, one direction; the README computes it, JMH does not. Milliseconds
 * are the output unit because the two modes share it: messages per millisecond and milliseconds
 * per message both stay readable from 64 B to 1 MiB ({@code -rf json} keeps full precision).
 *
 * <p>Relay settings are the defaults except host and port; the endpoint table is in memory, so
 * no store is read (lookups happen only at the opening handshake, outside the measurement).
 */
@BenchmarkMode({Mode.Throughput, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class PumpBenchmark {

    /** Longest the trial's teardown waits for every session's closing handshake (each takes at most 2 s). */
    private static final Duration SESSIONS_CLOSE_WAIT = Duration.ofSeconds(5);

    /** Servers and the client, one set per trial, shared by every thread. */
    @State(Scope.Benchmark)
    public static class Target {

        /** {@code relay}: through a RelayServer; {@code direct}: straight to the echo upstream. */
        @Param({"relay", "direct"})
        public String target;

        @Param({"text", "binary"})
        public String type;

        /** Message size in bytes. */
        @Param({"64", "4096", "65536", "1048576"})
        public int size;

        private EchoUpstream upstream;
        private RelayServer relay;
        private HttpClient client;
        private URI uri;
        // JMH may tear this state down while other threads still close their sessions; stop()
        // waits for them (bounded) so no socket is cut under a closing handshake.
        private final AtomicInteger opened = new AtomicInteger();
        private final Semaphore closed = new Semaphore(0);

        @Setup(Level.Trial)
        public void start() throws Exception {
            upstream = EchoUpstream.start();
            URI echo = upstream.echoUri();
            switch (target) {
                case "direct" -> uri = echo;
                case "relay" -> {
                    Endpoint endpoint = Endpoint.of("bench", "ws://" + echo.getAuthority());
                    relay = RelayServer.create(RelayConfig.from(Map.of("relay.host", "127.0.0.1", "relay.port", "0",
                            // the echo upstream is on loopback, which the destination guard refuses by default
                            "relay.upstream.allow-private-addresses", "true")),
                            id -> Optional.of(endpoint).filter(e -> e.id().equals(id))).start();
                    uri = URI.create("ws://127.0.0.1:" + relay.port() + "/ws-proxy/echo?endpointId=bench");
                }
                default -> throw new IllegalArgumentException("target must be relay or direct, was " + target);
            }
            // One client for all sessions: its one selector thread reads every socket, the same
            // for both targets (the relay's own upstream client is separate, inside RelayServer).
            client = HttpClient.newHttpClient();
        }

        @TearDown(Level.Trial)
        public void stop() throws InterruptedException {
            closed.tryAcquire(opened.get(), SESSIONS_CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            client.shutdownNow();
            if (relay != null) {
                relay.close();
            }
            upstream.close();
        }

        boolean isBinary() {
            return switch (type) {
                case "text" -> false;
                case "binary" -> true;
                default -> throw new IllegalArgumentException("type must be text or binary, was " + type);
            };
        }
    }

    /** One session per JMH thread, opened for the whole trial. */
    @State(Scope.Thread)
    public static class Session {

        private EchoSession session;
        private Target target;

        @Setup(Level.Trial)
        public void open(Target target) {
            this.target = target;
            session = EchoSession.open(target.client, target.uri, target.isBinary(), target.size);
            target.opened.incrementAndGet();
        }

        @TearDown(Level.Trial)
        public void close() {
            try {
                session.close();
            } finally {
                target.closed.release();
            }
        }
    }

    @Benchmark
    @Threads(1)
    public void oneSession(Session s) throws InterruptedException {
        s.session.roundTrip();
    }

    @Benchmark
    @Threads(64)
    public void sessions64(Session s) throws InterruptedException {
        s.session.roundTrip();
    }
}
