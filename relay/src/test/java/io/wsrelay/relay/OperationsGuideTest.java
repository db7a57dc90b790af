package io.wsrelay.relay;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** docs/operations.md keeps up with the code: every setting is in its table. (Metric names: {@link MetricsEndpointTest}.) */
class OperationsGuideTest {
    /** The guide, read from the repository (tests run in the relay module's directory). */
    static String guide() throws Exception {
        return Files.readString(Path.of("..", "docs", "operations.md"));
    }

    @Test
    void everySettingIsInTheGuide() throws Exception {
        String guide = guide();
        Set<String> missing = new TreeSet<>();
        for (String key : RelayConfig.documentedDefaults().keySet()) {
            if (!guide.contains("| `" + key + "` |")) {
                missing.add(key);
            }
        }
        assertEquals(Set.of(), missing, "settings missing from the table in docs/operations.md");
    }
}
