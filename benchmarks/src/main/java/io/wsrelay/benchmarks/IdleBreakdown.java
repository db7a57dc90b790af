package io.wsrelay.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Prints where a relay's memory per idle session goes, from two snapshots of the same process
 * that {@code benchmarks/idle-memory.sh} takes: one with the base sessions open, one with
 * {@code sessions} more. Every figure is the difference between the two divided by
 * {@code sessions}, in KiB (1024 bytes) per session:
 *
 * <ul>
 *   <li>resident: {@code VmRSS} and its anonymous part from {@code /proc/PID/status}, and the
 *       Java heap's resident pages ({@code /proc/PID/smaps} within the heap's addresses); read
 *       before the histogram's full GC;
 *   <li>live heap: {@code GC.class_histogram} (objects reachable after a full GC) by owner
 *       (package groups) and by class;
 *   <li>native: {@code VM.native_memory summary} (NMT), committed, by category.
 * </ul>
 *
 * <p>Usage: {@code IdleBreakdown BASE_DIR HELD_DIR SESSIONS}. Reads files only; prints text.
 */
final class IdleBreakdown {

    /** One class of a histogram: instances and bytes. */
    record ClassCount(long instances, long bytes) {
    }

    /** Owner groups of the histogram, first match wins (class names as the histogram prints them). */
    static final List<Map.Entry<String, Pattern>> GROUPS = List.of(
            Map.entry("JDK HTTP client (jdk.internal.net.http)", Pattern.compile("^jdk\\.internal\\.net\\.http\\.")),
            Map.entry("Jetty WebSocket (org.eclipse.jetty.websocket)", Pattern.compile("^org\\.eclipse\\.jetty\\.websocket\\.")),
            Map.entry("Jetty server, HTTP, IO (other org.eclipse.jetty)", Pattern.compile("^org\\.eclipse\\.jetty\\.")),
            Map.entry("wsrelay (io.wsrelay)", Pattern.compile("^io\\.wsrelay\\.")),
            Map.entry("Micrometer", Pattern.compile("^io\\.micrometer\\.")),
            Map.entry("virtual threads (VirtualThread, StackChunk, Continuation)",
                    Pattern.compile("^(java\\.lang\\.VirtualThread|jdk\\.internal\\.vm\\.|java\\.lang\\.Thread\\$)")),
            Map.entry("byte[] (buffers and Latin-1 strings)", Pattern.compile("^\\[B$")),
            Map.entry("java.nio buffers (ByteBuffer objects)", Pattern.compile("^java\\.nio\\.")),
            Map.entry("java.util.concurrent (futures, locks, maps, timer tasks)", Pattern.compile("^java\\.util\\.concurrent\\.")),
            Map.entry("String objects", Pattern.compile("^java\\.lang\\.String$")),
            Map.entry("other JDK (collections, arrays, ...)", Pattern.compile(".")));

    private static final Pattern HISTOGRAM_LINE =
            Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+)(?:\\s+\\(.*\\))?\\s*$");
    private static final Pattern NMT_CATEGORY =
            Pattern.compile("^-\\s+(.+?) \\(reserved=(\\d+)KB, committed=(\\d+)KB\\)");
    private static final Pattern NMT_TOTAL = Pattern.compile("^Total: reserved=(\\d+)KB, committed=(\\d+)KB");

    private IdleBreakdown() {
    }

    public static void main(String[] args) {
        if (args.length != 3) {
            System.err.println("usage: IdleBreakdown BASE_DIR HELD_DIR SESSIONS");
            System.exit(2);
        }
        System.out.print(report(Path.of(args[0]), Path.of(args[1]), Integer.parseInt(args[2])));
    }

    static String report(Path base, Path held, int sessions) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "KiB per session, over %d sessions (held minus base, divided by %d)%n%n",
                sessions, sessions));

        Map<String, Long> sb = statusKib(read(base.resolve("status")));
        Map<String, Long> sh = statusKib(read(held.resolve("status")));
        long heapBase = heapRssKib(read(base.resolve("smaps")), read(base.resolve("heap_info")));
        long heapHeld = heapRssKib(read(held.resolve("smaps")), read(held.resolve("heap_info")));
        out.append("resident (before the histogram's full GC)\n");
        row(out, "VmRSS", sb.get("VmRSS"), sh.get("VmRSS"), sessions);
        row(out, "  RssAnon", sb.get("RssAnon"), sh.get("RssAnon"), sessions);
        row(out, "  RssFile + RssShmem", sb.get("RssFile") + sb.get("RssShmem"), sh.get("RssFile") + sh.get("RssShmem"), sessions);
        row(out, "  Java heap, resident pages", heapBase, heapHeld, sessions);
        row(out, "  everything else", sb.get("VmRSS") - heapBase, sh.get("VmRSS") - heapHeld, sessions);
        row(out, "threads (count, not KiB)", sb.get("Threads"), sh.get("Threads"), 1);

        Map<String, ClassCount> hb = histogram(read(base.resolve("histogram")));
        Map<String, ClassCount> hh = histogram(read(held.resolve("histogram")));
        long liveBase = hb.values().stream().mapToLong(ClassCount::bytes).sum();
        long liveHeld = hh.values().stream().mapToLong(ClassCount::bytes).sum();
        out.append("\nlive heap (GC.class_histogram after a full GC)\n");
        row(out, "total", liveBase / 1024, liveHeld / 1024, sessions);
        Map<String, long[]> groups = new LinkedHashMap<>();
        GROUPS.forEach(g -> groups.put(g.getKey(), new long[2]));
        for (String cls : union(hb, hh)) {
            long[] g = groups.get(group(cls));
            g[0] += get(hb, cls).bytes();
            g[1] += get(hh, cls).bytes();
        }
        groups.forEach((name, g) -> row(out, "  " + name, g[0] / 1024, g[1] / 1024, sessions));

        out.append(String.format(Locale.ROOT, "%nlive heap by class, largest growth first (per session: instances, bytes)%n"));
        List<String> classes = new ArrayList<>(union(hb, hh));
        classes.sort(Comparator.comparingLong((String c) -> get(hh, c).bytes() - get(hb, c).bytes()).reversed());
        for (String cls : classes.subList(0, Math.min(40, classes.size()))) {
            double n = (get(hh, cls).instances() - get(hb, cls).instances()) / (double) sessions;
            double bytes = (get(hh, cls).bytes() - get(hb, cls).bytes()) / (double) sessions;
            out.append(String.format(Locale.ROOT, "  %8.2f %9.0f B  %s%n", n, bytes, cls));
        }

        Map<String, long[]> nb = nmt(read(base.resolve("nmt")));
        Map<String, long[]> nh = nmt(read(held.resolve("nmt")));
        out.append("\nnative memory (NMT summary, committed)\n");
        for (String category : nh.keySet()) {
            long[] b = nb.getOrDefault(category, new long[2]);
            row(out, "  " + category, b[1], nh.get(category)[1], sessions);
        }
        out.append("\nheap, as GC.heap_info printed it (base, then held; before the full GC)\n");
        out.append(indent(read(base.resolve("heap_info")))).append(indent(read(held.resolve("heap_info"))));
        return out.toString();
    }

    private static void row(StringBuilder out, String name, long base, long held, int sessions) {
        out.append(String.format(Locale.ROOT, "  %-62s %10d -> %10d  %8.2f%n", name, base, held,
                (held - base) / (double) sessions));
    }

    static String group(String cls) {
        return GROUPS.stream().filter(g -> g.getValue().matcher(cls).find()).findFirst().orElseThrow().getKey();
    }

    /** Class name to instances and bytes, from {@code jcmd PID GC.class_histogram}. */
    static Map<String, ClassCount> histogram(String text) {
        Map<String, ClassCount> map = new TreeMap<>();
        for (String line : text.split("\n")) {
            Matcher m = HISTOGRAM_LINE.matcher(line);
            if (m.matches()) {
                map.merge(m.group(3), new ClassCount(Long.parseLong(m.group(1)), Long.parseLong(m.group(2))),
                        (a, b) -> new ClassCount(a.instances() + b.instances(), a.bytes() + b.bytes()));
            }
        }
        return map;
    }

    /** NMT category to {reserved, committed} KiB, from {@code VM.native_memory summary scale=KB}; "Total" too. */
    static Map<String, long[]> nmt(String text) {
        Map<String, long[]> map = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            Matcher t = NMT_TOTAL.matcher(line.trim());
            if (t.find()) {
                map.put("Total", new long[] {Long.parseLong(t.group(1)), Long.parseLong(t.group(2))});
            }
            Matcher m = NMT_CATEGORY.matcher(line.trim());
            if (m.find()) {
                map.put(m.group(1).trim(), new long[] {Long.parseLong(m.group(2)), Long.parseLong(m.group(3))});
            }
        }
        return map;
    }

    /** The KiB fields of {@code /proc/PID/status} (and {@code Threads}). */
    static Map<String, Long> statusKib(String text) {
        Map<String, Long> map = new TreeMap<>();
        for (String line : text.split("\n")) {
            String[] parts = line.split(":\\s*", 2);
            if (parts.length == 2 && parts[1].matches("\\d+( kB)?")) {
                map.put(parts[0], Long.parseLong(parts[1].replace(" kB", "")));
            }
        }
        for (String key : List.of("VmRSS", "RssAnon", "RssFile", "RssShmem", "Threads")) {
            map.putIfAbsent(key, 0L);
        }
        return map;
    }

    /**
     * The resident KiB of the Java heap: the {@code Rss} of every mapping in
     * {@code /proc/PID/smaps} that starts inside the address range {@code GC.heap_info} prints
     * for the generations (its lowest to its highest address).
     */
    static long heapRssKib(String smaps, String heapInfo) {
        Matcher a = Pattern.compile("0x([0-9a-fA-F]+)").matcher(heapInfo);
        long low = Long.MAX_VALUE;
        long high = Long.MIN_VALUE;
        while (a.find()) {
            long address = Long.parseUnsignedLong(a.group(1), 16);
            low = Math.min(low, address);
            high = Math.max(high, address);
        }
        long rss = 0;
        boolean inHeap = false;
        Pattern header = Pattern.compile("^([0-9a-f]+)-([0-9a-f]+) ");
        for (String line : smaps.split("\n")) {
            Matcher h = header.matcher(line);
            if (h.find()) {
                long start = Long.parseUnsignedLong(h.group(1), 16);
                inHeap = start >= low && start < high;
            } else if (inHeap && line.startsWith("Rss:")) {
                rss += Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        return rss;
    }

    private static List<String> union(Map<String, ClassCount> a, Map<String, ClassCount> b) {
        TreeMap<String, Boolean> all = new TreeMap<>();
        a.keySet().forEach(k -> all.put(k, true));
        b.keySet().forEach(k -> all.put(k, true));
        return List.copyOf(all.keySet());
    }

    private static ClassCount get(Map<String, ClassCount> map, String cls) {
        return map.getOrDefault(cls, new ClassCount(0, 0));
    }

    private static String indent(String text) {
        StringBuilder b = new StringBuilder();
        for (String line : text.split("\n")) {
            if (!line.isBlank() && !line.matches("^\\d+:$")) {
                b.append("  ").append(line).append('\n');
            }
        }
        return b.toString();
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
