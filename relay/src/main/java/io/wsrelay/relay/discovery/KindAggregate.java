package io.wsrelay.relay.discovery;

import com.fasterxml.jackson.annotation.JsonAutoDetect;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/** One message kind of one path and direction: counts, times, schema, examples, replies. Not thread-safe. */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY, getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE)
final class KindAggregate {
    String name;
    String discriminator;
    String protocol;
    long count;
    /** Epoch milliseconds. */
    long firstSeen;
    long lastSeen;
    Shape schema = new Shape();
    /** Masked JSON texts, at most samplesPerKind. */
    List<String> examples = new ArrayList<>();
    /** Kinds of the other direction that answered this one (same correlation id), with counts. */
    LinkedHashMap<String, Long> replies = new LinkedHashMap<>();

    static KindAggregate of(Classifier.Kind kind) {
        KindAggregate k = new KindAggregate();
        k.name = kind.name();
        k.discriminator = kind.discriminator();
        k.protocol = kind.protocol();
        return k;
    }

    void seen(long at) {
        count++;
        firstSeen = firstSeen == 0 ? at : Math.min(firstSeen, at);
        lastSeen = Math.max(lastSeen, at);
    }

    void example(String json, DiscoveryLimits limits) {
        if (examples.size() < limits.samplesPerKind() && json.length() <= limits.exampleBytes() && !examples.contains(json)) {
            examples.add(json);
        }
    }

    void merge(KindAggregate o, DiscoveryLimits limits) {
        count += o.count;
        firstSeen = firstSeen == 0 ? o.firstSeen : (o.firstSeen == 0 ? firstSeen : Math.min(firstSeen, o.firstSeen));
        lastSeen = Math.max(lastSeen, o.lastSeen);
        if (discriminator == null) {
            discriminator = o.discriminator;
        }
        int[] budget = Shape.budget(schema, limits);
        schema.merge(o.schema, limits, budget);
        o.examples.forEach(e -> example(e, limits));
        Counts.addAll(replies, o.replies);
    }
}
