package io.wsrelay.relay.ops;

import io.wsrelay.relay.CloseCodes;
import io.wsrelay.relay.Pump;
import io.wsrelay.relay.SessionRegistry;
import io.wsrelay.relay.SessionSummary;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jetty.JettyConnectionMetrics;
import io.micrometer.core.instrument.binder.jetty.JettyServerThreadPoolMetrics;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.wsrelay.relay.spi.CacheStatistics;
import io.wsrelay.relay.spi.Endpoint;
import io.wsrelay.relay.spi.EndpointLookup;
import io.wsrelay.relay.spi.StoreException;
import io.wsrelay.relay.spi.StoreUnavailableException;
import jdk.management.VirtualThreadSchedulerMXBean;
import org.eclipse.jetty.server.Server;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The relay's metrics, in a Micrometer {@link PrometheusMeterRegistry} that {@code GET /metrics}
 * renders in the Prometheus text format. The names and labels are listed in
 * {@code docs/operations.md}.
 *
 * <p>Cheap on the data path: the pumps get their byte and message counters once per session
 * ({@link #traffic}) and only add to them; every other hook runs once per upgrade or session.
 * Label values come from bounded sets only: our own error names, close codes folded into
 * classes, and {@link EndpointLabels}.
 *
 * <p>Thread-safe. One instance per relay; the relay that uses it closes it.
 */
public final class RelayMetrics implements AutoCloseable {
    private static final Duration[] CONNECT_BUCKETS = seconds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10);
    private static final Duration[] LOOKUP_BUCKETS = seconds(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2);
    private static final Duration[] SESSION_BUCKETS = seconds(1, 10, 60, 300, 900, 3600, 4 * 3600, 12 * 3600, 24 * 3600);

    /** The byte and message counters of one direction; pumps add to them after each write. */
    public record Traffic(Counter bytes, Counter messages) {
    }

    /** The meters of one endpoint label value, resolved once per session. */
    public record EndpointMeters(AtomicInteger active, Counter opened, Counter closed) {
    }

    private final PrometheusMeterRegistry registry;
    private final EndpointLabels labels;
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final Traffic toUpstream;
    private final Traffic toClient;
    private final Timer sessionDuration;
    private final Timer connectOk;
    private final Timer connectFailed;
    private final ConcurrentMap<String, EndpointMeters> endpoints = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Counter> refusals = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Counter> closeCodes = new ConcurrentHashMap<>();

    private RelayMetrics(int maxEndpointLabels) {
        this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        this.labels = new EndpointLabels(maxEndpointLabels);
        this.toUpstream = traffic("to_upstream");
        this.toClient = traffic("to_client");
        this.sessionDuration = Timer.builder("wsrelay.session.duration")
                .description("How long relayed sessions lasted, from upgrade to close")
                .serviceLevelObjectives(SESSION_BUCKETS).register(registry);
        this.connectOk = connectTimer("ok");
        this.connectFailed = connectTimer("failed");
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
    }

    /**
     * Metrics with the JVM's meters bound.
     *
     * @param maxEndpointLabels endpoints with their own {@code endpoint} label value
     *                          ({@code relay.metrics.max-endpoint-labels})
     */
    public static RelayMetrics create(int maxEndpointLabels) {
        return new RelayMetrics(maxEndpointLabels);
    }

    /** The registry, for binding more meters. */
    public MeterRegistry registry() {
        return registry;
    }

    /** Every meter in the Prometheus text exposition format (version 0.0.4). */
    public String scrape() {
        return registry.scrape();
    }

    /**
     * Wraps {@code lookup} so each call is timed in {@code wsrelay_store_lookup_seconds} with an
     * {@code outcome} of {@code found}, {@code not_found}, {@code unavailable} or {@code error}.
     * The result behaves exactly like {@code lookup}.
     */
    public EndpointLookup timed(EndpointLookup lookup) {
        Timer found = lookupTimer("found");
        Timer notFound = lookupTimer("not_found");
        Timer unavailable = lookupTimer("unavailable");
        Timer error = lookupTimer("error");
        return id -> {
            long start = System.nanoTime();
            Timer outcome = error;
            try {
                Optional<Endpoint> endpoint = lookup.lookup(id);
                outcome = endpoint.isPresent() ? found : notFound;
                return endpoint;
            } catch (StoreUnavailableException e) {
                outcome = unavailable;
                throw e;
            } catch (StoreException e) {
                outcome = error;
                throw e;
            } finally {
                outcome.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            }
        };
    }

    /**
     * Exports a caching store's counts as {@code wsrelay_store_cache_lookups_total{layer, result}},
     * read at each scrape.
     */
    public void bindCacheStatistics(CacheStatistics cache) {
        for (String layer : cache.cacheLayers()) {
            FunctionCounter.builder("wsrelay.store.cache.lookups", cache, c -> c.hits(layer))
                    .description("Endpoint lookups answered (hit) or passed on (miss) by each cache layer")
                    .tag("layer", layer).tag("result", "hit").register(registry);
            FunctionCounter.builder("wsrelay.store.cache.lookups", cache, c -> c.misses(layer))
                    .description("Endpoint lookups answered (hit) or passed on (miss) by each cache layer")
                    .tag("layer", layer).tag("result", "miss").register(registry);
        }
    }

    /**
     * Binds Jetty's thread pool and per-connector connection meters, the pump threads of
     * {@code sessions}, and the JDK's virtual-thread scheduler; call before the server starts.
     */
    public void bindServer(Server server, SessionRegistry sessions) {
        new JettyServerThreadPoolMetrics(server.getThreadPool(), List.of()).bindTo(registry);
        JettyConnectionMetrics.addToAllConnectors(server, registry);
        Gauge.builder("wsrelay.pump.threads", sessions, SessionRegistry::pumpThreads)
                .description("Pump threads alive: two per open session").register(registry);
        VirtualThreadSchedulerMXBean scheduler = ManagementFactory.getPlatformMXBean(VirtualThreadSchedulerMXBean.class);
        if (scheduler != null) {
            Gauge.builder("jvm.threads.virtual.mounted", scheduler, VirtualThreadSchedulerMXBean::getMountedVirtualThreadCount)
                    .description("Virtual threads mounted on a carrier thread now").register(registry);
            Gauge.builder("jvm.threads.virtual.queued", scheduler, VirtualThreadSchedulerMXBean::getQueuedVirtualThreadCount)
                    .description("Virtual threads queued to the scheduler, waiting for a carrier").register(registry);
            Gauge.builder("jvm.threads.virtual.carriers", scheduler, VirtualThreadSchedulerMXBean::getPoolSize)
                    .description("Carrier (platform) threads of the virtual-thread scheduler").register(registry);
        }
    }

    /** The counters a pump adds to for {@code direction}. */
    public Traffic traffic(Pump.Direction direction) {
        return direction == Pump.Direction.UPSTREAM ? toUpstream : toClient;
    }

    /** An upgrade refused before {@code 101}, with its HTTP status and error name. */
    public void upgradeRefused(int status, String error) {
        refusals.computeIfAbsent(status + " " + error, key -> Counter.builder("wsrelay.upgrades.refused")
                .description("Opening handshakes refused, by HTTP status and reason")
                .tag("status", String.valueOf(status)).tag("reason", error).register(registry)).increment();
    }

    /** An upstream connect (TCP plus opening handshake) that took {@code nanos}. */
    public void upstreamConnected(long nanos, boolean ok) {
        (ok ? connectOk : connectFailed).record(nanos, TimeUnit.NANOSECONDS);
    }

    /** A session opened for an endpoint the store knows; returns what {@link #sessionClosed} needs. */
    public EndpointMeters sessionOpened(String endpointId) {
        EndpointMeters meters = endpoints.computeIfAbsent(labels.label(endpointId), this::endpointMeters);
        meters.active().incrementAndGet();
        meters.opened().increment();
        return meters;
    }

    /** A session finished. */
    public void sessionClosed(EndpointMeters meters, SessionSummary summary) {
        meters.active().decrementAndGet();
        meters.closed().increment();
        sessionDuration.record(summary.duration());
        closeCode("to_client", summary.codeToClient()).increment();
        closeCode("to_upstream", summary.codeToUpstream()).increment();
    }

    /**
     * The {@code code} label of a close code: 1000–1015 as themselves, 3000–3999 as {@code 3xxx},
     * 4000–4999 as {@code 4xxx}, {@code none} when no close frame was sent, anything else
     * {@code other}: at most 20 values per direction, whatever clients send.
     */
    static String codeLabel(int code) {
        if (code == SessionSummary.NONE) {
            return "none";
        }
        if (code >= CloseCodes.NORMAL && code <= CloseCodes.TLS_HANDSHAKE) {
            return String.valueOf(code);
        }
        if (code >= 3000 && code <= 4999) {
            return code / 1000 + "xxx";
        }
        return "other";
    }

    private Counter closeCode(String direction, int code) {
        String label = codeLabel(code);
        return closeCodes.computeIfAbsent(direction + " " + label, key -> Counter.builder("wsrelay.close.codes")
                .description("Close codes the relay sent, by direction (to_client, to_upstream)")
                .tag("direction", direction).tag("code", label).register(registry));
    }

    private EndpointMeters endpointMeters(String label) {
        AtomicInteger active = new AtomicInteger();
        Gauge.builder("wsrelay.sessions.active", active, AtomicInteger::get)
                .description("Relayed sessions open now, by endpoint").tag("endpoint", label).register(registry);
        return new EndpointMeters(active,
                Counter.builder("wsrelay.sessions.opened").description("Relayed sessions opened, by endpoint")
                        .tag("endpoint", label).register(registry),
                Counter.builder("wsrelay.sessions.closed").description("Relayed sessions closed, by endpoint")
                        .tag("endpoint", label).register(registry));
    }

    private Traffic traffic(String direction) {
        return new Traffic(
                Counter.builder("wsrelay.relayed.bytes").baseUnit("bytes")
                        .description("Payload bytes relayed (text counted as UTF-8), by direction")
                        .tag("direction", direction).register(registry),
                Counter.builder("wsrelay.relayed.messages")
                        .description("Whole messages relayed, by direction")
                        .tag("direction", direction).register(registry));
    }

    private Timer connectTimer(String outcome) {
        return Timer.builder("wsrelay.upstream.connect")
                .description("Upstream TCP connect plus opening handshake, by outcome (ok, failed)")
                .tag("outcome", outcome).serviceLevelObjectives(CONNECT_BUCKETS).register(registry);
    }

    private Timer lookupTimer(String outcome) {
        return Timer.builder("wsrelay.store.lookup")
                .description("Endpoint store lookups, by outcome (found, not_found, unavailable, error)")
                .tag("outcome", outcome).serviceLevelObjectives(LOOKUP_BUCKETS).register(registry);
    }

    private static Duration[] seconds(double... values) {
        Duration[] out = new Duration[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = Duration.ofNanos(Math.round(values[i] * 1e9));
        }
        return out;
    }

    /** Unbinds the JVM's GC listeners and closes the registry. Idempotent. */
    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
