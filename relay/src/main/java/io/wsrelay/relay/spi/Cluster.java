package io.wsrelay.relay.spi;

import java.util.List;
import java.util.function.Supplier;

/**
 * What a store shared by several relay nodes offers them besides endpoints: news of every
 * endpoint write made on any node, close requests for live sessions, a shared list of every
 * node's live sessions, and cluster-wide session counts (leases) for the limits. Implemented by stores that can (the Redis store); the relay's launcher
 * notices it beside {@link EndpointStore}, as it does {@link CacheStatistics}. Without it, a
 * relay node knows only its own sessions and the writes made through its own admin API.
 *
 * <p>Thread-safe. Listener methods are called on the cluster's own thread, one at a time, and
 * must return quickly (hand blocking work to another thread).
 */
public interface Cluster {

    /**
     * Joins the cluster as {@code node}: from now on {@code listener} hears of endpoint writes and
     * close requests from every node (this one's included), and {@code sessions} is asked for this
     * node's live sessions every report period to publish them. Call once; returns at once (Redis
     * may be connected later).
     *
     * @param node     this node's id, unique in the cluster
     * @param listener told of changes and requests
     * @param sessions this node's live sessions now; called on the cluster's thread, must be cheap
     *                 and must not block
     */
    void join(String node, Listener listener, Supplier<List<LiveSession>> sessions);

    /**
     * Asks every node, this one included, to close the sessions {@code request} names.
     *
     * @return whether the request reached the cluster (false when the shared server is
     *         unreachable; nodes other than this one then do not hear of it)
     */
    boolean requestClose(CloseRequest request);

    /**
     * Every node's live sessions, as each node last reported them (at most a report period old),
     * ordered by node then id; an empty list when no node has any.
     *
     * @throws StoreUnavailableException if the shared server cannot be reached
     */
    List<LiveSession> sessions() throws StoreException;

    /**
     * Takes, for {@code holder}, one slot of each cluster-wide count in {@code limits} (count key
     * to its maximum), all or none: a count is the number of live leases on its key across every
     * node. A lease lives while this node renews it (every report period, for the sessions it
     * holds) and expires a few seconds after that stops, so a node that dies does not hold its
     * slots for ever. Blocks for one round trip to the shared server.
     *
     * @param holder a unique id of the session-to-be (the same id is given to {@link #release})
     * @param limits count keys (e.g. {@code endpoint:e1}, {@code client:192.0.2.1}) to maxima, each
     *               at least 1
     * @return the key whose count is full (then nothing was taken), or empty when the slots were
     *         taken, or when the shared server cannot be reached (the node's own limits still
     *         apply; the outage is logged once)
     */
    java.util.Optional<String> acquire(String holder, java.util.Map<String, Integer> limits);

    /** Gives back every slot {@code holder} took; does nothing if it took none. Never blocks for long. */
    void release(String holder);

    /** What a node hears from the cluster. */
    interface Listener {
        /** Endpoint {@code id} was written (inserted, updated, its status set, or removed) on some node. */
        void endpointChanged(String id);

        /**
         * News flows again after a gap (the shared server was unreachable or restarted): writes
         * made meanwhile may have been missed, so every endpoint should be looked at again.
         */
        void resynchronized();

        /** Some node asked for {@code request}'s sessions to be closed. */
        void closeRequested(CloseRequest request);
    }

    /**
     * Which sessions to close: one session by id, or every session of an endpoint.
     *
     * @param sessionId  a session id ({@code node:number}), or empty
     * @param endpointId an endpoint id, or empty; exactly one of the two is set
     */
    record CloseRequest(String sessionId, String endpointId) {
        /**
         * @throws IllegalArgumentException unless exactly one of the two is non-empty
         */
        public CloseRequest {
            if (sessionId.isEmpty() == endpointId.isEmpty()) {
                throw new IllegalArgumentException("exactly one of sessionId and endpointId must be set");
            }
        }

        /** A request to close session {@code id}. */
        public static CloseRequest session(String id) {
            return new CloseRequest(id, "");
        }

        /** A request to close every session of endpoint {@code id}. */
        public static CloseRequest endpoint(String id) {
            return new CloseRequest("", id);
        }
    }
}
