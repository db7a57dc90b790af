package io.wsrelay.relay;

import com.fasterxml.jackson.databind.JsonNode;
import io.wsrelay.relay.cli.RelayMain;
import io.wsrelay.relay.config.RelayConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code wsrelay serve} on the embedded database as a real process, killed with {@code kill -9}
 * while admin API and command-line writes are in flight: every write that was acknowledged (201,
 * 200, exit status 0) is there after a restart, with the status it was acknowledged with. And the
 * embedded database's server port, which lets the command line share the file, listens on
 * loopback only.
 */
class EmbeddedStoreCrashIT {
    private static final String TOKEN = "crash-test-token-0123456789abcdef";
    private static final int ROUNDS = 3;
    private static final int ADMIN_WRITERS = 2;
    /** Acknowledged admin writes to see in a round before the kill, so that the kill lands mid-stream. */
    private static final int ACKS_BEFORE_KILL = 25;
    /** And command-line writes (each a JVM start, seconds on a loaded machine). */
    private static final int CLI_ACKS_BEFORE_KILL = 2;
    /** Longest wait for them: two command JVMs took over a minute on the loaded 2-core CI machine. */
    private static final Duration WRITES_BEFORE_KILL = Duration.ofMinutes(3);
    /** Longest one command may take. */
    private static final Duration COMMAND = Duration.ofSeconds(90);

    @TempDir
    Path dir;

    private TestUpstream upstream;

    @BeforeEach
    void startUpstream() throws Exception {
        upstream = TestUpstream.start();
    }

    @AfterEach
    void stopUpstream() throws Exception {
        upstream.close();
    }

    private Map<String, String> settings() {
        return Map.of("relay.store.type", "sql", "relay.data-dir", dir.resolve("data").toString(),
                "relay.admin.token", TOKEN);
    }

    @Test
    @Timeout(value = 15, unit = TimeUnit.MINUTES) // four relay starts and a dozen command JVMs on a shared machine
    void acknowledgedWritesSurviveKillDashNineOfTheRelay() throws Exception {
        // id -> the statuses it may have after a crash: the one its last acknowledged write gave it,
        // and, while a status change is in flight, that change's too (committed but not yet answered)
        ConcurrentMap<String, String> acknowledged = new ConcurrentHashMap<>();
        int lost = 0;
        List<String> report = new ArrayList<>();
        for (int round = 1; round <= ROUNDS; round++) {
            RelayProcess relay = RelayProcess.start(dir, settings());
            try {
                lost += missing(relay, acknowledged, report, round);
                writeAndKill(relay, round, acknowledged);
            } finally {
                relay.close();
            }
        }
        try (RelayProcess relay = RelayProcess.start(dir, settings())) {
            lost += missing(relay, acknowledged, report, ROUNDS + 1);
        }
        assertEquals(0, lost, "acknowledged writes lost after kill -9 (" + acknowledged.size() + " acknowledged): " + report);
    }

    /** Writes until {@link #ACKS_BEFORE_KILL} are acknowledged, kills the relay with writes in flight, stops the writers. */
    private void writeAndKill(RelayProcess relay, int round, ConcurrentMap<String, String> acknowledged) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger acks = new AtomicInteger();
        AtomicInteger cliAcks = new AtomicInteger();
        List<Thread> writers = new ArrayList<>();
        for (int w = 0; w < ADMIN_WRITERS; w++) {
            String prefix = "r" + round + "-a" + w + "-";
            writers.add(Thread.ofVirtual().start(() -> adminWrites(relay, prefix, stop, acks, acknowledged)));
        }
        String cliPrefix = "r" + round + "-c-";
        AtomicReference<String> cliFailure = new AtomicReference<>();
        writers.add(Thread.ofVirtual().start(() -> cliWrites(cliPrefix, stop, cliAcks, acknowledged, cliFailure)));
        await().atMost(WRITES_BEFORE_KILL).until(() -> {
            if (cliFailure.get() != null) {
                throw new AssertionError("a command failed before the kill: " + cliFailure.get());
            }
            return acks.get() >= ACKS_BEFORE_KILL && cliAcks.get() >= CLI_ACKS_BEFORE_KILL;
        });
        relay.process().destroyForcibly(); // SIGKILL on Linux: no shutdown hook, no close
        assertTrue(relay.process().waitFor(Timeouts.MESSAGE.toSeconds(), TimeUnit.SECONDS));
        stop.set(true);
        for (Thread writer : writers) {
            // A command in flight finishes on its own (it takes the file over): bounded by COMMAND.
            assertTrue(writer.join(COMMAND.plus(Timeouts.TRANSFER)), () -> "writer ends; commands: " + cliFailure.get());
        }
    }

    private static void adminWrites(RelayProcess relay, String prefix, AtomicBoolean stop, AtomicInteger acks,
                                    ConcurrentMap<String, String> acknowledged) {
        String destination = "ws://127.0.0.1:9/";
        try {
            for (int i = 0; !stop.get(); i++) {
                String id = prefix + i;
                HttpResponse<String> created = TestHttp.send(relay.http("/admin/endpoints"), "POST",
                        "{\"id\":\"" + id + "\",\"destinationUrl\":\"" + destination + "\"}", TOKEN);
                if (created.statusCode() != 201) {
                    return;
                }
                acknowledged.put(id, "ACTIVE");
                acks.incrementAndGet();
                if (i % 2 == 0) {
                    acknowledged.put(id, IN_FLIGHT_TO_INACTIVE);
                    HttpResponse<String> patched = TestHttp.send(relay.http("/admin/endpoints/" + id), "PATCH",
                            "{\"status\":\"INACTIVE\"}", TOKEN);
                    if (patched.statusCode() != 200) {
                        return;
                    }
                    acknowledged.put(id, "INACTIVE");
                    acks.incrementAndGet();
                }
            }
        } catch (Exception e) {
            // The relay was killed under this request: it was never acknowledged.
        }
    }

    private void cliWrites(String prefix, AtomicBoolean stop, AtomicInteger acks, ConcurrentMap<String, String> acknowledged,
                           AtomicReference<String> failure) {
        try {
            for (int i = 0; !stop.get(); i++) {
                String id = prefix + i;
                if (cli(failure, stop, "endpoint", "add", id, "ws://127.0.0.1:9/") != 0) {
                    return;
                }
                acknowledged.put(id, "ACTIVE");
                acks.incrementAndGet();
                acknowledged.put(id, IN_FLIGHT_TO_INACTIVE);
                if (cli(failure, stop, "endpoint", "set-status", id, "INACTIVE") != 0) {
                    return;
                }
                acknowledged.put(id, "INACTIVE");
                acks.incrementAndGet();
            }
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /**
     * {@code wsrelay ARGS} as its own process on the same data directory; its exit status. A
     * failure before the kill ({@code stop} not set) is put in {@code failure}, with the output.
     */
    private int cli(AtomicReference<String> failure, AtomicBoolean stop, String... args)
            throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElseThrow();
        List<String> command = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
                RelayMain.class.getName(), "--set", "relay.data-dir=" + dir.resolve("data")));
        command.addAll(List.of(args));
        Path log = Files.createTempFile(dir, "cli-", ".log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().keySet().removeIf(k -> k.startsWith(RelayConfig.ENV_PREFIX));
        Process process = builder.start();
        if (!process.waitFor(COMMAND.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            failure.compareAndSet(null, "wsrelay " + String.join(" ", args) + " did not finish within " + COMMAND
                    + ":\n" + Files.readString(log));
            return -1;
        }
        if (process.exitValue() != 0 && !stop.get()) {
            failure.compareAndSet(null, "wsrelay " + String.join(" ", args) + " exited " + process.exitValue()
                    + ":\n" + Files.readString(log));
        }
        return process.exitValue();
    }

    /** An ACTIVE endpoint whose change to INACTIVE was sent and not yet answered: either may survive. */
    private static final String IN_FLIGHT_TO_INACTIVE = "ACTIVE|INACTIVE";

    /** How many acknowledged writes {@code relay} does not show; adds what is missing to {@code report}. */
    private static int missing(RelayProcess relay, Map<String, String> acknowledged, List<String> report, int round)
            throws Exception {
        HttpResponse<String> list = TestHttp.send(relay.http("/admin/endpoints"), "GET", null, TOKEN);
        assertEquals(200, list.statusCode(), list.body());
        Map<String, String> stored = new TreeMap<>();
        for (JsonNode e : Json.MAPPER.readTree(list.body()).get("endpoints")) {
            stored.put(e.get("id").asText(), e.get("status").asText());
        }
        int lost = 0;
        List<String> wrong = new ArrayList<>();
        for (Map.Entry<String, String> ack : new TreeMap<>(acknowledged).entrySet()) {
            String now = stored.get(ack.getKey());
            if (!List.of(ack.getValue().split("\\|")).contains(now)) {
                lost++;
                wrong.add(ack.getKey() + " acknowledged " + ack.getValue() + ", found " + now);
            }
        }
        if (lost > 0) {
            report.add("before round " + round + ": " + lost + " of " + acknowledged.size() + ", e.g. "
                    + wrong.subList(0, Math.min(wrong.size(), 5)));
        }
        return lost;
    }

    @Test
    void theEmbeddedDatabaseServerListensOnLoopbackOnly() throws Exception {
        try (RelayProcess relay = RelayProcess.start(dir, settings())) {
            // The database is open (and its server started) once the relay listens.
            Set<String> addresses = listeningAddresses(relay.process().pid());
            assertTrue(addresses.size() >= 2, "the relay port and the database server port: " + addresses);
            for (String address : addresses) {
                assertTrue(InetAddress.getByName(address.substring(0, address.lastIndexOf(':'))).isLoopbackAddress(),
                        "listens on " + address + " (all: " + addresses + ")");
            }
        }
    }

    /** {@code address:port} of every TCP socket of process {@code pid} in state LISTEN, from /proc. */
    private static Set<String> listeningAddresses(long pid) throws IOException {
        Set<String> inodes = new HashSet<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        inodes.add(target.substring("socket:[".length(), target.length() - 1));
                    }
                } catch (IOException closedMeanwhile) {
                    // an fd that closed while listing
                }
            }
        }
        Set<String> out = new HashSet<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            List<String> lines = Files.readAllLines(Path.of(table));
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.trim().split("\\s+");
                if (f[3].equals("0A") && inodes.contains(f[9])) {
                    out.add(address(f[1]));
                }
            }
        }
        assertFalse(out.isEmpty(), "no listening sockets found for pid " + pid);
        return out;
    }

    /** {@code 0100007F:1F90} (or the 32-digit IPv6 form) as {@code 127.0.0.1:8080}. */
    private static String address(String hex) throws IOException {
        String[] parts = hex.split(":");
        byte[] raw = new BigInteger("1" + parts[0], 16).toByteArray();
        byte[] bytes = new byte[parts[0].length() / 2];
        System.arraycopy(raw, raw.length - bytes.length, bytes, 0, bytes.length);
        // /proc prints each 32-bit word in host (little-endian) order.
        for (int w = 0; w < bytes.length; w += 4) {
            for (int i = 0; i < 2; i++) {
                byte t = bytes[w + i];
                bytes[w + i] = bytes[w + 3 - i];
                bytes[w + 3 - i] = t;
            }
        }
        return InetAddress.getByAddress(bytes).getHostAddress() + ":" + Integer.parseInt(parts[1], 16);
    }
}
