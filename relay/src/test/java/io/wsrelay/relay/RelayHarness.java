package io.wsrelay.relay;

import io.wsrelay.relay.config.RelayConfig;
import io.wsrelay.relay.ops.Operations;
import io.wsrelay.relay.spi.Endpoint;
import io.wsrelay.relay.spi.EndpointLookup;
import io.wsrelay.relay.spi.EndpointStore;

import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * A running relay on {@code 127.0.0.1:0} in front of a {@link TestUpstream}, with an in-memory
 * store holding endpoint {@code e1} → the upstream. Closes everything it started.
 *
 * <p>{@link #withOperations} wires the relay as {@code wsrelay serve} does ({@link Operations}):
 * probes, metrics and, with {@code relay.admin.token} set, the admin API.
 */
public final class RelayHarness implements AutoCloseable {
    public final TestUpstream upstream;
    public final InMemoryEndpointStore store = new InMemoryEndpointStore();
    public final RelayServer relay;

    private RelayHarness(Map<String, String> settings,
                         BiFunction<RelayConfig, InMemoryEndpointStore, RelayServer.Builder> wiring) throws Exception {
        upstream = TestUpstream.start();
        store.insert(Endpoint.of("e1", upstream.uri().toString()));
        // The fixtures listen on loopback, which the destination guard refuses by default, and
        // every test client comes from 127.0.0.1, so the per-address limits are lifted.
        Map<String, String> all = new HashMap<>(Map.of("relay.host", "127.0.0.1", "relay.port", "0",
                "relay.upstream.allow-private-addresses", "true",
                "relay.limits.max-sessions-per-client", "100000",
                "relay.limits.upgrades-per-minute-per-client", "0"));
        all.putAll(settings);
        try {
            relay = wiring.apply(RelayConfig.from(all), store).build().start();
        } catch (RuntimeException e) {
            upstream.close();
            throw e;
        }
    }

    public static RelayHarness start() throws Exception {
        return new RelayHarness(Map.of(), plain(null));
    }

    public static RelayHarness start(Map<String, String> settings) throws Exception {
        return new RelayHarness(settings, plain(null));
    }

    /** A relay whose lookups go to {@code lookup} instead of the in-memory store. */
    public static RelayHarness start(Map<String, String> settings, EndpointLookup lookup) throws Exception {
        return new RelayHarness(settings, plain(lookup));
    }

    /** A bare relay over {@code lookup}, or over the in-memory store when it is null. */
    private static BiFunction<RelayConfig, InMemoryEndpointStore, RelayServer.Builder> plain(EndpointLookup lookup) {
        return (config, memory) -> RelayServer.builder(config, lookup == null ? memory : lookup);
    }

    /** A relay wired as {@code wsrelay serve} wires it, over the in-memory store. */
    public static RelayHarness withOperations(Map<String, String> settings) throws Exception {
        return withOperations(settings, memory -> memory);
    }

    /** A relay wired as {@code wsrelay serve} wires it, over {@code store(memory)} (e.g. a {@link FlakyStore}). */
    public static RelayHarness withOperations(Map<String, String> settings,
                                              Function<InMemoryEndpointStore, EndpointStore> store) throws Exception {
        return new RelayHarness(settings, (config, memory) -> Operations.builder(config, store.apply(memory)));
    }

    /** A relay wired as {@code wsrelay serve} wires it, over the in-memory store, with {@code discovery} made for it. */
    public static RelayHarness withDiscovery(Map<String, String> settings,
                                             Function<EndpointStore, io.wsrelay.relay.discovery.Discovery> discovery)
            throws Exception {
        return new RelayHarness(settings, (config, memory) -> Operations.builder(config, memory, discovery.apply(memory)));
    }

    /** {@code http://127.0.0.1:<operations port><path>}: the admin port if one is configured. */
    public URI admin(String path) {
        return URI.create("http://127.0.0.1:" + relay.adminPort() + path);
    }

    /** {@code ws://127.0.0.1:<relay>/ws-proxy<pathAndQuery>} */
    public URI uri(String pathAndQuery) {
        return URI.create("ws://127.0.0.1:" + relay.port() + "/ws-proxy" + pathAndQuery);
    }

    /** {@code http://127.0.0.1:<relay><path>} */
    public URI http(String path) {
        return URI.create("http://127.0.0.1:" + relay.port() + path);
    }

    @Override
    public void close() throws Exception {
        try {
            relay.close();
        } finally {
            upstream.close();
        }
    }
}
