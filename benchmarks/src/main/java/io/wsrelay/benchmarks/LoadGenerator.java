package io.wsrelay.benchmarks;

import com.fasterxml.jackson.core.JsonProcessingException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * WebSocket load generator against an echo target, directly or through a relay.
 *
 * <p>Prints one JSON line on stdout and a human table on stderr. Exit status: 0 when the run had
 * no errors, 1 when it counted any (the JSON says which), 2 for a usage error.
 */
@Command(name = "loadgen", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Loads an echo WebSocket target and reports msgs/s, MB/s and round-trip percentiles,",
            "or holds idle connections and reports a process's resident memory per connection.",
            "Window mode (default): every connection keeps --window messages in flight.",
            "Rate mode (--rate): a fixed total rate; latency counts from each message's intended",
            "send time, so a stalled target cannot hide its stall (coordinated omission).",
            "Hold mode (--hold N): N idle connections, each checked with one echo; --pid PID.",
            "Churn mode (--churn): --conns workers each open, echo one message, close, repeat;",
            "sessions/s and opening-handshake percentiles. --cpu-pid PID: CPU per message/session."})
public final class LoadGenerator implements Callable<Integer> {

    /** Largest message accepted, in bytes; the echo servers here accept 256 MiB, we need far less. */
    private static final int MAX_SIZE = 64 << 20;
    /** Most connections; the per-process file limit on the benchmark machines is 20,000. */
    private static final int MAX_CONNS = 60_000;

    @Parameters(index = "0", paramLabel = "URL", description = "ws:// or wss:// echo target")
    URI url;

    @Option(names = "--conns", description = "connections (default ${DEFAULT-VALUE})")
    int conns = 16;
    @Option(names = "--size", description = "message size in bytes, at least 24 (default ${DEFAULT-VALUE})")
    int size = 64;
    @Option(names = "--window", description = "messages in flight per connection (default ${DEFAULT-VALUE})")
    int window = 1;
    @Option(names = "--binary", description = "binary messages instead of text")
    boolean binary;
    @Option(names = "--secs", description = "measured seconds; hold mode: seconds held (default ${DEFAULT-VALUE})")
    double secs = 5;
    @Option(names = "--warmup", description = "seconds run before measuring (default ${DEFAULT-VALUE})")
    double warmup = 1;
    @Option(names = "--rate", description = "fixed rate, msgs/s over all connections; 0 = window mode")
    double rate;
    @Option(names = "--max-in-flight", description = "rate mode: most unanswered messages per connection (default ${DEFAULT-VALUE})")
    int maxInFlight = 1000;
    @Option(names = "--hold", description = "hold mode: open N idle connections")
    int hold;
    @Option(names = "--base", description = "hold mode: connections opened before memory is first read (default ${DEFAULT-VALUE})")
    int base;
    @Option(names = "--pid", description = "hold mode: process(es) whose resident memory is measured, summed")
    List<Long> pids = new ArrayList<>();
    @Option(names = "--churn", description = "churn mode: open, one echo, close, over and over, --conns at once")
    boolean churn;
    @Option(names = "--cpu-pid", description = "window, rate, churn: process(es) whose CPU time is measured, summed")
    List<Long> cpuPids = new ArrayList<>();
    @Option(names = "--clients", description = "HttpClients (one selector thread each) (default: cores = ${DEFAULT-VALUE})")
    int clients = Runtime.getRuntime().availableProcessors();
    @Option(names = "--parallel", description = "opening handshakes in progress at once (default ${DEFAULT-VALUE})")
    int parallel = 64;
    @Option(names = "--connect-timeout", description = "seconds per opening handshake (default ${DEFAULT-VALUE})")
    double connectTimeout = 10;
    @Option(names = "--open-timeout", description = "seconds to open all connections (default ${DEFAULT-VALUE})")
    double openTimeout = 120;
    @Option(names = "--drain", description = "seconds to wait for echoes in flight at the end (default ${DEFAULT-VALUE})")
    double drain = 2;
    @Option(names = "--verify-timeout", description = "hold mode: seconds for all check echoes (default ${DEFAULT-VALUE})")
    double verifyTimeout = 30;
    @Option(names = "--table", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "print the human table on stderr (default ${DEFAULT-VALUE})")
    boolean table;

    @Spec
    CommandLine.Model.CommandSpec spec;

    private final PrintStream out;
    private final PrintStream err;

    private LoadGenerator(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        System.exit(run(System.out, System.err, args));
    }

    /**
     * Runs the generator with {@code args} as on the command line, blocking until the run ends
     * (about warm-up plus duration, plus bounded opening, draining and closing).
     *
     * @return the exit status: 0 no errors, 1 errors counted, 2 usage error
     */
    static int run(PrintStream out, PrintStream err, String... args) {
        CommandLine cmd = new CommandLine(new LoadGenerator(out, err));
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        return cmd.execute(args);
    }

    @Override
    public Integer call() throws InterruptedException, JsonProcessingException {
        validate();
        ClientPool.Settings opening = new ClientPool.Settings(clients, parallel, seconds(connectTimeout), seconds(openTimeout));
        try (ClientPool pool = new ClientPool(opening)) {
            if (hold > 0) {
                HoldReport r = HoldRun.run(new HoldRun.Settings(url, hold, base, List.copyOf(pids), seconds(secs),
                        seconds(verifyTimeout)), pool);
                return print(r, r.table(), r.errors());
            }
            if (churn) {
                ChurnReport r = ChurnLoad.run(new ChurnLoad.Settings(url, conns, size, seconds(warmup), seconds(secs),
                        List.copyOf(cpuPids)), pool);
                return print(r, r.table(), r.errors());
            }
            EchoReport r = EchoRun.run(new EchoRun.Settings(url, conns, size, binary, window, rate, maxInFlight,
                    seconds(warmup), seconds(secs), seconds(drain), List.copyOf(cpuPids)), pool);
            return print(r, r.table(), r.errors());
        }
    }

    private int print(Record report, Table human, long errors) throws JsonProcessingException {
        out.println(Json.mapper().writeValueAsString(report));
        out.flush();
        if (table) {
            err.print(human);
            err.flush();
        }
        return errors == 0 ? 0 : 1;
    }

    private void validate() {
        String scheme = url.getScheme();
        require("ws".equalsIgnoreCase(scheme) || "wss".equalsIgnoreCase(scheme), "URL must be ws:// or wss://, was " + url);
        require(conns >= 1 && conns <= MAX_CONNS, "--conns must be 1.." + MAX_CONNS);
        require(hold >= 0 && base >= 0 && hold + base <= MAX_CONNS, "--hold plus --base must be 0.." + MAX_CONNS);
        require(base == 0 || hold > 0, "--base goes with --hold");
        require(size >= Payload.HEADER_BYTES && size <= MAX_SIZE, "--size must be " + Payload.HEADER_BYTES + ".." + MAX_SIZE);
        require(window >= 1 && window <= 4096, "--window must be 1..4096");
        require(secs > 0 && secs <= 3600, "--secs must be above 0 and at most 3600");
        require(warmup >= 0 && warmup <= 600, "--warmup must be 0..600");
        require(rate >= 0 && maxInFlight >= 1, "--rate must be 0 or more, --max-in-flight 1 or more");
        require(clients >= 1 && clients <= 64 && parallel >= 1, "--clients must be 1..64, --parallel 1 or more");
        require(connectTimeout > 0 && openTimeout > 0 && drain >= 0 && verifyTimeout > 0, "timeouts must be above 0");
        require(pids.isEmpty() || hold > 0, "--pid goes with --hold");
        require(!churn || (hold == 0 && rate == 0 && !binary), "--churn does not go with --hold, --rate or --binary");
        require(cpuPids.isEmpty() || hold == 0, "--cpu-pid does not go with --hold");
        for (long pid : cpuPids) {
            require(ProcessCpu.micros(List.of(pid)).isPresent(), "--cpu-pid " + pid + ": no such process");
        }
        for (long pid : pids) {
            require(ResidentMemory.kib(pid).isPresent(), "--pid " + pid + ": no such process, or no VmRSS");
        }
    }

    private void require(boolean ok, String message) {
        if (!ok) {
            throw new CommandLine.ParameterException(spec.commandLine(), message);
        }
    }

    private static Duration seconds(double s) {
        return Duration.ofNanos(Math.round(s * 1e9));
    }
}
