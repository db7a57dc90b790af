package io.wsrelay.relay.discovery;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import org.HdrHistogram.Histogram;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * One direction of one path: exact message counts and sizes (from every session's end), and what
 * the captured samples showed (kinds, non-JSON text, binary). Not thread-safe.
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY, getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE)
final class DirectionAggregate {
    long messages;
    long bytes;
    long textMessages;
    long binaryMessages;
    /** Message sizes in bytes, encoded ({@link Counts#encode}); {@link #sizes()} holds it live. */
    String sizesEncoded;
    transient Histogram sizes;
    /** Messages captured for inference (the rest were only counted). */
    long sampled;
    LinkedHashMap<String, KindAggregate> kinds = new LinkedHashMap<>();
    /** Sampled JSON messages of kinds past maxKinds (or the node's kind budget). */
    long kindsDropped;
    /** Sampled text that was cut at sampleBytes before it could be parsed. */
    long truncatedText;
    long nonJsonText;
    /** Masked, cut to harMessageBytes. */
    List<String> textSamples = new ArrayList<>();
    long binary;
    LinkedHashMap<String, Long> binaryGuesses = new LinkedHashMap<>();
    List<BinarySample> binarySamples = new ArrayList<>();

    /** A binary message as discovery keeps it: never its content beyond the first bytes. */
    @JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY)
    static final class BinarySample {
        long size;
        String firstBytes;
        String guess;

        BinarySample() {
        }

        BinarySample(long size, String firstBytes, String guess) {
            this.size = size;
            this.firstBytes = firstBytes;
            this.guess = guess;
        }
    }

    Histogram sizes() {
        if (sizes == null) {
            sizes = Counts.decode(sizesEncoded);
            sizesEncoded = null;
        }
        return sizes;
    }

    /** Encodes the live histogram into {@link #sizesEncoded}, before this is written as JSON. */
    void encode() {
        if (sizes != null) {
            sizesEncoded = Counts.encode(sizes);
        }
    }

    void merge(DirectionAggregate o, DiscoveryLimits limits, int[] kindBudget) {
        messages += o.messages;
        bytes += o.bytes;
        textMessages += o.textMessages;
        binaryMessages += o.binaryMessages;
        sizes().add(o.sizes());
        sampled += o.sampled;
        kindsDropped += o.kindsDropped;
        truncatedText += o.truncatedText;
        nonJsonText += o.nonJsonText;
        binary += o.binary;
        for (KindAggregate k : o.kinds.values()) {
            KindAggregate mine = kinds.get(k.name);
            if (mine == null) {
                if (kinds.size() >= limits.maxKinds() || kindBudget[0] <= 0) {
                    kindsDropped += k.count;
                    continue;
                }
                kindBudget[0]--;
                mine = new KindAggregate();
                mine.name = k.name;
                mine.protocol = k.protocol;
                kinds.put(k.name, mine);
            }
            mine.merge(k, limits);
        }
        for (String t : o.textSamples) {
            if (textSamples.size() < limits.samplesPerKind()) {
                textSamples.add(t);
            }
        }
        Counts.addAll(binaryGuesses, o.binaryGuesses);
        for (BinarySample b : o.binarySamples) {
            if (binarySamples.size() < limits.samplesPerKind()) {
                binarySamples.add(b);
            }
        }
    }
}
