package io.wsrelay.relay;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tests relay through the JDK client buffers a relay ships with: the system properties of
 * {@code bin/wsrelay}'s {@code JVM_OPTS} are those the build gives the test JVM
 * ({@code wsrelay.test.jvm-options} in the parent POM).
 */
class LauncherOptionsTest {

    @Test
    void testJvmHasTheLaunchersSystemProperties() throws IOException {
        Map<String, String> launcher = launcherProperties();
        assertTrue(launcher.keySet().containsAll(List.of("jdk.httpclient.bufsize",
                "jdk.httpclient.websocket.writeBufferSize", "jdk.httpclient.websocket.intermediateBufferSize")),
                "bin/wsrelay sizes the JDK client's three buffers: " + launcher);
        assertAll(launcher.entrySet().stream().map(e -> () ->
                assertEquals(e.getValue(), System.getProperty(e.getKey()), "-D" + e.getKey() + " in the test JVM")));
    }

    /** The {@code -Dkey=value} entries of the {@code JVM_OPTS=( ... )} list in {@code bin/wsrelay}. */
    private static Map<String, String> launcherProperties() throws IOException {
        Map<String, String> properties = new LinkedHashMap<>();
        boolean inList = false;
        for (String line : Files.readAllLines(Path.of("..", "bin", "wsrelay"))) {
            String t = line.trim();
            if (t.startsWith("JVM_OPTS=(")) {
                inList = true;
            } else if (inList && t.equals(")")) {
                break;
            } else if (inList && t.startsWith("-D")) {
                String[] kv = t.substring(2).split("=", 2);
                properties.put(kv[0], kv[1]);
            }
        }
        return properties;
    }
}
