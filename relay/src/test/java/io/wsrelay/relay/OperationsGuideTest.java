package io.wsrelay.relay;

import io.wsrelay.relay.config.RelayConfig;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The README keeps up with the code: every setting is in its configuration table, except a store
 * provider's own keys ({@code relay.store.<type>.*}), which its guide ({@code docs/<type>.md})
 * lists and the README links. (Metric names, in docs/operations.md: {@link MetricsEndpointTest}.)
 */
class OperationsGuideTest {
    /** A store provider's own key: {@code relay.store.<type>.<key>}. */
    private static final Pattern PROVIDER_KEY = Pattern.compile("relay\\.store\\.([a-z]+)\\..+");

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
            Matcher provider = PROVIDER_KEY.matcher(key);
            boolean documented = provider.matches()
                    ? doc(provider.group(1)).contains("`" + key + "`") && guide.contains("/" + provider.group(1) + ".md)")
                    : guide.contains("| `" + key + "` |");
            if (!documented) {
                missing.add(key);
            }
        }
        assertEquals(Set.of(), missing, "settings missing from the configuration table in README.md");
    }
}
