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
 * @param flushBytesPerSecond   the write budget of the periodic flush for each endpoint's row, in bytes
 *                              (UTF-8 of the stored JSON) per second, greater than 0: after it writes
 *                              an endpoint's row of B bytes, that endpoint's next periodic flush waits
 *                              at least B / this many seconds, and never less than {@code flushInterval};
 *                              {@link Discovery#flush()} and {@link Discovery#close()} write regardless
 * @throws IllegalArgumentException if {@code flushBytesPerSecond} is not positive
 */
public record DiscoveryLimits(int maxEndpoints, int maxKindsPerNode, int maxPaths, int maxKinds, int maxProperties,
                              int maxDepth, int maxEnumValues, int samplesPerKind, int sampleBytes, int exampleBytes,
                              int recentSessions, int messagesPerSession, int harMessageBytes, int queueCapacity,
                              int samplesPerSecond, int samplesPerSecondPerDirection, int maxTrackedSessions,
                              Duration flushInterval, long flushBytesPerSecond) {

    /** The default write budget of the periodic flush per endpoint row: 256 KiB (262,144 bytes) per second. */
    public static final long DEFAULT_FLUSH_BYTES_PER_SECOND = 256 * 1024;

    public DiscoveryLimits {
        if (flushBytesPerSecond <= 0) {
            throw new IllegalArgumentException("flushBytesPerSecond must be positive, was " + flushBytesPerSecond);
        }
    }

    /** The bounds {@code wsrelay serve} uses (documented in {@code docs/discovery.md}). */
    public static DiscoveryLimits defaults() {
        return new DiscoveryLimits(32, 1024, 8, 32, 64, 6, 8, 3, 4096, 1024, 10, 16, 1024, 1024,
                2000, 100, 256, Duration.ofSeconds(10), DEFAULT_FLUSH_BYTES_PER_SECOND);
    }

    /** Most UTF-8 bytes a character of kept text takes in JSON output (3; {@code "} and {@code \\} take 2). */
    static final int BYTES_PER_CHAR = 3;
    /** Most bytes of one schema node's counters, flags and brackets in JSON, its name and enum values apart. */
    static final int NODE_BYTES = 400;
    /** Most bytes of a kind's fixed fields and, in AsyncAPI, its message and operation wrappers, names apart. */
    static final int KIND_FIXED_BYTES = 2048;
    /** Most bytes of an AsyncAPI reply reference ({@code $ref} to a channel's message), keys apart. */
    static final int REPLY_REF_BYTES = 64;

    /**
     * The most UTF-8 bytes one message kind takes as JSON, whatever the traffic: in the stored row,
     * in the summary and in the AsyncAPI document (each is below it). Computed from these limits
     * and the length caps on what becomes a key: property names ({@value Shape#MAX_NAME}
     * characters), kind names ({@value Classifier#MAX_NAME}), enum values ({@value Shape#MAX_ENUM_LENGTH}
     * each, {@value Shape#MAX_ENUM_CHARS} per kind), AsyncAPI keys ({@value AsyncApiDocument#MAX_KEY}).
     * Every schema node (a property or an array's items) counts against {@link #maxProperties()}.
     *
     * @return a bound in bytes; thread-safe
     */
    public long maxKindBytes() {
        long nodes = maxProperties + 1L;
        long propertyName = (long) Shape.MAX_NAME * BYTES_PER_CHAR + 4;
        // A node's name appears twice in a JSON Schema: as a property and in "required".
        long schema = nodes * (NODE_BYTES + 2 * propertyName);
        long enums = (long) Shape.MAX_ENUM_CHARS * BYTES_PER_CHAR + nodes * (maxEnumValues + 2L) * 4;
        // An example's masked text re-serialized: a number such as 1e5 may grow to 1E+5.
        long examples = (long) samplesPerKind * ((long) exampleBytes * 4 + 16);
        // A correlated kind is named "request.reply": two names and a dot.
        long kindName = (2L * Classifier.MAX_NAME + 1) * BYTES_PER_CHAR + 3;
        long key = AsyncApiDocument.MAX_KEY + 4L;
        long replies = (Counts.MAX_KEYS + 1L) * (kindName + 32 + REPLY_REF_BYTES + 2 * key);
        long names = 4 * kindName + 6 * key;
        return schema + enums + examples + replies + names + KIND_FIXED_BYTES;
    }

    /**
     * The most UTF-8 bytes one endpoint's kinds take as JSON ({@link #maxKindBytes()} times
     * {@link #maxPaths()} × 2 directions × {@link #maxKinds()}), plus, per path and per recent
     * session, {@code handshakeBytes} for the strings the handshake brings (path, query names,
     * subprotocols; at most the relay's request head) and what the recent sessions' messages take.
     *
     * @param handshakeBytes the largest HTTP request head the relay accepts, in bytes
     * @return a bound in bytes; thread-safe
     */
    public long maxEndpointBytes(long handshakeBytes) {
        long kinds = (long) maxPaths * 2 * maxKinds * maxKindBytes();
        long direction = (long) samplesPerKind * ((long) harMessageBytes * BYTES_PER_CHAR + 16) + 4096;
        long path = 2 * direction + 4096 + 6 * handshakeBytes * BYTES_PER_CHAR;
        long session = (long) messagesPerSession * ((long) harMessageBytes * BYTES_PER_CHAR + 128) + 1024
                + 2 * handshakeBytes * BYTES_PER_CHAR;
        return kinds + maxPaths * path + (long) recentSessions * session + 4096;
    }

    /** A copy with another flush interval. */
    public DiscoveryLimits withFlushInterval(Duration interval) {
        return new DiscoveryLimits(maxEndpoints, maxKindsPerNode, maxPaths, maxKinds, maxProperties, maxDepth,
                maxEnumValues, samplesPerKind, sampleBytes, exampleBytes, recentSessions, messagesPerSession,
                harMessageBytes, queueCapacity, samplesPerSecond, samplesPerSecondPerDirection, maxTrackedSessions,
                interval, flushBytesPerSecond);
    }

    /** A copy with another write budget for discovery rows, in bytes per second (greater than 0). */
    public DiscoveryLimits withFlushBytesPerSecond(long bytesPerSecond) {
        return new DiscoveryLimits(maxEndpoints, maxKindsPerNode, maxPaths, maxKinds, maxProperties, maxDepth,
                maxEnumValues, samplesPerKind, sampleBytes, exampleBytes, recentSessions, messagesPerSession,
                harMessageBytes, queueCapacity, samplesPerSecond, samplesPerSecondPerDirection, maxTrackedSessions,
                flushInterval, bytesPerSecond);
    }

    /** A copy with other capture rates (messages per second per node, and per session direction). */
    public DiscoveryLimits withSampleRates(int perSecond, int perSecondPerDirection) {
        return new DiscoveryLimits(maxEndpoints, maxKindsPerNode, maxPaths, maxKinds, maxProperties, maxDepth,
                maxEnumValues, samplesPerKind, sampleBytes, exampleBytes, recentSessions, messagesPerSession,
                harMessageBytes, queueCapacity, perSecond, perSecondPerDirection, maxTrackedSessions, flushInterval,
                flushBytesPerSecond);
    }
}
