package io.wsrelay.relay.spi;

import java.time.Instant;
import java.util.Objects;

/**
 * One live relayed session, as the admin API and {@code wsrelay sessions list} show it. Never
 * holds payloads, query strings or header values.
 *
 * @param id              {@code <node>:<number>}, unique in the cluster
 * @param node            the relay node that holds it
 * @param endpointId      the endpoint it relays to
 * @param client          the client's address and port as the node saw it (the browser's, when
 *                        the node trusts the proxy's {@code X-Forwarded-For})
 * @param openedAt        when its opening handshake began
 * @param bytesToUpstream payload bytes relayed from the client so far
 * @param bytesToClient   payload bytes relayed to the client so far
 */
public record LiveSession(String id, String node, String endpointId, String client, Instant openedAt,
                          long bytesToUpstream, long bytesToClient) {
    /**
     * @throws NullPointerException if a component is null
     */
    public LiveSession {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(endpointId, "endpointId");
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(openedAt, "openedAt");
    }
}
