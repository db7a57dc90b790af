package io.wsrelay.relay;

import io.wsrelay.relay.spi.Endpoint;
import io.wsrelay.relay.spi.EndpointStatus;
import io.wsrelay.relay.spi.EndpointStore;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/** An {@link EndpointStore} in a map, for tests that need no database. Thread-safe. */
public final class InMemoryEndpointStore implements EndpointStore {
    private final ConcurrentMap<String, Endpoint> endpoints = new ConcurrentHashMap<>();

    @Override
    public Optional<Endpoint> lookup(String id) {
        return Optional.ofNullable(endpoints.get(id));
    }

    @Override
    public boolean insert(Endpoint endpoint) {
        return endpoints.putIfAbsent(endpoint.id(), endpoint) == null;
    }

    @Override
    public boolean update(Endpoint endpoint) {
        return endpoints.computeIfPresent(endpoint.id(), (id, old) -> new Endpoint(id, endpoint.destinationUrl(),
                endpoint.status(), endpoint.allowedHosts(), endpoint.allowedOrigins(), endpoint.maxConnections(),
                endpoint.upstreamHeaders(), endpoint.upstreamOrigin(), endpoint.trustedCa(), endpoint.capture(),
                endpoint.liveSessions(), old.createdAt(), Instant.now())) != null;
    }

    @Override
    public boolean setStatus(String id, EndpointStatus status) {
        return endpoints.computeIfPresent(id, (k, old) -> old.withStatus(status)) != null;
    }

    @Override
    public boolean remove(String id) {
        return endpoints.remove(id) != null;
    }

    @Override
    public List<Endpoint> list() {
        return endpoints.values().stream().sorted(Comparator.comparing(Endpoint::id)).toList();
    }

    @Override
    public void ping() {
    }

    @Override
    public void close() {
    }
}
