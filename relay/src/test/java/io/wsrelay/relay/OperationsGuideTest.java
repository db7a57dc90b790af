package io.wsrelay.relay;

import io.wsrelay.relay.config.RelayConfig;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The README keeps up with the code: every one of the relay's own settings is in its
 * configuration table (the storage modules check their own keys against the README and their
 * guides: {@code SqlStoreConfigTest}, {@code RedisCacheConfigTest}). (Metric names, in
 * docs/operations.md: {@link MetricsEndpointTest}.)
 */
class OperationsGuideTest {

    /** The guide, read from the repository (tests run in the relay module's directory). */
    static String guide() throws Exception {
        return doc("operations");
    }

    private static String doc(String name) throws Exception {
        return Files.readString(Path.of("..", "docs", name + ".md"));
    }

    @Test
    void everySettingIsInTheReadme() throws Exception {
        String guide = Files.readString(Path.of("..", "README.md"));
        Set<String> missing = new TreeSet<>();
        for (String key : RelayConfig.documentedDefaults().keySet()) {
            if (!guide.contains("| `" + key + "` |")) {
                missing.add(key);
            }
        }
        assertEquals(Set.of(), missing, "settings missing from the configuration table in README.md");
    }
}
