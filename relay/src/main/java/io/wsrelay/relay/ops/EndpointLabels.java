package io.wsrelay.relay.ops;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The values the metrics' {@code endpoint} label may take: the ids of the first
 * {@code relay.metrics.max-endpoint-labels} endpoints that open a session, then {@value #OTHER}
 * for all later ones. Only ids of endpoints the store knows reach it (sessions open only for
 * them), so neither unknown ids nor their number can grow the label set. An id keeps its value
 * until the process ends, also when its endpoint is removed.
 *
 * <p>Thread-safe; called once per session open, never per message.
 */
public final class EndpointLabels {
    /** Label of every endpoint past the limit (an endpoint whose id is "other" shares it). */
    public static final String OTHER = "other";

    private final int max;
    private final Set<String> admitted = new HashSet<>();
    private final ReentrantLock lock = new ReentrantLock();

    /** @param max how many distinct ids get their own value; 0 puts every endpoint under {@value #OTHER} */
    EndpointLabels(int max) {
        this.max = max;
    }

    /** The label value for {@code endpointId}: the id itself while there is room, else {@value #OTHER}. */
    String label(String endpointId) {
        lock.lock();
        try {
            if (admitted.contains(endpointId)) {
                return endpointId;
            }
            if (admitted.size() < max) {
                admitted.add(endpointId);
                return endpointId;
            }
            return OTHER;
        } finally {
            lock.unlock();
        }
    }
}
