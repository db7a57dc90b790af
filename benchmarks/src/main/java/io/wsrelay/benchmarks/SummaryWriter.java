package io.wsrelay.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * Writes {@link CompareSummary}'s Markdown: a table per workload (medians per target, then the
 * ratio of each other target to each baseline), and at the end each target against the goals.
 * Not thread-safe; call {@link #workload} for each workload, then {@link #goals()} once.
 */
final class SummaryWriter {

    private static final String[] ECHO_FIELDS = {"msgs_per_s", "mb_per_s", "p50_us", "p99_us", "p999_us", "cpu_us_per_msg"};
    private static final String[] CHURN_FIELDS = {"sessions_per_s", "open_p50_us", "open_p99_us", "cpu_us_per_session"};

    private final PrintStream out;
    private final double kibGoal;
    private final int sessionsGoal;
    private final Set<String> subjects = new LinkedHashSet<>();
    // subject -> workload -> figure, gathered for the goals section
    private final Map<String, Map<String, OptionalDouble>> throughputVsNginx = new LinkedHashMap<>();
    private final Map<String, Map<String, OptionalDouble>> p99VsNginx = new LinkedHashMap<>();
    private final Map<String, Map<String, OptionalDouble>> kibPerConn = new LinkedHashMap<>();
    private final Map<String, Map<String, long[]>> sessions = new LinkedHashMap<>();
    private final Map<String, Map<String, OptionalDouble>> cpuVsNginx = new LinkedHashMap<>();
    private final Map<String, Map<String, OptionalDouble>> churnRateVsNginx = new LinkedHashMap<>();
    private final Map<String, Map<String, OptionalDouble>> openP99VsNginx = new LinkedHashMap<>();

    SummaryWriter(PrintStream out, double kibGoal, int sessionsGoal) {
        this.out = out;
        this.kibGoal = kibGoal;
        this.sessionsGoal = sessionsGoal;
    }

    void workload(String name, Map<String, List<JsonNode>> targets) {
        JsonNode first = targets.values().iterator().next().getFirst();
        int reps = targets.values().stream().mapToInt(List::size).max().orElse(0);
        targets.keySet().stream().filter(t -> !CompareSummary.BASELINES.contains(t)).forEach(subjects::add);
        out.println();
        if ("churn".equals(first.path("mode").asText())) {
            out.printf(Locale.ROOT, "### %s: churn, %d at once: open, one %d B echo, close; %.0f s, %d run(s) per target%n%n",
                    name, first.path("conns").asInt(), first.path("size").asInt(), first.path("secs").asDouble(), reps);
            churn(name, targets);
        } else if ("hold".equals(first.path("mode").asText())) {
            out.printf(Locale.ROOT, "### %s: hold %d idle connections (after %d base), %d run(s) per target%n%n",
                    name, first.path("asked").asInt(), first.path("base").asInt(), reps);
            hold(name, targets);
        } else {
            out.printf(Locale.ROOT, "### %s: %d B %s, %d conns, %s, %.0f s, %d run(s) per target%n%n", name,
                    first.path("size").asInt(), first.path("binary").asBoolean() ? "binary" : "text",
                    first.path("conns").asInt(), "rate".equals(first.path("mode").asText())
                            ? "fixed rate " + first.path("rate").asInt() + " msgs/s" : "window " + first.path("window").asInt(),
                    first.path("secs").asDouble(), reps);
            echo(name, targets);
        }
    }

    private void echo(String name, Map<String, List<JsonNode>> targets) {
        out.println("| target | msgs/s | MB/s | p50 µs | p99 µs | p99.9 µs | CPU µs/msg | errors |");
        out.println("|---|---:|---:|---:|---:|---:|---:|---:|");
        targets.forEach((t, runs) -> {
            List<String> cells = new ArrayList<>();
            for (String f : ECHO_FIELDS) {
                cells.add(Medians.format(Medians.of(runs, f), f.equals("mb_per_s") || f.startsWith("cpu") ? "%.2f" : "%,.0f"));
            }
            row(t, cells, Long.toString(Medians.sum(runs, "errors")));
        });
        forEachRatio(targets, (subject, baseline) -> {
            List<String> cells = new ArrayList<>();
            for (String f : ECHO_FIELDS) {
                cells.add(Medians.format(ratio(targets, subject, baseline, f), "%.2fx"));
            }
            row(subject + " / " + baseline, cells, "");
            if (baseline.equals("nginx")) {
                // A fixed-rate workload's msgs/s is the rate asked for: it speaks for latency only.
                if (!"rate".equals(targets.get(subject).getFirst().path("mode").asText())) {
                    throughputVsNginx.computeIfAbsent(subject, s -> new LinkedHashMap<>())
                            .put(name, ratio(targets, subject, baseline, "msgs_per_s"));
                }
                p99VsNginx.computeIfAbsent(subject, s -> new LinkedHashMap<>())
                        .put(name, ratio(targets, subject, baseline, "p99_us"));
                OptionalDouble cpu = ratio(targets, subject, baseline, "cpu_us_per_msg");
                if (cpu.isPresent()) {
                    cpuVsNginx.computeIfAbsent(subject, s -> new LinkedHashMap<>()).put(name, cpu);
                }
            }
        });
    }

    private void churn(String name, Map<String, List<JsonNode>> targets) {
        out.println("| target | sessions/s | open p50 µs | open p99 µs | CPU µs/session | errors |");
        out.println("|---|---:|---:|---:|---:|---:|");
        targets.forEach((t, runs) -> {
            List<String> cells = new ArrayList<>();
            for (String f : CHURN_FIELDS) {
                cells.add(Medians.format(Medians.of(runs, f), "%,.0f"));
            }
            row(t, cells, Long.toString(Medians.sum(runs, "errors")));
        });
        forEachRatio(targets, (subject, baseline) -> {
            List<String> cells = new ArrayList<>();
            for (String f : CHURN_FIELDS) {
                cells.add(Medians.format(ratio(targets, subject, baseline, f), "%.2fx"));
            }
            row(subject + " / " + baseline, cells, "");
            if (baseline.equals("nginx")) {
                churnRateVsNginx.computeIfAbsent(subject, s -> new LinkedHashMap<>())
                        .put(name, ratio(targets, subject, baseline, "sessions_per_s"));
                openP99VsNginx.computeIfAbsent(subject, s -> new LinkedHashMap<>())
                        .put(name, ratio(targets, subject, baseline, "open_p99_us"));
            }
        });
    }

    private void hold(String name, Map<String, List<JsonNode>> targets) {
        out.println("| target | opened (min) | verified (min) | still open (min) | KiB per conn | open ms | errors |");
        out.println("|---|---:|---:|---:|---:|---:|---:|");
        targets.forEach((t, runs) -> {
            OptionalDouble kib = Medians.of(runs, "kib_per_conn");
            row(t, List.of(Long.toString(Medians.min(runs, "opened")), Long.toString(Medians.min(runs, "verified")),
                    Long.toString(Medians.min(runs, "still_open")), Medians.format(kib, "%.1f"),
                    Medians.format(Medians.of(runs, "open_ms"), "%,.0f")), Long.toString(Medians.sum(runs, "errors")));
            if (!CompareSummary.BASELINES.contains(t)) {
                // Only slope runs (base connections first) speak for the marginal cost of a
                // connection; a fresh process's first connections also pay for its warm-up.
                if (runs.getFirst().path("base").asInt() > 0) {
                    kibPerConn.computeIfAbsent(t, s -> new LinkedHashMap<>()).put(name, kib);
                }
                sessions.computeIfAbsent(t, s -> new LinkedHashMap<>()).put(name, new long[] {
                        runs.getFirst().path("asked").asLong(), Medians.min(runs, "verified"), Medians.min(runs, "still_open")});
            }
        });
        forEachRatio(targets, (subject, baseline) -> row(subject + " / " + baseline,
                List.of("", "", "", Medians.format(ratio(targets, subject, baseline, "kib_per_conn"), "%.2fx"), ""), ""));
    }

    /** Where every non-baseline target stands against the goals. */
    void goals() {
        for (String s : subjects) {
            out.println();
            out.println("### " + s + " against the goals");
            out.println();
            out.println("- throughput at least nginx's on every window workload: " + verdict(throughputVsNginx.get(s), r -> r >= 1, "%.2fx"));
            out.println("- p99 no worse than nginx's: " + verdict(p99VsNginx.get(s), r -> r <= 1, "%.2fx"));
            out.println("- CPU per message within 2x nginx's: " + verdict(cpuVsNginx.get(s), r -> r <= 2, "%.2fx"));
            out.println("- churn: sessions/s at least nginx's: " + verdict(churnRateVsNginx.get(s), r -> r >= 1, "%.2fx"));
            out.println("- churn: opening handshake p99 within 2x nginx's: " + verdict(openP99VsNginx.get(s), r -> r <= 2, "%.2fx"));
            out.println("- at most " + kibGoal + " KiB resident per idle relayed connection (hold runs with base"
                    + " connections): " + verdict(kibPerConn.get(s), k -> k <= kibGoal, "%.1f KiB"));
            out.println("- " + String.format(Locale.ROOT, "%,d", sessionsGoal) + " concurrent sessions: " + sessionsVerdict(sessions.get(s)));
        }
    }

    private static String verdict(Map<String, OptionalDouble> figures, java.util.function.DoublePredicate ok, String pattern) {
        if (figures == null || figures.values().stream().allMatch(OptionalDouble::isEmpty)) {
            return "not measured";
        }
        boolean all = figures.values().stream().allMatch(f -> f.isPresent() && ok.test(f.getAsDouble()));
        StringBuilder detail = new StringBuilder();
        figures.forEach((w, f) -> detail.append(detail.isEmpty() ? "" : ", ").append(w).append(' ').append(Medians.format(f, pattern)));
        return (all ? "**met**" : "**not met**") + " (" + detail + ")";
    }

    private String sessionsVerdict(Map<String, long[]> runs) {
        if (runs == null) {
            return "not measured";
        }
        return runs.entrySet().stream().filter(e -> e.getValue()[0] >= sessionsGoal).findFirst()
                .map(e -> {
                    long[] v = e.getValue();
                    boolean met = v[1] >= sessionsGoal && v[2] >= sessionsGoal;
                    return (met ? "**met**" : "**not met**") + " (" + e.getKey() + ": " + v[1] + " of " + v[0]
                            + " verified, " + v[2] + " still open after the hold, worst run)";
                })
                .orElse("not measured (no hold run of " + sessionsGoal + " or more)");
    }

    private static OptionalDouble ratio(Map<String, List<JsonNode>> targets, String a, String b, String field) {
        return Medians.ratio(Medians.of(targets.get(a), field), Medians.of(targets.get(b), field));
    }

    private static void forEachRatio(Map<String, List<JsonNode>> targets, java.util.function.BiConsumer<String, String> action) {
        for (String subject : targets.keySet()) {
            if (CompareSummary.BASELINES.contains(subject)) {
                continue;
            }
            for (String baseline : CompareSummary.BASELINES) {
                if (targets.containsKey(baseline)) {
                    action.accept(subject, baseline);
                }
            }
        }
    }

    private void row(String label, List<String> cells, String last) {
        out.println("| " + label + " | " + String.join(" | ", cells) + " | " + last + " |");
    }
}
