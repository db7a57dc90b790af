package io.wsrelay.relay;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * systemd's own check of {@code deploy/systemd/wsrelay.service} ({@code systemd-analyze verify}),
 * with the install path {@code /opt/wsrelay} pointed at this checkout so the launcher it names
 * exists. Any complaint, even one systemd would "ignore", fails the test.
 */
class SystemdUnitIT {
    private static final List<Path> ANALYZE = List.of(Path.of("/usr/bin/systemd-analyze"), Path.of("/bin/systemd-analyze"));

    @TempDir
    Path dir;

    @Test
    void systemdAcceptsTheUnitWithoutComplaint() throws Exception {
        Path analyze = ANALYZE.stream().filter(Files::isExecutable).findFirst().orElseThrow(() -> new AssertionError(
                "systemd-analyze is not installed: run .ci/install-nginx.sh (apt-get install systemd)"));
        Path checkout = Path.of("..").toAbsolutePath().normalize();
        assertTrue(Files.isExecutable(checkout.resolve("bin/wsrelay")), "bin/wsrelay in " + checkout);
        Path unit = dir.resolve("wsrelay.service");
        Files.writeString(unit, Files.readString(SystemdUnitTest.UNIT).replace("/opt/wsrelay", checkout.toString()));
        Process verify = new ProcessBuilder(analyze.toString(), "verify", unit.toString()).redirectErrorStream(true).start();
        String output = new String(verify.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(verify.waitFor(Timeouts.MESSAGE.toSeconds(), TimeUnit.SECONDS), "systemd-analyze finished");
        assertEquals("", output.strip(), "systemd-analyze verify complained");
        assertEquals(0, verify.exitValue());
    }
}
