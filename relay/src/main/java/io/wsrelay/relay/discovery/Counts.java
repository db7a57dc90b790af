package io.wsrelay.relay.discovery;

import org.HdrHistogram.Histogram;

import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.Map;
import java.util.zip.DataFormatException;

/** Bounded counters by name, and HdrHistogram in and out of the stored JSON. Stateless. */
final class Counts {
    /** The key counted instead of a new one once a map is full. */
    static final String OTHER = "(other)";
    /** Distinct keys a counter map holds (query names, subprotocols, close codes). */
    static final int MAX_KEYS = 32;
    /** Significant decimal digits of the aggregated histograms (1% resolution). */
    private static final int DIGITS = 2;

    private Counts() {
    }

    /** Adds {@code n} under {@code key}, or under {@link #OTHER} when {@code counts} holds {@link #MAX_KEYS} keys. */
    static void add(Map<String, Long> counts, String key, long n) {
        String k = counts.containsKey(key) || counts.size() < MAX_KEYS ? key : OTHER;
        counts.merge(k, n, Long::sum);
    }

    /** Adds every count of {@code from} into {@code into}. */
    static void addAll(Map<String, Long> into, Map<String, Long> from) {
        from.forEach((k, v) -> add(into, k, v));
    }

    /** An empty histogram of values from 1 up, auto-resizing. */
    static Histogram histogram() {
        Histogram h = new Histogram(DIGITS);
        h.setAutoResize(true);
        return h;
    }

    /** The histogram as compressed, Base64 text; null for an empty one. */
    static String encode(Histogram h) {
        if (h == null || h.getTotalCount() == 0) {
            return null;
        }
        ByteBuffer buffer = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
        int n = h.encodeIntoCompressedByteBuffer(buffer);
        return Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(buffer.array(), n));
    }

    /** The histogram {@link #encode} wrote; an empty one for null or unreadable text. */
    static Histogram decode(String text) {
        if (text == null || text.isEmpty()) {
            return histogram();
        }
        try {
            Histogram h = Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(Base64.getDecoder().decode(text)), 1);
            h.setAutoResize(true);
            return h;
        } catch (DataFormatException | IllegalArgumentException e) {
            return histogram();
        }
    }
}
