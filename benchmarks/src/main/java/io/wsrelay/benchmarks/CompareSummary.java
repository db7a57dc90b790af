package io.wsrelay.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Turns the results of {@code compare.sh} into Markdown: per workload, the median of each target
 * over the repetitions, the ratios of every other target to the baselines ({@code nginx},
 * {@code direct}), and where each target stands against the goals.
 *
 * <p>Input: one JSON object a line, {@code {"target": T, "workload": W, "result": <load generator
 * JSON>}}; lines that are not JSON objects are skipped and counted.
 */
@Command(name = "compare-summary", mixinStandardHelpOptions = true,
        description = "Medians and ratios of compare.sh results, as Markdown on stdout.")
public final class CompareSummary implements Callable<Integer> {

    /** Targets others are compared with, in this order. */
    static final List<String> BASELINES = List.of("nginx", "direct");

    @Parameters(index = "0", paramLabel = "RESULTS", description = "JSON lines written by compare.sh")
    Path results;
    @Option(names = "--kib-goal", description = "goal: resident KiB per idle relayed connection (default ${DEFAULT-VALUE})")
    double kibGoal = 16;
    @Option(names = "--sessions-goal", description = "goal: concurrent sessions on one node (default ${DEFAULT-VALUE})")
    int sessionsGoal = 9000;

    private final PrintStream out;

    private CompareSummary(PrintStream out) {
        this.out = out;
    }

    public static void main(String[] args) {
        System.exit(run(System.out, System.err, args));
    }

    static int run(PrintStream out, PrintStream err, String... args) {
        CommandLine cmd = new CommandLine(new CompareSummary(out));
        cmd.setErr(new java.io.PrintWriter(err, true));
        return cmd.execute(args);
    }

    @Override
    public Integer call() throws IOException {
        Map<String, Map<String, List<JsonNode>>> byWorkload = new LinkedHashMap<>();
        int skipped = read(byWorkload);
        SummaryWriter writer = new SummaryWriter(out, kibGoal, sessionsGoal);
        byWorkload.forEach(writer::workload);
        writer.goals();
        if (skipped > 0) {
            out.println();
            out.println("(" + skipped + " lines of " + results + " were not results and were skipped)");
        }
        return 0;
    }

    private int read(Map<String, Map<String, List<JsonNode>>> byWorkload) throws IOException {
        ObjectMapper mapper = Json.mapper();
        int skipped = 0;
        for (String line : Files.readAllLines(results)) {
            JsonNode n;
            try {
                n = line.isBlank() ? null : mapper.readTree(line);
            } catch (IOException e) { // a stray line (a crash message) must not hide the rest
                n = null;
            }
            if (n == null || !n.hasNonNull("target") || !n.hasNonNull("workload") || !n.path("result").isObject()) {
                skipped++;
                continue;
            }
            byWorkload.computeIfAbsent(n.get("workload").asText(), w -> new LinkedHashMap<>())
                    .computeIfAbsent(n.get("target").asText(), t -> new ArrayList<>())
                    .add(n.get("result"));
        }
        byWorkload.replaceAll((w, targets) -> sortTargets(targets));
        return skipped;
    }

    /** Baselines first (direct, nginx), then the rest by name. */
    private static Map<String, List<JsonNode>> sortTargets(Map<String, List<JsonNode>> targets) {
        List<String> first = List.of("direct", "nginx");
        Comparator<String> order = Comparator.comparingInt((String t) -> first.contains(t) ? first.indexOf(t) : first.size())
                .thenComparing(Comparator.naturalOrder());
        Map<String, List<JsonNode>> sorted = new LinkedHashMap<>();
        targets.keySet().stream().sorted(order).forEach(t -> sorted.put(t, targets.get(t)));
        return sorted;
    }
}
