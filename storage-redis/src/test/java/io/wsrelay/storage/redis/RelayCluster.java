package io.wsrelay.storage.redis;

import io.wsrelay.relay.RelayProcess;
import io.wsrelay.relay.Scrape;
import io.wsrelay.relay.TestUpstream;
import io.wsrelay.relay.spi.Endpoint;
import io.wsrelay.storage.sql.PostgresSchemas;
import io.wsrelay.storage.sql.SqlEndpointStore;
import io.wsrelay.storage.sql.SqlEndpointStoreProvider;
import io.wsrelay.storage.sql.SqlStoreConfig;
import io.wsrelay.storage.sql.TcpProxy;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The production shape on one machine: HAProxy running the shipped config in front of N relay
 * <em>processes</em> ({@code wsrelay serve}, {@code relay.store.type=redis}) that share one fresh
 * PostgreSQL schema and one private {@code redis-server}, a real upstream, and a store in the test
 * JVM that writes endpoints as {@code wsrelay endpoint ...} on another machine would.
 *
 * <p>Each node has a fixed loopback port (HAProxy's config names it), so a node can be restarted
 * in place. Everything is stopped on {@link #close()}.
 */
final class RelayCluster implements AutoCloseable {
    static final String TOKEN = "cluster-test-token";

    private final Closer closer = new Closer();
    private final Path dir;
    private final Map<String, String> settings;
    private final List<Integer> ports = new ArrayList<>();
    private final RelayProcess[] nodes;
    final PostgresSchemas schemas;
    final PrivateRedis redis;
    final TestUpstream upstream;
    final CachingEndpointStore admin;
    final Haproxy haproxy;
    /** The nodes' way to PostgreSQL (the test JVM's own store connects directly). */
    final TcpProxy postgres;
    final String prefix = "wsrelay-cluster:";

    private RelayCluster(Path dir, int size, Map<String, String> extra) throws Exception {
        this.dir = dir;
        this.nodes = new RelayProcess[size];
        try {
            schemas = closer.add(new PostgresSchemas());
            SqlStoreConfig database = schemas.create();
            new SqlEndpointStoreProvider().migrate(database);
            redis = closer.add(PrivateRedis.start());
            upstream = closer.add(TestUpstream.start());
            postgres = closer.add(TcpProxy.to("127.0.0.1", 5432));
            admin = closer.add(CachingEndpointStore.create(SqlEndpointStore.create(database),
                    TestStores.cache(redis.url(), prefix, 0)));
            Map<String, String> s = new LinkedHashMap<>();
            s.put("relay.store.type", "redis");
            s.put("relay.store.jdbc-url", database.jdbcUrl().replaceFirst("//[^/]+/", "//127.0.0.1:" + postgres.port() + "/"));
            s.put("relay.store.user", database.user());
            s.put("relay.store.migrate-on-start", "false");
            // Other tests share the PostgreSQL server and its 100 connections.
            s.put("relay.store.pool-size", "2");
            s.put("relay.store.redis.url", redis.url().toString());
            s.put("relay.store.redis.key-prefix", prefix);
            s.put("relay.headers.trust-forwarded", "true");
            s.put("relay.admin.token", TOKEN);
            s.putAll(extra);
            this.settings = Map.copyOf(s);
            for (int i = 0; i < size; i++) {
                ports.add(Haproxy.freePort());
            }
            // In parallel: a relay JVM takes seconds to start on a loaded machine.
            try (var starting = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
                List<java.util.concurrent.Future<?>> started = new ArrayList<>();
                for (int i = 0; i < size; i++) {
                    int node = i;
                    started.add(starting.submit(() -> {
                        start(node);
                        return null;
                    }));
                }
                for (var f : started) {
                    try {
                        f.get();
                    } catch (java.util.concurrent.ExecutionException e) {
                        if (e.getCause() instanceof Exception x) {
                            throw x;
                        }
                        throw new AssertionError(e.getCause());
                    }
                }
            }
            Path haproxyDir = Files.createDirectories(dir.resolve("haproxy"));
            haproxy = closer.add(Haproxy.start(haproxyDir, ports));
        } catch (Exception | Error e) {
            close();
            throw e;
        }
    }

    /**
     * Starts the cluster and waits until HAProxy sees every node up.
     *
     * @param extra more {@code relay.*} settings for every node
     */
    static RelayCluster start(Path dir, int size, Map<String, String> extra) throws Exception {
        RelayCluster cluster = new RelayCluster(dir, size, extra);
        try {
            cluster.awaitAllUp();
        } catch (RuntimeException | Error e) {
            AssertionError failure = new AssertionError("the cluster did not come up:\n" + cluster.outputs(), e);
            cluster.close();
            throw failure;
        }
        return cluster;
    }

    /** Waits until HAProxy reports every node UP. */
    void awaitAllUp() {
        org.awaitility.Awaitility.await("every node UP in HAProxy").atMost(Timeouts.CLUSTER)
                .until(() -> haproxy.serverStates().values().stream().allMatch("UP"::equals)
                        && haproxy.serverStates().size() == nodes.length);
    }

    /** Registers endpoint {@code id} relaying to the test upstream. */
    Endpoint addEndpoint(String id) {
        Endpoint endpoint = Endpoint.of(id, upstream.uri().toString());
        admin.insert(endpoint);
        return endpoint;
    }

    int size() {
        return nodes.length;
    }

    RelayProcess node(int i) {
        return nodes[i];
    }

    /** HAProxy's name of node {@code i}. */
    static String serverName(int i) {
        return "relay" + (i + 1);
    }

    /** The output of node {@code i} so far (its current process). */
    String output(int i) throws Exception {
        return nodes[i].output();
    }

    /** Starts node {@code i} (again) on its port. */
    void start(int i) throws Exception {
        Map<String, String> s = new LinkedHashMap<>(settings);
        s.put("relay.port", Integer.toString(ports.get(i)));
        RelayProcess node = RelayProcess.start(Files.createDirectories(dir.resolve("node" + i)), s);
        synchronized (closer) {
            closer.add(node);
        }
        nodes[i] = node;
    }

    /** {@code ws://haproxy/ws-proxy<pathAndQuery>}. */
    URI ws(String pathAndQuery) {
        return haproxy.ws("/ws-proxy" + pathAndQuery);
    }

    /** Sessions open on node {@code i} now, from its {@code /metrics}. */
    int activeSessions(int i) throws Exception {
        return (int) Scrape.from(nodes[i].http("/metrics")).value("wsrelay_sessions_active");
    }

    /** Sessions node {@code i} has opened since it started, from its {@code /metrics}. */
    int openedSessions(int i) throws Exception {
        return (int) Scrape.from(nodes[i].http("/metrics")).value("wsrelay_sessions_opened_total");
    }

    /** Sends {@code method path} to node {@code i}'s admin API with the cluster's token. */
    java.net.http.HttpResponse<String> admin(int i, String method, String path) throws Exception {
        return io.wsrelay.relay.TestHttp.send(nodes[i].http(path), method, null, TOKEN);
    }

    /** Every node's output, for failure messages. */
    String outputs() {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < nodes.length; i++) {
            try {
                out.append("--- node ").append(i).append('\n').append(nodes[i].output());
            } catch (Exception e) {
                out.append("(no output: ").append(e).append(")\n");
            }
        }
        return out.append("--- haproxy\n").append(haproxy == null ? "" : haproxy.log()).toString();
    }

    @Override
    public void close() {
        closer.close();
    }
}
