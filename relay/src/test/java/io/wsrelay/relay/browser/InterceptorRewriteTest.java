package io.wsrelay.relay.browser;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Runs the interceptor's URL-rewriting tests ({@code src/test/js/interceptor.test.mjs}) with
 * {@code node --test} and reports each of them as a test here, so the Maven build stays the one
 * test command. Needs Node.js 18 or later on the {@code PATH}.
 */
class InterceptorRewriteTest {

    /** The whole Node run takes well under a second; this bounds a hung process. */
    private static final Duration NODE_RUN = Duration.ofSeconds(60);
    /** A top-level TAP result line: {@code ok 3 - name} or {@code not ok 4 - name}. */
    private static final Pattern RESULT = Pattern.compile("^(ok|not ok) \\d+ - (.*)$");

    @TestFactory
    List<DynamicTest> interceptorRewritesUrlsAsItsNodeTestsExpect() throws Exception {
        Path module = Path.of(System.getProperty("basedir", "."));
        Path tests = module.resolve("src/test/js/interceptor.test.mjs");
        Path output = Files.createTempFile("interceptor-node-test", ".tap");
        try {
            int exit = runNode(tests, output, module);
            List<String> lines = Files.readAllLines(output, StandardCharsets.UTF_8);
            List<DynamicTest> results = parse(lines);
            if (results.isEmpty() || exit != 0 && lines.stream().noneMatch(l -> l.startsWith("not ok"))) {
                results.add(DynamicTest.dynamicTest("node --test exits cleanly", () ->
                        fail("node --test exited with " + exit + ":\n" + String.join("\n", lines))));
            }
            return results;
        } finally {
            Files.deleteIfExists(output);
        }
    }

    private static int runNode(Path tests, Path output, Path module) throws IOException, InterruptedException {
        Process node;
        try {
            node = new ProcessBuilder("node", "--test", "--test-reporter=tap", tests.toString())
                    .directory(module.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile())
                    .start();
        } catch (IOException e) {
            throw new IOException("cannot start `node`: Node.js 18+ must be on the PATH to test interceptor.js"
                    + " (Debian: apt-get install nodejs)", e);
        }
        if (!node.waitFor(NODE_RUN.toSeconds(), TimeUnit.SECONDS)) {
            node.destroyForcibly();
            throw new IllegalStateException("node --test did not finish within " + NODE_RUN);
        }
        return node.exitValue();
    }

    /** One dynamic test per top-level result; a failure carries the YAML block Node printed under it. */
    private static List<DynamicTest> parse(List<String> lines) {
        List<DynamicTest> results = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Matcher result = RESULT.matcher(lines.get(i));
            if (!result.matches()) {
                continue;
            }
            boolean passed = result.group(1).equals("ok");
            String name = result.group(2);
            StringBuilder details = new StringBuilder(name).append('\n');
            for (int j = i + 1; j < lines.size() && lines.get(j).startsWith(" "); j++) {
                details.append(lines.get(j)).append('\n');
            }
            results.add(DynamicTest.dynamicTest(name, () -> assertTrue(passed, details::toString)));
        }
        return results;
    }
}
