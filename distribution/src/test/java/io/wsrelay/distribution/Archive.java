package io.wsrelay.distribution;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The release archive built by this module's {@code package}, unpacked into a folder away from
 * the source tree, and its commands run as real processes with an environment in which the
 * default {@code java} is the machine's older JDK (17 here) and no {@code WSRELAY_*} variable is set.
 */
final class Archive {
    /** What {@code mvn package} built; set by the failsafe configuration. */
    static final Path TARBALL = Path.of(System.getProperty("wsrelay.archive", "target/wsrelay.tar.gz"));
    static final String VERSION = System.getProperty("wsrelay.version", "unknown");
    static final Path SOURCE = Path.of(System.getProperty("wsrelay.source", "..")).toAbsolutePath().normalize();
    /** Longest a one-shot command may take on a loaded 2-core machine (JVM start, store open, migrations). */
    static final Duration COMMAND = Duration.ofSeconds(90);

    private static final Pattern LISTENING = Pattern.compile("wsrelay listening on [^:]+:(\\d+)");

    private final Path home;
    private final Path scratch;

    private Archive(Path home, Path scratch) {
        this.home = home;
        this.scratch = scratch;
    }

    /** Unpacks the archive with {@code tar} into {@code dir}. */
    static Archive unpack(Path dir) throws Exception {
        assertTrue(Files.isRegularFile(TARBALL), "no archive at " + TARBALL + " (built by mvn package)");
        assertTrue(!dir.toAbsolutePath().startsWith(SOURCE), dir + " must be outside the source tree " + SOURCE);
        Process tar = new ProcessBuilder("tar", "xzf", TARBALL.toString(), "-C", dir.toString())
                .redirectErrorStream(true).start();
        assertTrue(tar.waitFor(COMMAND.toSeconds(), TimeUnit.SECONDS) && tar.exitValue() == 0,
                "tar failed: " + new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        Path scratch = Files.createDirectories(dir.resolve("scratch"));
        return new Archive(dir.resolve("wsrelay-" + VERSION), scratch);
    }

    Path home() {
        return home;
    }

    /** Output and exit status of one finished command. */
    record Result(int status, String out, String err) {
        @Override
        public String toString() {
            return "exit " + status + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    /** {@code bin/wsrelay ARGS...} with {@code env} added to the clean environment; waits for it. */
    Result wsrelay(Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(home.resolve("bin/wsrelay").toString()));
        command.addAll(List.of(args));
        return run(command, env);
    }

    /** Any command, in the archive's folder, with the clean environment plus {@code env}. */
    Result run(List<String> command, Map<String, String> env) throws Exception {
        Path out = Files.createTempFile(scratch, "out-", ".txt");
        Path err = Files.createTempFile(scratch, "err-", ".txt");
        ProcessBuilder builder = new ProcessBuilder(command).directory(home.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        environment(builder.environment(), env);
        Process process = builder.start();
        if (!process.waitFor(COMMAND.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(COMMAND.toSeconds(), TimeUnit.SECONDS);
            throw new AssertionError(command + " did not finish within " + COMMAND + ":\n"
                    + Files.readString(out) + Files.readString(err));
        }
        return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    /** The environment a fresh shell on this machine has, without any wsrelay variable, default java older than 25 where there is one. */
    private void environment(Map<String, String> target, Map<String, String> extra) {
        target.keySet().removeIf(k -> k.startsWith("WSRELAY_") || k.equals("WEBSOCKET_PORT") || k.equals("JAVA_HOME")
                || k.startsWith("MAVEN_") || k.equals("CLASSPATH"));
        Path java17 = Path.of("/usr/lib/jvm/java-17-openjdk-amd64/bin");
        String path = target.getOrDefault("PATH", "/usr/bin:/bin");
        if (Files.isDirectory(java17)) {
            path = java17 + ":" + path;
        }
        target.put("PATH", path);
        target.put("HOME", scratch.toString());
        target.putAll(extra);
    }

    /** {@code bin/wsrelay serve --port 0 ...} running until closed. */
    Serve serve(Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(home.resolve("bin/wsrelay").toString(), "serve",
                "--port", "0", "--set", "relay.host=127.0.0.1", "--set", "relay.upstream.allow-private-addresses=true"));
        command.addAll(List.of(args));
        Path output = Files.createTempFile(scratch, "serve-", ".log");
        ProcessBuilder builder = new ProcessBuilder(command).directory(home.toFile()).redirectErrorStream(true)
                .redirectOutput(output.toFile());
        environment(builder.environment(), env);
        return new Serve(builder.start(), output);
    }

    /** A running {@code serve}; SIGTERM then SIGKILL on close. */
    static final class Serve implements AutoCloseable {
        private final Process process;
        private final Path output;
        private final int port;

        Serve(Process process, Path output) {
            this.process = process;
            this.output = output;
            try {
                int[] found = new int[1];
                await().atMost(COMMAND).until(() -> {
                    if (!process.isAlive()) {
                        throw new AssertionError("serve exited with " + process.exitValue() + ":\n" + output());
                    }
                    Matcher m = LISTENING.matcher(output());
                    if (m.find()) {
                        found[0] = Integer.parseInt(m.group(1));
                        return true;
                    }
                    return false;
                });
                port = found[0];
            } catch (RuntimeException | Error e) {
                process.destroyForcibly();
                throw e;
            }
        }

        int port() {
            return port;
        }

        String output() throws IOException {
            return Files.readString(output, StandardCharsets.UTF_8);
        }

        java.net.URI ws(String pathAndQuery) {
            return java.net.URI.create("ws://127.0.0.1:" + port + "/ws-proxy" + pathAndQuery);
        }

        @Override
        public void close() throws Exception {
            process.destroy();
            if (!process.waitFor(COMMAND.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(COMMAND.toSeconds(), TimeUnit.SECONDS);
            }
        }
    }

    static Map<String, String> env(String... keyValues) {
        Map<String, String> out = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            out.put(keyValues[i], keyValues[i + 1]);
        }
        return out;
    }
}
