package io.wsrelay.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.OptionalDouble;

/** Medians and ratios over the repetitions of one workload on one target. */
final class Medians {

    private Medians() {
    }

    /** The median of {@code field} over {@code runs}, skipping runs where it is null or missing. */
    static OptionalDouble of(List<JsonNode> runs, String field) {
        double[] v = runs.stream().map(r -> r.get(field)).filter(n -> n != null && n.isNumber())
                .mapToDouble(JsonNode::asDouble).sorted().toArray();
        if (v.length == 0) {
            return OptionalDouble.empty();
        }
        int mid = v.length / 2;
        return OptionalDouble.of(v.length % 2 == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2);
    }

    /** {@code a / b}, empty when either is missing or {@code b} is zero. */
    static OptionalDouble ratio(OptionalDouble a, OptionalDouble b) {
        if (a.isEmpty() || b.isEmpty() || b.getAsDouble() == 0) {
            return OptionalDouble.empty();
        }
        return OptionalDouble.of(a.getAsDouble() / b.getAsDouble());
    }

    /** The smallest value of {@code field} over {@code runs}; missing counts as 0. */
    static long min(List<JsonNode> runs, String field) {
        return runs.stream().mapToLong(r -> r.path(field).asLong(0)).min().orElse(0);
    }

    /** The sum of {@code field} over {@code runs}. */
    static long sum(List<JsonNode> runs, String field) {
        return runs.stream().mapToLong(r -> r.path(field).asLong(0)).sum();
    }

    static String format(OptionalDouble v, String pattern) {
        return v.isPresent() ? String.format(java.util.Locale.ROOT, pattern, v.getAsDouble()) : "n/a";
    }
}
