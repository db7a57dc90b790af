package io.wsrelay.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** A two-column, human-readable table of one run's figures (label, value), for a terminal. */
final class Table {

    private final String title;
    private final List<String[]> rows = new ArrayList<>();

    Table(String title) {
        this.title = title;
    }

    Table row(String label, Object value) {
        rows.add(new String[] {label, value == null ? "n/a" : value.toString()});
        return this;
    }

    /** Whole numbers with thousands separators, the rest with one decimal. */
    static String number(Number n) {
        if (n == null) {
            return "n/a";
        }
        if (n instanceof Long || n instanceof Integer) {
            return String.format(Locale.ROOT, "%,d", n.longValue());
        }
        return String.format(Locale.ROOT, "%,.1f", n.doubleValue());
    }

    @Override
    public String toString() {
        int width = rows.stream().mapToInt(r -> r[0].length()).max().orElse(0);
        StringBuilder out = new StringBuilder(title).append('\n');
        for (String[] r : rows) {
            out.append("  ").append(r[0]).append(" ".repeat(width - r[0].length() + 2)).append(r[1]).append('\n');
        }
        return out.toString();
    }
}
