package io.wsrelay.relay.ops;

import io.wsrelay.relay.RelayServer;
import io.wsrelay.relay.SessionControl;
import io.wsrelay.relay.config.RelayConfig;
import io.wsrelay.relay.discovery.Discovery;
import io.wsrelay.relay.discovery.DiscoveryHandler;
import io.wsrelay.relay.discovery.DiscoveryLimits;
import io.wsrelay.relay.spi.CacheStatistics;
import io.wsrelay.relay.spi.Cluster;
import io.wsrelay.relay.spi.EndpointStore;

/**
 * Wires a relay the way {@code wsrelay serve} runs it: metrics ({@code GET /metrics}, store
 * lookups timed, a caching store's hit and miss counts), probes ({@code GET /healthz},
 * {@code GET /readyz} pinging the store) and, when {@code relay.admin.token} is set, the admin
 * API ({@code /admin/endpoints}, {@code /admin/sessions}); with a store that is also a
 * {@link Cluster}, live sessions are listed and closed across every node. They are served on the operations port
 * ({@code relay.admin.port}). See {@code docs/operations.md}.
 */
public final class Operations {
    private Operations() {
    }

    /**
     * A relay builder over {@code store} with every operations handler in place; the caller may
     * add its own handlers (the interceptor script, say) before {@code build()}. The relay does
     * not close the store.
     */
    public static RelayServer.Builder builder(RelayConfig config, EndpointStore store) {
        return builder(config, store, Discovery.create(DiscoveryLimits.defaults(), store.discovery()));
    }

    /**
     * As {@link #builder(RelayConfig, EndpointStore)}, with {@code discovery} for API discovery:
     * its taps on every session of an endpoint with capture on and, with the admin token,
     * {@code /admin/discovery/*} ({@code docs/discovery.md}). The relay closes {@code discovery}
     * (last flush included) when it closes.
     */
    public static RelayServer.Builder builder(RelayConfig config, EndpointStore store, Discovery discovery) {
        RelayConfig.Operations ops = config.operations();
        RelayMetrics metrics = RelayMetrics.create(ops.maxEndpointLabels());
        if (store instanceof CacheStatistics cache) {
            metrics.bindCacheStatistics(cache);
        }
        Readiness readiness = Readiness.create(store::ping);
        SessionControl control = SessionControl.create(store instanceof Cluster cluster ? cluster : null);
        RelayServer.Builder builder = RelayServer.builder(config, metrics.timed(store))
                .metrics(metrics)
                .readiness(readiness)
                .sessionControl(control)
                .operationsHandler(new HealthHandler(readiness))
                .operationsHandler(new MetricsHandler(metrics));
        builder.taps(discovery);
        if (ops.isAdminApiEnabled()) {
            builder.operationsHandler(new DiscoveryHandler(discovery, store, ops.adminToken()));
            builder.operationsHandler(AdminHandler.create(store, ops.adminToken(), control));
        }
        return builder;
    }
}
