package io.wsrelay.relay;

import io.wsrelay.relay.config.ConfigLoader;
import io.wsrelay.relay.config.RelayConfig;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code deploy/systemd/wsrelay.service} agrees with the relay: it runs {@code serve}, restarts on
 * failure, stops with SIGTERM and waits longer than the drain takes, counts exit 143 as success,
 * and sets only settings that exist, with values the relay accepts. (systemd's own check of the
 * file: {@link SystemdUnitIT}.)
 */
class SystemdUnitTest {
    static final Path UNIT = Path.of("..", "deploy", "systemd", "wsrelay.service");
    /** Variables the launcher reads, not relay.* settings. */
    private static final Set<String> LAUNCHER_VARIABLES = ConfigLoader.LAUNCHER_VARIABLES;
    private static final Pattern ENVIRONMENT = Pattern.compile("\"?([A-Z0-9_]+)=([^\"]*)\"?");

    /** The [Service] section's lines as key → values, in order. */
    static Map<String, List<String>> service() throws Exception {
        Map<String, List<String>> out = new LinkedHashMap<>();
        boolean inService = false;
        for (String raw : Files.readAllLines(UNIT)) {
            String line = raw.strip();
            if (line.startsWith("[")) {
                inService = line.equals("[Service]");
            } else if (inService && !line.isEmpty() && !line.startsWith("#")) {
                int eq = line.indexOf('=');
                out.computeIfAbsent(line.substring(0, eq), k -> new ArrayList<>()).add(line.substring(eq + 1));
            }
        }
        return out;
    }

    private static String one(Map<String, List<String>> service, String key) {
        List<String> values = service.getOrDefault(key, List.of());
        assertEquals(1, values.size(), key + " set once in [Service]");
        return values.getFirst();
    }

    private static Map<String, String> environment(Map<String, List<String>> service) {
        Map<String, String> env = new LinkedHashMap<>();
        for (String value : service.getOrDefault("Environment", List.of())) {
            Matcher m = ENVIRONMENT.matcher(value);
            assertTrue(m.matches(), "one variable per Environment= line: " + value);
            env.put(m.group(1), m.group(2));
        }
        return env;
    }

    @Test
    void runsServeAndRestartsOnFailure() throws Exception {
        Map<String, List<String>> service = service();
        assertAll(
                () -> assertEquals("/opt/wsrelay/bin/wsrelay serve", one(service, "ExecStart")),
                () -> assertEquals("exec", one(service, "Type")),
                () -> assertEquals("on-failure", one(service, "Restart")),
                () -> assertEquals("SIGTERM", one(service, "KillSignal")),
                () -> assertEquals("mixed", one(service, "KillMode"), "SIGTERM to the JVM only, SIGKILL to all at the timeout"),
                () -> assertTrue(List.of(one(service, "SuccessExitStatus").split(" ")).contains("143"),
                        "a drained stop exits 128 + SIGTERM"));
    }

    @Test
    void stopTimeoutOutlastsTheDrainPlusItsFiveSeconds() throws Exception {
        Map<String, List<String>> service = service();
        RelayConfig config = RelayConfig.load(Map.of(), environment(service), Optional.empty());
        Duration stopTimeout = Duration.ofSeconds(Long.parseLong(one(service, "TimeoutStopSec").replace("s", "")));
        Duration needed = config.operations().drainPeriod().plusSeconds(5);
        assertTrue(stopTimeout.compareTo(needed) > 0, "TimeoutStopSec " + stopTimeout + " must exceed " + needed);
    }

    @Test
    void setsOnlyRealSettingsWithValidValues() throws Exception {
        Map<String, String> env = environment(service());
        Set<String> known = new TreeSet<>(LAUNCHER_VARIABLES);
        known.add(RelayConfig.PORT_ENV);
        RelayConfig.documentedDefaults().keySet().forEach(key -> known.add(RelayConfig.environmentName(key)));
        Set<String> unknown = new TreeSet<>(env.keySet());
        unknown.removeAll(known);
        assertEquals(Set.of(), unknown, "variables in the unit that nothing reads");
        RelayConfig config = RelayConfig.load(Map.of(), env, Optional.empty());
        assertAll(
                () -> assertEquals(3001, config.port()),
                () -> assertEquals("/var/lib/wsrelay", env.get("WSRELAY_DATA_DIR")),
                () -> assertEquals(Path.of("/var/lib/wsrelay"), ConfigLoader.load(Map.of(), env, Optional.empty()).values().dataDir(),
                        "the embedded store under StateDirectory"));
    }
}
