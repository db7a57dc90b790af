package io.wsrelay.relay;

import java.net.URI;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One scrape of {@code /metrics}, parsed from the Prometheus text format: series and their values. */
public final class Scrape {
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)})?\\s+(\\S+)(\\s+\\d+)?$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    /** One sample: metric name, labels, value. */
    public record Sample(String name, Map<String, String> labels, double value) {
    }

    private final List<Sample> samples;
    private final String text;

    private Scrape(String text) {
        this.text = text;
        List<Sample> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            Matcher m = SAMPLE.matcher(line.strip());
            if (!m.matches()) {
                throw new IllegalArgumentException("not a Prometheus sample line: " + line);
            }
            Map<String, String> labels = new TreeMap<>();
            if (m.group(3) != null) {
                Matcher l = LABEL.matcher(m.group(3));
                while (l.find()) {
                    labels.put(l.group(1), l.group(2));
                }
            }
            out.add(new Sample(m.group(1), labels, Double.parseDouble(m.group(4))));
        }
        this.samples = List.copyOf(out);
    }

    /** Parses an exposition. */
    public static Scrape parse(String text) {
        return new Scrape(text);
    }

    /** GETs {@code uri} and parses it; fails unless the answer is 200. */
    public static Scrape from(URI uri) throws Exception {
        HttpResponse<String> response = TestHttp.get(uri);
        if (response.statusCode() != 200) {
            throw new AssertionError("GET " + uri + " answered " + response.statusCode() + ": " + response.body());
        }
        return parse(response.body());
    }

    /**
     * The sum of the samples named {@code name} whose labels include every {@code key=value} in
     * {@code labels}; 0 when none matches (a counter not yet created has counted nothing).
     */
    public double value(String name, String... labels) {
        double sum = 0;
        for (Sample s : samples) {
            if (s.name().equals(name) && matches(s, labels)) {
                sum += s.value();
            }
        }
        return sum;
    }

    /** Every value the label {@code label} takes among samples named {@code name}. */
    public Set<String> labelValues(String name, String label) {
        Set<String> out = new TreeSet<>();
        for (Sample s : samples) {
            if (s.name().equals(name) && s.labels().containsKey(label)) {
                out.add(s.labels().get(label));
            }
        }
        return out;
    }

    /** Every metric name (sample names, so histograms show their _bucket, _count and _sum). */
    public Set<String> names() {
        Set<String> out = new TreeSet<>();
        samples.forEach(s -> out.add(s.name()));
        return out;
    }

    public String text() {
        return text;
    }

    private static boolean matches(Sample s, String... labels) {
        for (String pair : labels) {
            int eq = pair.indexOf('=');
            if (!pair.substring(eq + 1).equals(s.labels().get(pair.substring(0, eq)))) {
                return false;
            }
        }
        return true;
    }
}
