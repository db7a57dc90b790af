package io.wsrelay.benchmarks;

import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts failures by kind and keeps the first one of each kind as a sample, so a report can say
 * both how many and why. Safe to use from any number of threads at once.
 */
final class Failures {

    /** Longest sample text kept per kind, in characters; an exception message can be huge. */
    private static final int MAX_SAMPLE_CHARS = 200;

    private final Map<FailureKind, LongAdder> counts = new EnumMap<>(FailureKind.class);
    private final Map<FailureKind, AtomicReference<String>> samples = new EnumMap<>(FailureKind.class);

    Failures() {
        for (FailureKind kind : FailureKind.values()) {
            counts.put(kind, new LongAdder());
            samples.put(kind, new AtomicReference<>());
        }
    }

    void record(FailureKind kind, Throwable cause) {
        record(kind, cause.getClass().getSimpleName() + ": " + cause.getMessage());
    }

    void record(FailureKind kind, String detail) {
        record(kind, 1, detail);
    }

    void record(FailureKind kind, long n, String detail) {
        if (n <= 0) {
            return;
        }
        counts.get(kind).add(n);
        String text = detail.length() > MAX_SAMPLE_CHARS ? detail.substring(0, MAX_SAMPLE_CHARS) : detail;
        samples.get(kind).compareAndSet(null, text);
    }

    long count(FailureKind kind) {
        return counts.get(kind).sum();
    }

    long total() {
        return counts.values().stream().mapToLong(LongAdder::sum).sum();
    }

    /** Every kind, in declaration order, lower-case, zero counts included so the schema is fixed. */
    Map<String, Long> counts() {
        Map<String, Long> out = new LinkedHashMap<>();
        counts.forEach((kind, n) -> out.put(name(kind), n.sum()));
        return out;
    }

    /** The first failure of each kind that happened at all. */
    Map<String, String> samples() {
        Map<String, String> out = new LinkedHashMap<>();
        samples.forEach((kind, s) -> {
            if (s.get() != null) {
                out.put(name(kind), s.get());
            }
        });
        return out;
    }

    private static String name(FailureKind kind) {
        return kind.name().toLowerCase(Locale.ROOT);
    }
}
