package io.wsrelay.relay;

import io.wsrelay.relay.cli.RelayMain;
import io.wsrelay.relay.config.RelayConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;

/**
 * {@code wsrelay serve} as a real process: this JVM's {@code java} and test classpath running
 * {@link RelayMain}, on {@code 127.0.0.1:0} with the test-only {@code memory} store, logging
 * through the shipped {@code logback.xml} into a file. Killed if still alive on close.
 */
public final class RelayProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("wsrelay listening on [^:]+:(\\d+)");
    /**
     * Longest wait for the port: a JVM start, migrations and (after a kill -9) the embedded
     * database's recovery took over a minute on the shared 2-core machine under load.
     */
    private static final Duration STARTUP = Duration.ofMinutes(3);

    private final Process process;
    private final Path output;
    private final int port;

    private RelayProcess(Process process, Path output) {
        this.process = process;
        this.output = output;
        try {
            this.port = awaitPort();
        } catch (RuntimeException | Error e) {
            // Not yet returned to a try-with-resources: nobody else would stop it.
            process.destroyForcibly();
            throw e;
        }
    }

    /**
     * Starts a relay with {@code settings} ({@code relay.*} keys) on top of host, port and store.
     *
     * @param dir a directory for the output file
     */
    public static RelayProcess start(Path dir, Map<String, String> settings) throws IOException {
        String java = ProcessHandle.current().info().command().orElseThrow();
        List<String> command = new ArrayList<>(List.of(java,
                "-cp", System.getProperty("java.class.path"),
                // The shipped logging setup, not the test one (logback prefers logback-test.xml).
                "-Dlogback.configurationFile=logback.xml",
                RelayMain.class.getName(), "serve",
                "--set", "relay.host=127.0.0.1", "--set", "relay.port=0", "--set", "relay.store.type=memory",
                // The tests' upstreams are on loopback, which the destination guard refuses by default.
                "--set", "relay.upstream.allow-private-addresses=true"));
        settings.forEach((key, value) -> command.addAll(List.of("--set", key + "=" + value)));
        Path output = Files.createTempFile(dir, "relay-", ".log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
        builder.environment().keySet().removeIf(k -> k.startsWith(RelayConfig.ENV_PREFIX) || k.equals(RelayConfig.PORT_ENV));
        return new RelayProcess(builder.start(), output);
    }

    private int awaitPort() {
        int[] found = new int[1];
        await().atMost(STARTUP).until(() -> {
            if (!process.isAlive()) {
                throw new AssertionError("relay process exited with " + process.exitValue() + ":\n" + output());
            }
            Matcher m = LISTENING.matcher(output());
            if (m.find()) {
                found[0] = Integer.parseInt(m.group(1));
                return true;
            }
            return false;
        });
        return found[0];
    }

    public Process process() {
        return process;
    }

    /** Everything the process wrote so far (stdout and stderr). */
    public String output() throws IOException {
        return Files.readString(output, StandardCharsets.UTF_8);
    }

    /** {@code ws://127.0.0.1:<port>/ws-proxy<pathAndQuery>} */
    public URI ws(String pathAndQuery) {
        return URI.create("ws://127.0.0.1:" + port + "/ws-proxy" + pathAndQuery);
    }

    /** {@code http://127.0.0.1:<port><path>} */
    public URI http(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    /** Sends SIGTERM ({@link Process#destroy()} on Linux). */
    public void terminate() {
        process.destroy();
    }

    /**
     * Waits for the process to exit.
     *
     * @return whether it exited within {@code timeout}
     */
    public boolean awaitExit(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(Timeouts.MESSAGE.toMillis(), TimeUnit.MILLISECONDS);
        }
    }
}
