package io.wsrelay.relay;

import io.wsrelay.relay.config.RelayConfig;
import io.wsrelay.relay.ops.Operations;
import io.wsrelay.relay.ops.OperationsRouter;
import io.wsrelay.relay.ops.Readiness;
import io.wsrelay.relay.ops.RelayMetrics;
import io.wsrelay.relay.policy.Admission;
import io.wsrelay.relay.policy.DestinationGuard;
import io.wsrelay.relay.policy.GuardedResolverProvider;
import io.wsrelay.relay.policy.HeaderPolicy;
import io.wsrelay.relay.policy.OriginPolicy;
import io.wsrelay.relay.spi.EndpointLookup;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The relay: a Jetty 12 server on virtual threads that accepts WebSocket upgrades on
 * {@code /ws-proxy/*} and relays each to its endpoint's upstream.
 *
 * <p>Operations handlers (probes, metrics, admin API; see {@link Operations}) are served on the
 * relay's port or, when {@code relay.admin.port} is not {@code -1}, on a port of their own that
 * serves nothing else.
 *
 * <p>Lifecycle: {@link #create} or {@link #builder}, then {@link #start()} once, then
 * {@link #close()} or {@link #drainAndClose()} once. Thread-safe. The endpoint lookup is passed
 * in; the relay never chooses a store itself.
 */
public final class RelayServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RelayServer.class);
    /**
     * Jetty's platform threads: its acceptor and selectors (one each per two cores), the reserved
     * threads of its execution strategy, and head-room for non-blocking tasks.
     */
    private static final int PLATFORM_THREADS = Math.max(8, 4 * Runtime.getRuntime().availableProcessors());
    /**
     * Bytes Jetty reads from a client per fill. Parts of a large frame are at most this big, so
     * it sets how many hand-offs a big message costs (Jetty's own 4 KiB default made a 16 MiB
     * message take 4096 of them); Jetty takes the buffer from its pool only while reading, so
     * idle connections do not hold it; a direction's credit holds at most {@code Inbox}'s part
     * count of them. (The relay takes raw frames, so Jetty's partial-text sink, which sized a
     * string builder by it for every text message, no longer runs.)
     */
    private static final int INPUT_BUFFER_BYTES = 16 * 1024;
    /** Connector name of the separate operations port (also its metrics' {@code name} tag). */
    static final String ADMIN_CONNECTOR = "admin";
    /**
     * Longest wait for close handshakes at shutdown; with Jetty's stop after it, the process ends
     * within drain-period + 5 s even when peers never answer (sessions still open are cut).
     */
    private static final Duration SHUTDOWN_CLOSE_BUDGET = Duration.ofSeconds(4);

    private final RelayConfig config;
    private final Server server;
    private final ServerConnector connector;
    private final UpstreamConnector upstreams;
    private final ScheduledExecutorService scheduler;
    private final SessionRegistry sessions;
    private final RelayMetrics metrics;
    private final Readiness readiness;
    private final ServerConnector adminConnector;
    private final SessionControl control;
    private final RequestHeadGuard heads;
    private final SessionTap.Factory taps;

    private RelayServer(Builder b) {
        RelayConfig config = b.config;
        this.config = config;
        this.taps = b.taps;
        this.metrics = b.metrics != null ? b.metrics : RelayMetrics.create(config.operations().maxEndpointLabels());
        this.readiness = b.readiness != null ? b.readiness : Readiness.withoutStore();
        this.scheduler = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("relay-timer").daemon(true).factory());
        this.sessions = new SessionRegistry(config, scheduler, metrics);
        this.control = b.control != null ? b.control : SessionControl.create(null);
        control.bind(sessions, b.lookup);
        DestinationGuard guard = DestinationGuard.create(config.security());
        this.upstreams = new UpstreamConnector(config.connectTimeout(), Runtime.getRuntime().availableProcessors(), guard);

        // Selectors and acceptors on a fixed set of platform threads: a virtual-thread selector
        // parks in the JDK's poller and needs a second hand-off for every read. Tasks that may
        // block (handshakes, whose upstream connect waits; the listeners' dispatch) run on virtual
        // threads of their own, not counted against a shared permit pool, so a burst of slow
        // handshakes no longer queues the reads of open sessions. A fixed size (min = max) means
        // no platform thread is started or retired under load.
        QueuedThreadPool threads = new QueuedThreadPool(PLATFORM_THREADS, PLATFORM_THREADS);
        threads.setName("jetty");
        // Unnamed: Jetty starts one for every read of every connection, and a numbered name is a
        // String (and its builder) per thread, ~100 bytes per relayed message.
        threads.setVirtualThreadsExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server = new Server(threads);
        server.setErrorHandler(new JsonErrorHandler());
        connector = ListeningConnector.create(server, config);
        connector.setName("relay");
        heads = RequestHeadGuard.create(config, scheduler);
        heads.bindTo(metrics.registry());
        connector.addEventListener(heads);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        server.addConnector(connector);
        RelayConfig.Operations ops = config.operations();
        if (ops.hasAdminPort()) {
            adminConnector = new ServerConnector(server, new HttpConnectionFactory(http));
            adminConnector.setName(ADMIN_CONNECTOR);
            adminConnector.setHost(ops.adminHost().isEmpty() ? config.host() : ops.adminHost());
            adminConnector.setPort(ops.adminPort());
            adminConnector.addEventListener(heads);
            server.addConnector(adminConnector);
        } else {
            adminConnector = null;
        }

        HandshakeHandler handshake = new HandshakeHandler(b.lookup, upstreams, sessions,
                new Admission(config.limits(), control.cluster(), control.node()),
                OriginPolicy.create(config.security()), HeaderPolicy.create(config.security()), guard, metrics, readiness,
                b.taps);
        WebSocketUpgradeHandler upgrades = WebSocketUpgradeHandler.from(server, container -> {
            container.setIdleTimeout(config.idleTimeout());
            // Parts, not whole messages, pass through the relay: frames larger than this are
            // delivered in pieces of at most this size (auto-fragment), so memory per direction
            // stays bounded whatever the message size. The total is checked by the pumps.
            container.setAutoFragment(true);
            container.setInputBufferSize(INPUT_BUFFER_BYTES);
            container.setMaxFrameSize(config.limits().maxFrameBytes());
            container.setMaxTextMessageSize(config.limits().maxMessageBytes());
            container.setMaxBinaryMessageSize(config.limits().maxMessageBytes());
            container.addMapping(HandshakeHandler.PREFIX + "/*", handshake);
        });
        upgrades.setHandler(new NotAnUpgrade());
        List<Handler> chain = new ArrayList<>();
        chain.add(new OperationsRouter(b.operationsHandlers, adminConnector == null ? null : ADMIN_CONNECTOR));
        chain.addAll(b.handlers);
        chain.add(upgrades);
        server.setHandler(heads.handler(new Handler.Sequence(chain)));
        metrics.bindServer(server, sessions);
    }

    /** A relay with no extra HTTP handlers. */
    public static RelayServer create(RelayConfig config, EndpointLookup lookup) {
        return builder(config, lookup).build();
    }

    /** Starts building a relay; extra handlers (health, metrics, admin, the browser script) run before the upgrade handler. */
    public static Builder builder(RelayConfig config, EndpointLookup lookup) {
        return new Builder(config, lookup);
    }

    /** Builds a {@link RelayServer}. Not thread-safe. */
    public static final class Builder {
        private final RelayConfig config;
        private final EndpointLookup lookup;
        private final List<Handler> handlers = new ArrayList<>();
        private final List<Handler> operationsHandlers = new ArrayList<>();
        private RelayMetrics metrics;
        private Readiness readiness;
        private SessionControl control;
        private SessionTap.Factory taps = SessionTap.Factory.NONE;

        private Builder(RelayConfig config, EndpointLookup lookup) {
            this.config = Objects.requireNonNull(config, "config");
            this.lookup = Objects.requireNonNull(lookup, "lookup");
        }

        /** Adds an HTTP handler tried, in order, before the WebSocket upgrade handler. */
        public Builder handler(Handler handler) {
            handlers.add(Objects.requireNonNull(handler, "handler"));
            return this;
        }

        /**
         * Adds an operations handler (health, metrics, admin API), served on the operations port:
         * the relay's own port, before every other handler, or the separate
         * {@code relay.admin.port}, which serves nothing else.
         */
        public Builder operationsHandler(Handler handler) {
            operationsHandlers.add(Objects.requireNonNull(handler, "handler"));
            return this;
        }

        /** The metrics the relay records into and closes with itself; default: a fresh {@link RelayMetrics}. */
        public Builder metrics(RelayMetrics relayMetrics) {
            this.metrics = Objects.requireNonNull(relayMetrics, "metrics");
            return this;
        }

        /** The readiness the relay drains through; default: one without a store check. */
        public Builder readiness(Readiness relayReadiness) {
            this.readiness = Objects.requireNonNull(relayReadiness, "readiness");
            return this;
        }

        /** The control of live sessions the relay binds to itself; default: this node only. */
        public Builder sessionControl(SessionControl sessionControl) {
            this.control = Objects.requireNonNull(sessionControl, "sessionControl");
            return this;
        }

        /**
         * API discovery's taps ({@code io.wsrelay.relay.discovery}); default: none. If the factory
         * is {@link AutoCloseable}, the relay closes it after its last session has ended.
         */
        public Builder taps(SessionTap.Factory sessionTaps) {
            this.taps = Objects.requireNonNull(sessionTaps, "taps");
            return this;
        }

        public RelayServer build() {
            return new RelayServer(this);
        }
    }

    /**
     * Binds the port and starts accepting upgrades.
     *
     * @return this
     * @throws RelayException if the port cannot be bound or Jetty fails to start
     */
    public RelayServer start() {
        try {
            server.start();
        } catch (Exception e) {
            close();
            throw new RelayException("relay failed to start on " + config.host() + ":" + config.port() + ": " + e.getMessage(), e);
        }
        LOG.info("wsrelay listening on {}:{} ({}, max sessions {}, max message {} bytes, connect timeout {} ms)",
                config.host(), port(), config.security().tls().isEnabled() ? "wss" : "ws",
                config.limits().maxSessions(), config.limits().maxMessageBytes(), config.connectTimeout().toMillis());
        LOG.info("security: origins {} (missing allowed: {}, same origin: {}, public hosts {}), private upstream "
                        + "addresses {}, allowed networks {}", config.security().allowedOrigins(),
                config.security().allowMissingOrigin(), config.security().allowSameOrigin(), config.security().publicHosts(), config.security().allowPrivateAddresses() ? "allowed" : "refused",
                config.security().allowedNetworks());
        checkResolver();
        control.start();
        if (adminConnector != null) {
            LOG.info("wsrelay operations port {}:{}", adminConnector.getHost(), adminPort());
        }
        return this;
    }

    /**
     * Warns when the destination guard cannot see the JDK client's own DNS lookups (another
     * resolver provider, or {@code jdk.net.hosts.file}): the check before connecting still runs,
     * but a host whose DNS answer changes right after it is no longer caught.
     */
    private static void checkResolver() {
        try {
            java.net.InetAddress.getAllByName("localhost"); // the JVM loads its resolver on the first lookup
        } catch (java.net.UnknownHostException e) {
            LOG.debug("localhost does not resolve: {}", e.toString());
        }
        if (!GuardedResolverProvider.isInstalled()) {
            LOG.warn("the wsrelay resolver is not the JVM's name resolver: upstream addresses are checked before "
                    + "connecting only, not at connect time (DNS rebinding)");
        }
    }

    /**
     * The port serving probes, metrics and the admin API: the separate admin port when one is
     * configured, else {@link #port()}; -1 before {@link #start()}.
     */
    public int adminPort() {
        return adminConnector == null ? port() : adminConnector.getLocalPort();
    }

    /** This relay's metrics. */
    public RelayMetrics metrics() {
        return metrics;
    }

    /** This relay's readiness. */
    public Readiness readiness() {
        return readiness;
    }

    /** The bound TCP port (the real one when configured with 0); -1 before {@link #start()}. */
    public int port() {
        return connector.getLocalPort();
    }

    /** The guard of request heads (package-private, for tests). */
    RequestHeadGuard requestHeads() {
        return heads;
    }

    /** Relayed sessions currently open. */
    public int activeSessions() {
        return sessions.size();
    }

    /**
     * Message payload bytes the relay holds now in its sessions' hand-offs, both directions, text
     * in UTF-8; at most two credits per session (see {@code Inbox}). A sum over the open
     * sessions: for tests and diagnostics, not the hot path.
     */
    public long heldBytes() {
        return sessions.heldBytes();
    }

    /** Pump threads alive now: two per open session, none once every session has finished. */
    public int pumpThreads() {
        return sessions.pumpThreads();
    }

    /** This relay's configuration. */
    public RelayConfig config() {
        return config;
    }

    /**
     * The graceful stop, for SIGTERM: readiness turns false and new upgrades are refused with 503
     * at once; open sessions may go on for {@code relay.shutdown.drain-period} (less if they all
     * end sooner); then {@link #close()}. Blocks until done, at most drain-period + 5 s.
     */
    public void drainAndClose() {
        readiness.startDraining();
        Duration drain = config.operations().drainPeriod();
        LOG.info("draining: new upgrades refused; {} sessions open get up to {} ms", sessions.size(), drain.toMillis());
        try {
            sessions.awaitEmpty(drain);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        close();
    }

    /**
     * Stops the relay: new upgrades are refused, every session is closed with 1001 "going away"
     * to the client and 1000 to the upstream, given {@code relay.close-timeout} (at most 4 s) to
     * finish its close handshakes, then Jetty stops and whatever is still open is cut. Blocks
     * until done; idempotent.
     */
    @Override
    public void close() {
        if (server.isStopped() && !server.isStarting()) {
            shutdownExecutors();
            return;
        }
        readiness.startDraining();
        sessions.closeAll(CloseCodes.GOING_AWAY, CloseCodes.NORMAL, "relay shutting down");
        Duration wait = config.closeTimeout().compareTo(SHUTDOWN_CLOSE_BUDGET) < 0
                ? config.closeTimeout() : SHUTDOWN_CLOSE_BUDGET;
        try {
            if (!sessions.awaitEmpty(wait)) {
                LOG.warn("{} sessions still open at shutdown; cutting them", sessions.size());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            server.stop();
        } catch (Exception e) {
            LOG.warn("Jetty did not stop cleanly: {}", e.toString(), e);
        }
        shutdownExecutors();
        LOG.info("wsrelay stopped");
    }

    private void shutdownExecutors() {
        control.stop();
        if (taps instanceof AutoCloseable closeable) {
            // After every session has ended, so discovery's last flush holds them all.
            try {
                closeable.close();
            } catch (Exception e) {
                LOG.warn("discovery did not stop cleanly: {}", e.toString(), e);
            }
        }
        upstreams.close();
        scheduler.shutdownNow();
        metrics.close();
    }

    /** Answers requests no earlier handler took: a non-upgrade request to the relay path is 400. */
    private static final class NotAnUpgrade extends Handler.Abstract.NonBlocking {
        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            String path = Request.getPathInContext(request);
            if (path.equals(HandshakeHandler.PREFIX) || path.startsWith(HandshakeHandler.PREFIX + "/")) {
                Json.writeError(response, callback, 400, "not_an_upgrade",
                        "this path only accepts WebSocket opening handshakes (RFC 6455 §4.1)");
            } else {
                Json.writeError(response, callback, 404, "not_found", "no such path");
            }
            return true;
        }
    }
}
