package io.wsrelay.relay.discovery;

import java.time.Duration;

/**
 * The bounds that keep API discovery's memory and CPU fixed whatever the traffic. Every count
 * past a bound is dropped and counted, never queued; the relayed messages are never delayed.
 *
 * @param maxEndpoints          endpoints one node aggregates between flushes; sessions of more are not recorded
 * @param maxKindsPerNode       message kinds one node holds between flushes, over all endpoints
 * @param maxPaths              paths (AsyncAPI channels) per endpoint; more are counted as dropped
 * @param maxKinds              message kinds per path and direction; messages of more are counted as dropped
 * @param maxProperties         object properties per kind schema, all nesting levels together
 * @param maxDepth              nesting levels a schema describes; deeper values keep their type only
 * @param maxEnumValues         distinct string values a schema keeps to propose an {@code enum}
 * @param samplesPerKind        example messages kept per kind (K)
 * @param sampleBytes           bytes of a message captured for inference (N); longer ones are cut
 * @param exampleBytes          largest example kept, as masked JSON, in characters
 * @param recentSessions        sessions kept per endpoint for the HAR export
 * @param messagesPerSession    messages kept per session for the HAR export
 * @param harMessageBytes       characters of each HAR message kept
 * @param queueCapacity         hand-off slots between the pumps and the aggregator
 * @param samplesPerSecond      messages the whole node captures per second, over all sessions
 * @param samplesPerSecondPerDirection messages one session direction captures per second
 * @param maxTrackedSessions    open sessions whose request ids the aggregator remembers for correlation
 * @param flushInterval         how often a node merges what it learnt into the shared store
 */
public record DiscoveryLimits(int maxEndpoints, int maxKindsPerNode, int maxPaths, int maxKinds, int maxProperties,
                              int maxDepth, int maxEnumValues, int samplesPerKind, int sampleBytes, int exampleBytes,
                              int recentSessions, int messagesPerSession, int harMessageBytes, int queueCapacity,
                              int samplesPerSecond, int samplesPerSecondPerDirection, int maxTrackedSessions,
                              Duration flushInterval) {

    /** The bounds {@code wsrelay serve} uses (documented in {@code docs/discovery.md}). */
    public static DiscoveryLimits defaults() {
        return new DiscoveryLimits(32, 1024, 8, 32, 64, 6, 8, 3, 4096, 1024, 10, 16, 1024, 1024,
                2000, 100, 256, Duration.ofSeconds(10));
    }

    /** A copy with another flush interval. */
    public DiscoveryLimits withFlushInterval(Duration interval) {
        return new DiscoveryLimits(maxEndpoints, maxKindsPerNode, maxPaths, maxKinds, maxProperties, maxDepth,
                maxEnumValues, samplesPerKind, sampleBytes, exampleBytes, recentSessions, messagesPerSession,
                harMessageBytes, queueCapacity, samplesPerSecond, samplesPerSecondPerDirection, maxTrackedSessions,
                interval);
    }

    /** A copy with other capture rates (messages per second per node, and per session direction). */
    public DiscoveryLimits withSampleRates(int perSecond, int perSecondPerDirection) {
        return new DiscoveryLimits(maxEndpoints, maxKindsPerNode, maxPaths, maxKinds, maxProperties, maxDepth,
                maxEnumValues, samplesPerKind, sampleBytes, exampleBytes, recentSessions, messagesPerSession,
                harMessageBytes, queueCapacity, perSecond, perSecondPerDirection, maxTrackedSessions, flushInterval);
    }
}
