package io.wsrelay.relay;

import io.wsrelay.relay.spi.Cluster;
import io.wsrelay.relay.spi.Endpoint;
import io.wsrelay.relay.spi.EndpointLookup;
import io.wsrelay.relay.spi.LiveSession;
import io.wsrelay.relay.spi.LiveSessionPolicy;
import io.wsrelay.relay.spi.StoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;

/**
 * Live sessions under the operator's control, on this node and, with a {@link Cluster}, on
 * every node: lists them, closes one or all of an endpoint's, and applies each endpoint's
 * {@link LiveSessionPolicy} when the endpoint is set {@code INACTIVE} or removed.
 *
 * <p>Close codes (documented in {@code docs/cluster.md}): the client gets
 * {@value #CLOSE_CODE} (policy violation) with the reason {@code "endpoint <id> is INACTIVE"},
 * {@code "endpoint <id> was removed"} or {@value #OPERATOR_REASON}; the upstream gets 1001
 * (going away) with the same reason.
 *
 * <p>Endpoint changes arrive from the cluster's thread or from this node's admin API; each is
 * handed to a virtual thread that looks the endpoint up again (the store has dropped its cached
 * copy by then) and closes what the policy says. Changes to one id that arrive while its check is
 * pending are folded into that check, so the threads are bounded by the endpoints with sessions
 * here. Thread-safe.
 */
public final class SessionControl {
    private static final Logger LOG = LoggerFactory.getLogger(SessionControl.class);

    /** Close code for sessions the relay ends on an operator's decision (RFC 6455 §7.4.1: 1008). */
    static final int CLOSE_CODE = CloseCodes.POLICY_VIOLATION;
    static final String OPERATOR_REASON = "closed by an operator";

    private final String node;
    private final Cluster cluster;
    private final Set<String> pending = ConcurrentHashMap.newKeySet();
    private final ExecutorService checks = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("wsrelay-session-control-", 0).factory());
    private volatile SessionRegistry sessions;
    private volatile EndpointLookup lookup;

    private SessionControl(String node, Cluster cluster) {
        this.node = node;
        this.cluster = cluster;
    }

    /**
     * Control of this node's sessions, and of the cluster's through {@code cluster} (null: this
     * node only).
     */
    public static SessionControl create(Cluster cluster) {
        return new SessionControl(defaultNodeId(), cluster);
    }

    /**
     * {@code <host name>-<pid>}: unique among the processes of a cluster, and readable. The host
     * name is read from {@code /etc/hostname}, not resolved: a lookup would put the machine's own
     * name in the JVM's address cache, where the destination guard's connect-time check would
     * not see it again (RelaySecurityTest found this).
     */
    static String defaultNodeId() {
        String host;
        try {
            host = Files.readString(Path.of("/etc/hostname"), StandardCharsets.US_ASCII).strip();
        } catch (IOException e) {
            host = "";
        }
        if (host.isEmpty() || !host.matches("[A-Za-z0-9.-]{1,253}")) {
            host = "relay";
        }
        return host + "-" + ProcessHandle.current().pid();
    }

    /** This node's id, the prefix of its session ids. */
    public String node() {
        return node;
    }

    /** The cluster this node is part of; null when it stands alone. */
    Cluster cluster() {
        return cluster;
    }

    /** Whether sessions of other nodes are in reach. */
    public boolean isClustered() {
        return cluster != null;
    }

    /** Called by the relay it controls, once, before {@link #start()}. */
    void bind(SessionRegistry registry, EndpointLookup endpoints) {
        this.sessions = Objects.requireNonNull(registry, "registry");
        this.lookup = Objects.requireNonNull(endpoints, "lookup");
    }

    /** Joins the cluster, if any; called when the relay starts. */
    void start() {
        if (cluster == null) {
            return;
        }
        cluster.join(node, new Cluster.Listener() {
            @Override
            public void endpointChanged(String id) {
                SessionControl.this.endpointChanged(id);
            }

            @Override
            public void resynchronized() {
                recheckAll();
            }

            @Override
            public void closeRequested(Cluster.CloseRequest request) {
                closeHere(request);
            }
        }, this::localSessions);
        LOG.info("cluster joined as node {}", node);
    }

    /** Stops the checks; sessions are closed by the relay's own shutdown. */
    void stop() {
        checks.shutdownNow();
    }

    /**
     * Endpoint {@code id} was written: look at it again, soon, on another thread. Returns at
     * once; never blocks.
     */
    public void endpointChanged(String id) {
        SessionRegistry registry = sessions;
        if (registry == null || registry.entries(id).isEmpty() || !pending.add(id)) {
            return;
        }
        try {
            checks.execute(() -> {
                pending.remove(id);
                check(id);
            });
        } catch (RejectedExecutionException e) {
            pending.remove(id); // stopping
        }
    }

    /** Every endpoint with sessions here is looked at again (news may have been missed). */
    void recheckAll() {
        SessionRegistry registry = sessions;
        if (registry == null) {
            return;
        }
        registry.entries().stream().map(e -> e.session().endpointId()).distinct().forEach(this::endpointChanged);
    }

    private void check(String id) {
        Optional<Endpoint> now;
        try {
            now = lookup.lookup(id);
        } catch (StoreException e) {
            // Cannot tell what changed: the sessions go on, as they do for any store outage.
            LOG.warn("endpoint {} changed but cannot be read ({}); its open sessions are left alone", id, e.getMessage());
            return;
        }
        if (now.isPresent() && now.get().isActive()) {
            sessions.policyChanged(id, now.get().liveSessions());
            return;
        }
        String reason;
        if (now.isPresent()) {
            sessions.policyChanged(id, now.get().liveSessions());
            reason = "endpoint " + id + " is " + now.get().status();
        } else {
            reason = "endpoint " + id + " was removed";
        }
        int closed = 0;
        for (SessionRegistry.Entry e : sessions.entries(id)) {
            if (e.policy() == LiveSessionPolicy.CLOSE) {
                e.session().close(CLOSE_CODE, CloseCodes.GOING_AWAY, reason);
                closed++;
            }
        }
        if (closed > 0) {
            LOG.info("{}: closing its {} open session(s) on this node", reason, closed);
        }
    }

    /** This node's sessions now, ordered by id. */
    public List<LiveSession> localSessions() {
        SessionRegistry registry = sessions;
        if (registry == null) {
            return List.of();
        }
        return registry.entries().stream()
                .sorted(Comparator.comparingLong(e -> e.session().id()))
                .map(this::view).toList();
    }

    /**
     * Every node's sessions: this node's now, the others' as last reported.
     *
     * @throws StoreException if the cluster cannot be reached
     */
    public List<LiveSession> clusterSessions() {
        if (cluster == null) {
            return localSessions();
        }
        List<LiveSession> local = localSessions();
        List<LiveSession> others = cluster.sessions().stream().filter(s -> !s.node().equals(node)).toList();
        return java.util.stream.Stream.concat(others.stream(), local.stream())
                .sorted(Comparator.comparing(LiveSession::node).thenComparing(LiveSession::id)).toList();
    }

    private LiveSession view(SessionRegistry.Entry e) {
        SessionSummary s = e.session().summary();
        return new LiveSession(sessionId(e.session().id()), node, s.endpointId(), s.client(), e.openedAt(),
                s.bytesToUpstream(), s.bytesToClient());
    }

    /** The cluster-wide id of this node's session number {@code id}. */
    String sessionId(long id) {
        return node + ":" + id;
    }

    /**
     * Closes session {@code id} here, or asks the cluster to when another node holds it.
     *
     * @return whether a session of that id was found (here or in the cluster's list)
     * @throws StoreException if it is not here and the cluster cannot be reached
     */
    public boolean closeSession(String id) {
        if (closeHere(Cluster.CloseRequest.session(id)) > 0) {
            return true;
        }
        if (cluster == null || cluster.sessions().stream().noneMatch(s -> s.id().equals(id))) {
            return false;
        }
        cluster.requestClose(Cluster.CloseRequest.session(id));
        return true;
    }

    /**
     * Closes every session of endpoint {@code endpointId} here and asks every other node to.
     *
     * @return how many were closed on this node
     */
    public int closeEndpoint(String endpointId) {
        int here = closeHere(Cluster.CloseRequest.endpoint(endpointId));
        if (cluster != null && !cluster.requestClose(Cluster.CloseRequest.endpoint(endpointId))) {
            LOG.warn("close of endpoint {}'s sessions could not reach the other nodes", endpointId);
        }
        return here;
    }

    /** Closes the sessions {@code request} names that are on this node; returns how many. */
    private int closeHere(Cluster.CloseRequest request) {
        SessionRegistry registry = sessions;
        if (registry == null) {
            return 0;
        }
        List<SessionRegistry.Entry> targets;
        if (!request.endpointId().isEmpty()) {
            targets = registry.entries(request.endpointId());
        } else {
            String prefix = node + ":";
            if (!request.sessionId().startsWith(prefix)) {
                return 0;
            }
            try {
                targets = registry.entry(Long.parseLong(request.sessionId().substring(prefix.length()))).stream().toList();
            } catch (NumberFormatException e) {
                return 0;
            }
        }
        // A session still listed while its close handshake runs is not closed again, nor counted.
        int closed = 0;
        for (SessionRegistry.Entry e : targets) {
            if (e.session().close(CLOSE_CODE, CloseCodes.GOING_AWAY, OPERATOR_REASON)) {
                closed++;
            }
        }
        if (closed > 0) {
            LOG.info("closing {} session(s) of {} on an operator's request", closed,
                    request.endpointId().isEmpty() ? request.sessionId() : "endpoint " + request.endpointId());
        }
        return closed;
    }

    @Override
    public String toString() {
        return "SessionControl{node=" + node + ", cluster=" + cluster + "}";
    }
}
