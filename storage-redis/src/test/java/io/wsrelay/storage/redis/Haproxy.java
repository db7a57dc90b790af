package io.wsrelay.storage.redis;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * A real HAProxy (the Debian package's binary) running the shipped {@code deploy/haproxy/haproxy.cfg}
 * with its listen address, server addresses, log target and stats socket replaced, in a process
 * of its own ({@code haproxy -db}, foreground), so it never meets another HAProxy on the machine.
 * Stopped (SIGTERM, then SIGKILL) on close.
 */
final class Haproxy implements AutoCloseable {
    static final Path CONFIG = Path.of("..", "deploy", "haproxy", "haproxy.cfg");
    private static final Path BINARY = Path.of("/usr/sbin/haproxy");

    private final Process process;
    private final Path dir;
    private final int port;
    private final Path socket;

    private Haproxy(Process process, Path dir, int port, Path socket) {
        this.process = process;
        this.dir = dir;
        this.port = port;
        this.socket = socket;
    }

    /**
     * Starts HAProxy in front of relays on {@code relayPorts} (loopback), the i-th replacing the
     * shipped config's i-th server address.
     *
     * @param dir an empty directory for the config, socket and log
     * @throws AssertionError if haproxy is missing, refuses the config or does not listen in time
     */
    static Haproxy start(Path dir, List<Integer> relayPorts) throws Exception {
        if (!Files.isExecutable(BINARY)) {
            throw new AssertionError("haproxy is not installed: run .ci/install-haproxy.sh "
                    + "(apt-get install haproxy, the Debian package)");
        }
        int port = freePort();
        Path socket = dir.resolve("admin.sock");
        Map<String, String> replace = new LinkedHashMap<>();
        replace.put("bind :3001", "bind 127.0.0.1:" + port);
        // Logs to the process output (the test's file), not to a syslog that may not exist here.
        replace.put("log /dev/log local0", "log stdout format raw local0");
        replace.put("/run/haproxy/admin.sock", socket.toString());
        List<String> shipped = List.of("10.0.0.11:3001", "10.0.0.12:3001", "10.0.0.13:3001");
        if (relayPorts.size() > shipped.size()) {
            throw new IllegalArgumentException("the shipped config lists " + shipped.size() + " servers");
        }
        String config = Files.readString(CONFIG);
        for (int i = 0; i < shipped.size(); i++) {
            // Fewer nodes: the extra server lines go (a test with one or two nodes).
            replace.put("    server relay" + (i + 1) + " " + shipped.get(i) + "\n", i < relayPorts.size()
                    ? "    server relay" + (i + 1) + " 127.0.0.1:" + relayPorts.get(i) + "\n" : "");
        }
        config = replaceOnce(config, replace);
        Path file = dir.resolve("haproxy.cfg");
        Files.writeString(file, config, StandardCharsets.UTF_8);
        Process check = new ProcessBuilder(BINARY.toString(), "-c", "-f", file.toString()).redirectErrorStream(true).start();
        String checked = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!check.waitFor(Timeouts.RECOVERY.toSeconds(), TimeUnit.SECONDS) || check.exitValue() != 0) {
            throw new AssertionError("haproxy -c refused the config:\n" + checked + "\n" + config);
        }
        Path log = dir.resolve("haproxy.log");
        Process process = new ProcessBuilder(BINARY.toString(), "-db", "-f", file.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Haproxy haproxy = new Haproxy(process, dir, port, socket);
        try {
            await("haproxy to listen on " + port).atMost(Timeouts.RECOVERY).until(haproxy::accepts);
        } catch (RuntimeException e) {
            haproxy.close();
            throw new AssertionError("haproxy did not start:\n" + haproxy.log(), e);
        }
        return haproxy;
    }

    /** {@code text} with each key replaced; fails unless each occurs exactly once (a changed file cannot go untested). */
    static String replaceOnce(String text, Map<String, String> replacements) {
        String out = text;
        for (Map.Entry<String, String> r : replacements.entrySet()) {
            int first = out.indexOf(r.getKey());
            if (first < 0 || out.indexOf(r.getKey(), first + 1) >= 0) {
                throw new AssertionError("expected '" + r.getKey() + "' exactly once in " + CONFIG);
            }
            out = out.replace(r.getKey(), r.getValue());
        }
        return out;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** {@code ws://127.0.0.1:<port><pathAndQuery>} */
    URI ws(String pathAndQuery) {
        return URI.create("ws://127.0.0.1:" + port + pathAndQuery);
    }

    /** {@code http://127.0.0.1:<port><pathAndQuery>} */
    URI http(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + port + pathAndQuery);
    }

    /**
     * The operational state HAProxy has for each server of the backend now, from the stats
     * socket ({@code show stat}): {@code relay1 -> UP}, {@code DOWN}, {@code UP 1/2} (rising) ...
     */
    Map<String, String> serverStates() throws IOException {
        Map<String, String> states = new LinkedHashMap<>();
        for (String line : command("show stat").split("\n")) {
            String[] f = line.split(",", -1);
            if (f.length > 17 && f[0].equals("wsrelay_nodes") && f[1].startsWith("relay")) {
                states.put(f[1], f[17]);
            }
        }
        return states;
    }

    /** Runs one command on the stats socket and returns its whole answer. */
    String command(String command) throws IOException {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            channel.write(ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.US_ASCII)));
            return new String(Channels.newInputStream(channel).readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    /** HAProxy's log so far (one line per request, with the server that took it). */
    String log() {
        try {
            return Files.readString(dir.resolve("haproxy.log"));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** Log lines of requests whose path starts with {@code pathPrefix}. */
    List<String> requestLines(String pathPrefix) {
        List<String> lines = new ArrayList<>();
        for (String line : log().split("\n")) {
            if (line.contains("\"GET " + pathPrefix)) {
                lines.add(line);
            }
        }
        return lines;
    }

    private boolean accepts() {
        if (!process.isAlive()) {
            throw new IllegalStateException("haproxy exited with " + process.exitValue() + ":\n" + log());
        }
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(Timeouts.RECOVERY.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(Timeouts.RECOVERY.toSeconds(), TimeUnit.SECONDS);
        }
    }
}
