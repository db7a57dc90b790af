package io.wsrelay.relay.discovery;

import com.fasterxml.jackson.annotation.JsonAutoDetect;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * What was learnt of one endpoint: per path, per direction, plus recent sessions and the counts
 * of what the bounds left out. Mergeable (nodes, flushes, restarts) and bounded by
 * {@link DiscoveryLimits}. Not thread-safe: {@link Discovery} guards it.
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY, getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE)
final class EndpointAggregate {
    /** Format of the stored JSON. */
    static final int VERSION = 1;

    int v = VERSION;
    String endpointId;
    /** Sessions relayed (upstream accepted, client got 101). */
    long sessions;
    /** Refused handshakes by {@code status error}. */
    LinkedHashMap<String, Long> refused = new LinkedHashMap<>();
    long firstSeen;
    long lastSeen;
    LinkedHashMap<String, PathAggregate> paths = new LinkedHashMap<>();
    /** Sessions on paths past maxPaths. */
    long pathsDropped;
    /** Captured messages dropped because the hand-off to the aggregator was full. */
    long samplesDropped;
    /** Session records dropped because the hand-off was full. */
    long sessionsDropped;
    /** Messages not captured because the capture rate was reached (they were counted, not parsed). */
    long samplesSkipped;
    /** Newest first, at most recentSessions. */
    List<SessionEntry> recent = new ArrayList<>();

    static EndpointAggregate of(String endpointId) {
        EndpointAggregate a = new EndpointAggregate();
        a.endpointId = endpointId;
        return a;
    }

    void seen(long at) {
        firstSeen = firstSeen == 0 ? at : Math.min(firstSeen, at);
        lastSeen = Math.max(lastSeen, at);
    }

    /** The aggregate of {@code path}, created if there is room; null when maxPaths is reached. */
    PathAggregate path(String path, DiscoveryLimits limits) {
        PathAggregate p = paths.get(path);
        if (p == null && paths.size() < limits.maxPaths()) {
            p = new PathAggregate();
            p.path = path;
            paths.put(path, p);
        }
        return p;
    }

    void addRecent(SessionEntry entry, DiscoveryLimits limits) {
        recent.add(entry);
        recent.sort(Comparator.comparingLong((SessionEntry e) -> e.started).reversed());
        while (recent.size() > limits.recentSessions()) {
            recent.removeLast();
        }
    }

    /**
     * Whether nothing was learnt: every field but the format and the id at its initial value, so
     * that writing this would store what {@link #of} stores. Field by field, without writing JSON
     * (a delta is tested under the aggregator's lock at each flush).
     */
    boolean isEmpty() {
        return sessions == 0 && refused.isEmpty() && firstSeen == 0 && lastSeen == 0 && paths.isEmpty()
                && pathsDropped == 0 && samplesDropped == 0 && sessionsDropped == 0 && samplesSkipped == 0
                && recent.isEmpty();
    }

    int kindCount() {
        return paths.values().stream().mapToInt(PathAggregate::kindCount).sum();
    }

    /** Encodes the live histograms, before this is written as JSON. */
    void encode() {
        paths.values().forEach(PathAggregate::encode);
    }

    /**
     * Adds everything {@code o} holds.
     *
     * @param kindBudget how many new kinds may still be added (decremented); past it their
     *                   messages are counted as dropped
     */
    void merge(EndpointAggregate o, DiscoveryLimits limits, int[] kindBudget) {
        sessions += o.sessions;
        Counts.addAll(refused, o.refused);
        if (o.firstSeen != 0) {
            seen(o.firstSeen);
        }
        lastSeen = Math.max(lastSeen, o.lastSeen);
        pathsDropped += o.pathsDropped;
        samplesDropped += o.samplesDropped;
        sessionsDropped += o.sessionsDropped;
        samplesSkipped += o.samplesSkipped;
        for (PathAggregate p : o.paths.values()) {
            PathAggregate mine = path(p.path, limits);
            if (mine == null) {
                pathsDropped += p.sessions;
            } else {
                mine.merge(p, limits, kindBudget);
            }
        }
        o.recent.forEach(e -> addRecent(e, limits));
    }
}
