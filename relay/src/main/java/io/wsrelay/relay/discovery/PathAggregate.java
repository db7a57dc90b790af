package io.wsrelay.relay.discovery;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import org.HdrHistogram.Histogram;

import java.util.LinkedHashMap;

/** One path of an endpoint (one AsyncAPI channel): its sessions and both directions. Not thread-safe. */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY, getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE)
final class PathAggregate {
    String path;
    long sessions;
    /** Query parameter names (never values) with the number of sessions that sent each. */
    LinkedHashMap<String, Long> queryParameters = new LinkedHashMap<>();
    LinkedHashMap<String, Long> offeredSubprotocols = new LinkedHashMap<>();
    /** The upstream's choice per session; {@code (none)} when it chose none. */
    LinkedHashMap<String, Long> chosenSubprotocols = new LinkedHashMap<>();
    /** Close codes the relay sent the client ({@code -1}: cut without a close frame). */
    LinkedHashMap<String, Long> closeCodesToClient = new LinkedHashMap<>();
    LinkedHashMap<String, Long> closeCodesToUpstream = new LinkedHashMap<>();
    LinkedHashMap<String, Long> closedBy = new LinkedHashMap<>();
    /** Session durations in milliseconds, encoded; {@link #durations()} holds it live. */
    String durationsEncoded;
    transient Histogram durations;
    /** Client to upstream: what the client sends. */
    DirectionAggregate up = new DirectionAggregate();
    /** Upstream to client: what the client receives. */
    DirectionAggregate down = new DirectionAggregate();

    Histogram durations() {
        if (durations == null) {
            durations = Counts.decode(durationsEncoded);
            durationsEncoded = null;
        }
        return durations;
    }

    void encode() {
        if (durations != null) {
            durationsEncoded = Counts.encode(durations);
        }
        up.encode();
        down.encode();
    }

    DirectionAggregate direction(boolean toUpstream) {
        return toUpstream ? up : down;
    }

    void merge(PathAggregate o, DiscoveryLimits limits, int[] kindBudget) {
        sessions += o.sessions;
        Counts.addAll(queryParameters, o.queryParameters);
        Counts.addAll(offeredSubprotocols, o.offeredSubprotocols);
        Counts.addAll(chosenSubprotocols, o.chosenSubprotocols);
        Counts.addAll(closeCodesToClient, o.closeCodesToClient);
        Counts.addAll(closeCodesToUpstream, o.closeCodesToUpstream);
        Counts.addAll(closedBy, o.closedBy);
        durations().add(o.durations());
        up.merge(o.up, limits, kindBudget);
        down.merge(o.down, limits, kindBudget);
    }

    int kindCount() {
        return up.kinds.size() + down.kinds.size();
    }
}
