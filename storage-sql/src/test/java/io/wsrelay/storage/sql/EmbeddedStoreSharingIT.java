package io.wsrelay.storage.sql;

import io.wsrelay.relay.spi.EndpointStatus;
import io.wsrelay.relay.spi.EndpointStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Two stores on one embedded H2 file (the default URL, with {@code AUTO_SERVER}) see each other's
 * writes: this is how the command line changes endpoints while the relay runs.
 */
class EmbeddedStoreSharingIT {

    static final String FROM_RELAY = "from-relay";
    static final String FROM_CLIENT = "from-client";

    @TempDir
    Path dir;

    private final SqlEndpointStoreProvider provider = new SqlEndpointStoreProvider();

    @Test
    void twoStoresInOneProcessSeeEachOthersWrites() {
        SqlStoreConfig config = TestEndpoints.embedded(dir);
        try (EndpointStore first = provider.create(config); EndpointStore second = provider.create(config)) {
            assertTrue(first.insert(TestEndpoints.bare("a")));
            assertEquals(Optional.of(TestEndpoints.bare("a")), second.lookup("a"));
            assertTrue(second.setStatus("a", EndpointStatus.INACTIVE));
            assertEquals(EndpointStatus.INACTIVE, first.lookup("a").orElseThrow().status());
        }
    }

    @Test
    void storeInAnotherProcessSeesAndChangesTheRelaysEndpoints() throws IOException, InterruptedException {
        SqlStoreConfig config = TestEndpoints.embedded(dir);
        try (EndpointStore relay = provider.create(config)) {
            relay.insert(TestEndpoints.bare(FROM_RELAY));

            Path log = dir.resolve("client.log");
            Process client = new ProcessBuilder(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx256m", "-XX:TieredStopAtLevel=1",
                    "-cp", System.getProperty("java.class.path"),
                    EmbeddedStoreClient.class.getName(), dir.toString()))
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            try {
                if (!client.waitFor(Timeouts.PROCESS.toMillis(), TimeUnit.MILLISECONDS)) {
                    fail("the client process did not finish within " + Timeouts.PROCESS + "; output:\n"
                            + Files.readString(log));
                }
            } finally {
                client.destroyForcibly();
            }
            assertEquals(0, client.exitValue(), () -> "client process output:\n" + readQuietly(log));

            assertEquals(Optional.of(TestEndpoints.bare(FROM_CLIENT)), relay.lookup(FROM_CLIENT));
            assertEquals(EndpointStatus.INACTIVE, relay.lookup(FROM_RELAY).orElseThrow().status());
        }
    }

    @Test
    void processesOpeningANewDataDirectoryTogetherAllSucceed() throws IOException, InterruptedException {
        // "serve" and "endpoint add" started at once on a fresh machine race to create the file.
        List<Process> processes = new java.util.ArrayList<>();
        List<Path> logs = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Path log = dir.resolve("opener-" + i + ".log");
            logs.add(log);
            processes.add(new ProcessBuilder(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx256m", "-XX:TieredStopAtLevel=1",
                    "-cp", System.getProperty("java.class.path"),
                    EmbeddedStoreOpener.class.getName(), dir.toString(), "opener-" + i))
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start());
        }
        try {
            for (int i = 0; i < processes.size(); i++) {
                Process p = processes.get(i);
                if (!p.waitFor(Timeouts.PROCESS.toMillis(), TimeUnit.MILLISECONDS)) {
                    fail("opener " + i + " did not finish within " + Timeouts.PROCESS);
                }
                Path log = logs.get(i);
                assertEquals(0, p.exitValue(), () -> "opener output:\n" + readQuietly(log));
            }
        } finally {
            processes.forEach(Process::destroyForcibly);
        }
        try (EndpointStore store = provider.create(TestEndpoints.embedded(dir))) {
            assertEquals(3, store.list().size());
        }
    }

    private static String readQuietly(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }
}
