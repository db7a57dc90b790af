package io.wsrelay.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Turns {@link PumpBenchmark}'s JMH results ({@code -rf json}) into the Markdown tables of the
 * README: per benchmark method (1 or 64 sessions), per message type and size, the relay's and
 * the direct figures side by side and the relay's ratio to direct. Throughput results give
 * msgs/s and MB/s (msgs/s × size / 10^6, one direction); sample-time results give the mean and
 * percentiles in µs; results of a {@code -prof gc} run give bytes allocated per message.
 * Results of other benchmarks in the same file are ignored.
 */
@Command(name = "pump-summary", mixinStandardHelpOptions = true,
        description = "PumpBenchmark results (JMH JSON) as Markdown tables with relay/direct ratios, on stdout.")
public final class PumpSummary implements Callable<Integer> {

    private static final String PREFIX = PumpBenchmark.class.getName() + ".";

    @Parameters(paramLabel = "RESULTS", description = "JSON files written by JMH with -rf json")
    List<Path> files = new ArrayList<>();

    private final PrintStream out;

    private PumpSummary(PrintStream out) {
        this.out = out;
    }

    public static void main(String[] args) {
        System.exit(run(System.out, args));
    }

    static int run(PrintStream out, String... args) {
        return new CommandLine(new PumpSummary(out)).execute(args);
    }

    /** One JMH result: method, mode, type, size, target, and the result node itself. */
    private record Result(String method, String mode, String type, int size, String target, JsonNode node) {
        String message() {
            return type + " " + (size >= 1 << 20 ? (size >> 20) + " MiB" : size >= 1024 ? (size >> 10) + " KiB" : size + " B");
        }
    }

    @Override
    public Integer call() throws IOException {
        ObjectMapper mapper = new ObjectMapper();
        // method -> message -> mode/target -> result, in the order JMH ran them
        Map<String, Map<String, Map<String, Result>>> all = new LinkedHashMap<>();
        for (Path file : files) {
            for (JsonNode n : mapper.readTree(file.toFile())) {
                String benchmark = n.path("benchmark").asText();
                if (!benchmark.startsWith(PREFIX)) {
                    continue;
                }
                JsonNode p = n.path("params");
                Result r = new Result(benchmark.substring(PREFIX.length()), n.path("mode").asText(),
                        p.path("type").asText(), p.path("size").asInt(), p.path("target").asText(), n);
                boolean gc = n.path("secondaryMetrics").has("gc.alloc.rate.norm");
                all.computeIfAbsent(r.method() + (gc ? " (gc)" : ""), k -> new LinkedHashMap<>())
                        .computeIfAbsent(r.message(), k -> new LinkedHashMap<>())
                        .put(r.mode() + "/" + r.target(), r);
            }
        }
        all.forEach((method, byMessage) -> {
            if (method.endsWith(" (gc)")) {
                allocation(method, byMessage);
            } else {
                speed(method, byMessage);
            }
        });
        return 0;
    }

    private void speed(String method, Map<String, Map<String, Result>> byMessage) {
        out.println("#### " + method + ": " + threads(byMessage) + " session(s), one message in flight each");
        out.println();
        out.println("| message | target | msgs/s | MB/s | mean µs | p50 µs | p90 µs | p99 µs | max µs | samples |");
        out.println("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        byMessage.forEach((message, results) -> {
            double[] relay = figures(results, "relay");
            double[] direct = figures(results, "direct");
            row(message, "relay", relay, false);
            row(message, "direct", direct, false);
            double[] ratio = new double[relay.length];
            for (int i = 0; i < ratio.length; i++) {
                ratio[i] = relay[i] / direct[i];
            }
            row(message, "relay / direct", ratio, true);
        });
        out.println();
    }

    /** msgs/s, MB/s, mean, p50, p90, p99, max (µs), samples; NaN where a mode did not run. */
    private static double[] figures(Map<String, Result> results, String target) {
        double[] f = new double[8];
        Arrays.fill(f, Double.NaN);
        Result thrpt = results.get("thrpt/" + target);
        if (thrpt != null) {
            JsonNode m = thrpt.node().path("primaryMetric");
            f[0] = m.path("score").asDouble() * perSecond(m.path("scoreUnit").asText());
            f[1] = f[0] * thrpt.size() / 1e6;
        }
        Result sample = results.get("sample/" + target);
        if (sample != null) {
            JsonNode m = sample.node().path("primaryMetric");
            double toMicros = micros(m.path("scoreUnit").asText());
            JsonNode pct = m.path("scorePercentiles");
            f[2] = m.path("score").asDouble() * toMicros;
            f[3] = pct.path("50.0").asDouble() * toMicros;
            f[4] = pct.path("90.0").asDouble() * toMicros;
            f[5] = pct.path("99.0").asDouble() * toMicros;
            f[6] = pct.path("100.0").asDouble() * toMicros;
            f[7] = samples(m.path("rawDataHistogram"));
        }
        return f;
    }

    private void row(String message, String target, double[] f, boolean ratio) {
        StringBuilder line = new StringBuilder("| " + message + " | " + target + " |");
        for (int i = 0; i < f.length; i++) {
            String cell = Double.isNaN(f[i]) || (ratio && i == 7) ? ""
                    : ratio ? String.format(Locale.ROOT, "%.2fx", f[i])
                    : i == 1 ? String.format(Locale.ROOT, "%,.2f", f[i])
                    : String.format(Locale.ROOT, "%,.0f", f[i]);
            line.append(' ').append(cell).append(" |");
        }
        out.println(line);
    }

    private void allocation(String method, Map<String, Map<String, Result>> byMessage) {
        out.println("#### " + method + ": bytes allocated per message, whole JVM");
        out.println();
        out.println("| message | relay B/op | direct B/op | relay − direct | relay / direct |");
        out.println("|---|---:|---:|---:|---:|");
        byMessage.forEach((message, results) -> {
            double relay = norm(results, "relay");
            double direct = norm(results, "direct");
            out.println(String.format(Locale.ROOT, "| %s | %,.0f | %,.0f | %,.0f | %.2fx |",
                    message, relay, direct, relay - direct, relay / direct));
        });
        out.println();
    }

    private static double norm(Map<String, Result> results, String target) {
        Result r = results.getOrDefault("thrpt/" + target, results.get("sample/" + target));
        return r == null ? Double.NaN
                : r.node().path("secondaryMetrics").path("gc.alloc.rate.norm").path("score").asDouble(Double.NaN);
    }

    private static int threads(Map<String, Map<String, Result>> byMessage) {
        return byMessage.values().iterator().next().values().iterator().next().node().path("threads").asInt();
    }

    /** Samples in a sample-time result: the counts of its histogram, over forks and iterations. */
    private static double samples(JsonNode histogram) {
        long n = 0;
        for (JsonNode fork : histogram) {
            for (JsonNode iteration : fork) {
                for (JsonNode bucket : iteration) {
                    n += bucket.path(1).asLong();
                }
            }
        }
        return n;
    }

    private static double perSecond(String unit) {
        return switch (unit) {
            case "ops/s" -> 1;
            case "ops/ms" -> 1e3;
            case "ops/us" -> 1e6;
            case "ops/ns" -> 1e9;
            default -> throw new IllegalArgumentException("unexpected throughput unit " + unit);
        };
    }

    private static double micros(String unit) {
        return switch (unit) {
            case "s/op" -> 1e6;
            case "ms/op" -> 1e3;
            case "us/op" -> 1;
            case "ns/op" -> 1e-3;
            default -> throw new IllegalArgumentException("unexpected time unit " + unit);
        };
    }
}
