package io.wsrelay.storage.redis;

import io.wsrelay.relay.TestClient;
import io.wsrelay.relay.TestHttp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shipped HAProxy config in front of three relay processes on one PostgreSQL and one Redis
 * (issue 13, item 1): sessions spread without stickiness, health checks on {@code /readyz}, a
 * draining node gets no new upgrades and no client sees its refusals.
 */
class ClusterIT {
    @TempDir
    Path dir;
    private RelayCluster cluster;

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void sessionsThroughHaproxyReachEveryNodeAndRelayBothWays() throws Exception {
        cluster = RelayCluster.start(dir, 3, Map.of());
        cluster.addEndpoint("e1");
        List<TestClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 6; i++) {
                TestClient client = TestClient.open(cluster.ws("/echo?endpointId=e1"));
                clients.add(client);
                client.sendText("hello " + i);
                assertEquals("hello " + i, client.nextMessage(Timeouts.RECOVERY).text());
            }
            // leastconn: six long-lived sessions on three nodes are two each; no node is skipped.
            assertAll(
                    () -> assertEquals(2, cluster.activeSessions(0), cluster::outputs),
                    () -> assertEquals(2, cluster.activeSessions(1)),
                    () -> assertEquals(2, cluster.activeSessions(2)));
        } finally {
            clients.forEach(TestClient::close);
        }
    }

    /** Opens one session per node through HAProxy (leastconn gives each node one) and checks it. */
    private List<TestClient> onePerNode(String endpoint) throws Exception {
        List<TestClient> clients = new ArrayList<>();
        for (int i = 0; i < cluster.size(); i++) {
            TestClient client = TestClient.open(cluster.ws("/echo?endpointId=" + endpoint));
            clients.add(client);
            client.sendText("hi");
            assertEquals("hi", client.nextMessage(Timeouts.RECOVERY).text());
        }
        for (int i = 0; i < cluster.size(); i++) {
            assertEquals(1, cluster.activeSessions(i), cluster::outputs);
        }
        return clients;
    }

    @Test
    void settingAnEndpointInactiveAnywhereClosesItsSessionsOnEveryNodeWithin1s() throws Exception {
        cluster = RelayCluster.start(dir, 3, Map.of());
        cluster.addEndpoint("e1");
        List<TestClient> clients = onePerNode("e1");
        try {
            // As `wsrelay endpoint set-status e1 INACTIVE` run on another machine would.
            cluster.admin.setStatus("e1", io.wsrelay.relay.spi.EndpointStatus.INACTIVE);
            long changed = System.nanoTime();
            for (TestClient client : clients) {
                long left = java.time.Duration.ofSeconds(1).toNanos() - (System.nanoTime() - changed);
                assertEquals(new TestClient.Closed(1008, "endpoint e1 is INACTIVE"),
                        client.closed().get(Math.max(0, left), java.util.concurrent.TimeUnit.NANOSECONDS),
                        cluster::outputs);
            }
        } finally {
            clients.forEach(TestClient::close);
        }
    }

    @Test
    void sessionsAreListedAcrossTheClusterAndClosedFromAnyNode() throws Exception {
        cluster = RelayCluster.start(dir, 3, Map.of());
        cluster.addEndpoint("e1");
        List<TestClient> clients = onePerNode("e1");
        try {
            com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
            com.fasterxml.jackson.databind.JsonNode[] listed = new com.fasterxml.jackson.databind.JsonNode[1];
            // Other nodes' sessions appear once they have reported (every 2 s).
            await("three sessions listed on node 0").atMost(Timeouts.RECOVERY).until(() -> {
                listed[0] = json.readTree(cluster.admin(0, "GET", "/admin/sessions?scope=cluster").body());
                return listed[0].path("sessions").size() == 3;
            });
            java.util.Set<String> nodes = new java.util.HashSet<>();
            listed[0].path("sessions").forEach(s -> nodes.add(s.path("node").asText()));
            assertEquals(3, nodes.size(), listed[0].toString());
            assertEquals(1, json.readTree(cluster.admin(0, "GET", "/admin/sessions").body()).path("sessions").size(),
                    "scope=node: this node's only");
            listed[0].path("sessions").forEach(s -> assertTrue(s.path("client").asText().startsWith("127.0.0.1"), s.toString()));

            // Close node 2's session through node 0.
            String node2 = json.readTree(cluster.admin(2, "GET", "/admin/sessions").body()).path("node").asText();
            String id = null;
            for (var s : listed[0].path("sessions")) {
                if (s.path("node").asText().equals(node2)) {
                    id = s.path("id").asText();
                }
            }
            assertEquals(202, cluster.admin(0, "DELETE", "/admin/sessions/" + id).statusCode());
            await("node 2's session closed").atMost(Timeouts.RECOVERY).until(() -> cluster.activeSessions(2) == 0);
            long closedByOperator = clients.stream().filter(c -> c.closed().isDone()
                    && c.closed().join().equals(new TestClient.Closed(1008, "closed by an operator"))).count();
            assertEquals(1, closedByOperator);

            // Close the rest through node 1: every node's.
            assertEquals(202, cluster.admin(1, "DELETE", "/admin/sessions?endpoint=e1").statusCode());
            for (TestClient client : clients) {
                assertEquals(1008, client.closed().get(Timeouts.RECOVERY.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS).code());
            }
        } finally {
            clients.forEach(TestClient::close);
        }
    }

    /** The HTTP status an upgrade through HAProxy gets, 101 if it opened (the client is then in {@code opened}). */
    private int upgrade(String endpoint, List<TestClient> opened) throws Exception {
        try {
            TestClient client = TestClient.open(cluster.ws("/echo?endpointId=" + endpoint));
            opened.add(client);
            return 101;
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof java.net.http.WebSocketHandshakeException refused) {
                return refused.getResponse().statusCode();
            }
            throw e;
        }
    }

    private void addEndpoint(String id, int maxConnections) {
        java.time.Instant now = java.time.Instant.now();
        cluster.admin.insert(new io.wsrelay.relay.spi.Endpoint(id, cluster.upstream.uri().toString(),
                io.wsrelay.relay.spi.EndpointStatus.ACTIVE, List.of(), List.of(), maxConnections, Map.of(), now, now));
    }

    @Test
    void anEndpointsMaxConnectionsCountsTheSessionsOfEveryNode() throws Exception {
        cluster = RelayCluster.start(dir, 3, Map.of());
        addEndpoint("e2", 2);
        List<TestClient> clients = new ArrayList<>();
        try {
            assertEquals(101, upgrade("e2", clients));
            assertEquals(101, upgrade("e2", clients));
            // Two nodes hold one each: each is under 2 on its own, the cluster is at 2.
            assertEquals(503, upgrade("e2", clients), cluster::outputs);
            for (int i = 0; i < cluster.size(); i++) {
                assertTrue(cluster.activeSessions(i) <= 1, "node " + i);
            }
            clients.remove(0).sendClose(1000, "done");
            await("a slot free again").atMost(Timeouts.RECOVERY).until(() -> upgrade("e2", clients) == 101);
        } finally {
            clients.forEach(TestClient::close);
        }
    }

    @Test
    void aClientsSessionLimitCountsTheSessionsOfEveryNode() throws Exception {
        cluster = RelayCluster.start(dir, 3, Map.of("relay.limits.max-sessions-per-client", "2"));
        cluster.addEndpoint("e1");
        List<TestClient> clients = new ArrayList<>();
        try {
            assertEquals(101, upgrade("e1", clients));
            assertEquals(101, upgrade("e1", clients));
            assertEquals(429, upgrade("e1", clients), "the client address (X-Forwarded-For) has 2 across the cluster");
        } finally {
            clients.forEach(TestClient::close);
        }
    }

    @Test
    void aKilledNodesClientsSee1006TheOthersNothingAndItsSlotsExpire() throws Exception {
        cluster = RelayCluster.start(dir, 3, Map.of());
        addEndpoint("e2", 3);
        List<TestClient> clients = onePerNode("e2");
        try {
            assertEquals(503, upgrade("e2", new ArrayList<>()), "at the limit");

            cluster.node(0).process().destroyForcibly(); // SIGKILL: no drain, no close frames
            // Its client's connection is cut by HAProxy without a close frame: 1006 (an error on the JDK client).
            List<TestClient> cut = new ArrayList<>();
            for (TestClient c : clients) {
                try {
                    c.closed().get(Timeouts.RECOVERY.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
                    cut.add(c);
                } catch (java.util.concurrent.ExecutionException e) {
                    cut.add(c); // 1006: the connection ended without a close frame
                } catch (java.util.concurrent.TimeoutException e) {
                    // still open: a session of another node
                }
            }
            assertEquals(1, cut.size(), "only the killed node's client lost its session");
            // The JDK client reports a connection cut without a close frame as 1006 (or as an error).
            assertTrue(cut.get(0).closed().isCompletedExceptionally() || cut.get(0).closed().join().code() == 1006,
                    "no close frame: " + cut.get(0).closed());
            for (TestClient c : clients) {
                if (c != cut.get(0)) {
                    c.sendText("unaffected");
                    assertEquals("unaffected", c.nextMessage(Timeouts.RECOVERY).text());
                }
            }
            // Its lease was never given back; it expires (6 s) and the slot is free again.
            List<TestClient> more = new ArrayList<>();
            await("the killed node's slot expires").atMost(Timeouts.CLUSTER).pollInterval(java.time.Duration.ofMillis(500))
                    .until(() -> upgrade("e2", more) == 101);
            more.forEach(TestClient::close);
        } finally {
            clients.forEach(TestClient::close);
        }
    }

    @Test
    // Three restarts, each a drain, a JVM start and two health checks: minutes on a loaded 2-core machine.
    @org.junit.jupiter.api.Timeout(value = 6, unit = java.util.concurrent.TimeUnit.MINUTES)
    void aRollingRestartUnderLoadFailsNoUpgradeAndMovesDrainedClientsToOtherNodes() throws Exception {
        java.time.Duration drain = java.time.Duration.ofSeconds(3);
        // The upgrade rate limit is per node and not the subject here: off.
        cluster = RelayCluster.start(dir, 3, Map.of("relay.shutdown.drain-period", drain.toMillis() + "ms",
                "relay.limits.upgrades-per-minute-per-client", "0"));
        cluster.addEndpoint("e1");
        java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
        java.util.concurrent.atomic.AtomicInteger upgrades = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger reconnects = new java.util.concurrent.atomic.AtomicInteger();
        java.util.Queue<String> failures = new java.util.concurrent.ConcurrentLinkedQueue<>();
        // SIGTERM times, for the drain check: a 1001 may only come a drain period after one.
        java.util.Queue<Long> terminatedAt = new java.util.concurrent.ConcurrentLinkedQueue<>();
        try (var load = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            // Two clients that keep opening short sessions (open, echo, close).
            for (int t = 0; t < 2; t++) {
                load.submit(() -> {
                    while (running.get()) {
                        try (TestClient c = TestClient.open(cluster.ws("/echo?endpointId=e1"))) {
                            c.sendText("ping");
                            if (!"ping".equals(c.nextMessage(Timeouts.RECOVERY).text())) {
                                failures.add("wrong echo");
                            }
                            upgrades.incrementAndGet();
                        } catch (Exception e) {
                            failures.add("short session: " + e);
                        }
                    }
                    return null;
                });
            }
            // Six long-lived clients that reconnect when told 1001 (going away).
            for (int t = 0; t < 6; t++) {
                load.submit(() -> {
                    while (running.get()) {
                        TestClient c;
                        try {
                            c = TestClient.open(cluster.ws("/echo?endpointId=e1"));
                            upgrades.incrementAndGet();
                        } catch (Exception e) {
                            failures.add("reconnect: " + e);
                            continue;
                        }
                        try (c) {
                            TestClient.Closed closed = null;
                            while (running.get() && closed == null) {
                                try {
                                    closed = c.closed().get(200, java.util.concurrent.TimeUnit.MILLISECONDS);
                                } catch (java.util.concurrent.TimeoutException e) {
                                    // still open
                                }
                            }
                            if (closed == null) {
                                break;
                            }
                            long at = System.nanoTime();
                            if (closed.code() != 1001) {
                                failures.add("closed with " + closed);
                            } else {
                                long last = terminatedAt.stream().filter(t0 -> t0 <= at).mapToLong(Long::longValue)
                                        .max().orElse(Long.MIN_VALUE);
                                if (last == Long.MIN_VALUE || at - last < drain.toNanos()) {
                                    failures.add("1001 before the drain period ended");
                                }
                            }
                            reconnects.incrementAndGet();
                        } catch (Exception e) {
                            failures.add("long session: " + e);
                        }
                    }
                    return null;
                });
            }
            await("load going").atMost(Timeouts.CLUSTER).until(() -> upgrades.get() >= 20);
            for (int i = 0; i < cluster.size(); i++) {
                int before = upgrades.get();
                terminatedAt.add(System.nanoTime());
                cluster.node(i).terminate();
                assertTrue(cluster.node(i).awaitExit(drain.plus(java.time.Duration.ofSeconds(10))), "node " + i + " drained and exited");
                cluster.start(i);
                cluster.awaitAllUp();
                assertTrue(upgrades.get() > before, "upgrades went on while node " + i + " restarted");
            }
            await("every long-lived client reconnected at least once").atMost(Timeouts.CLUSTER)
                    .until(() -> reconnects.get() >= 6);
            running.set(false);
        }
        assertEquals(List.of(), List.copyOf(failures), "no client saw a failure; " + upgrades.get() + " upgrades, "
                + reconnects.get() + " reconnects after 1001");
    }

    @Test
    void afterARedisRestartInvalidationAndCountsRecoverAndTheGapIsLoggedOnce() throws Exception {
        cluster = RelayCluster.start(dir, 3, Map.of());
        cluster.addEndpoint("e1");
        addEndpoint("e2", 3);
        List<TestClient> e1 = onePerNode("e1");
        List<TestClient> e2 = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                assertEquals(101, upgrade("e2", e2));
            }
            cluster.redis.stop();
            // A change made while Redis is down reaches no node at once...
            cluster.admin.setStatus("e1", io.wsrelay.relay.spi.EndpointStatus.INACTIVE);
            cluster.redis.startAgain(); // empty: no cache, no leases, no subscribers
            // ...and is applied once each node is subscribed again and has checked its endpoints.
            for (TestClient c : e1) {
                assertEquals(new TestClient.Closed(1008, "endpoint e1 is INACTIVE"),
                        c.closed().get(Timeouts.CLUSTER.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS), cluster::outputs);
            }
            String gap = "endpoint changes reach this node again after a gap";
            for (int i = 0; i < cluster.size(); i++) {
                String out = cluster.output(i);
                assertEquals(1, out.split(java.util.regex.Pattern.quote(gap), -1).length - 1, "logged once on node " + i);
            }
            // The counts are rebuilt from the nodes' renewals: e2 is full again across the cluster.
            try (redis.clients.jedis.RedisClient direct = redis.clients.jedis.RedisClient.create(cluster.redis.url())) {
                await("e2's three leases back in Redis").atMost(Timeouts.RECOVERY)
                        .until(() -> direct.zcard(cluster.prefix + "count:endpoint:e2") == 3);
            }
            assertEquals(503, upgrade("e2", e2));
            // And invalidation flows again: a change now closes sessions within 1 s.
            cluster.admin.setStatus("e2", io.wsrelay.relay.spi.EndpointStatus.INACTIVE);
            long changed = System.nanoTime();
            for (TestClient c : e2) {
                long left = java.time.Duration.ofSeconds(1).toNanos() - (System.nanoTime() - changed);
                assertEquals(1008, c.closed().get(Math.max(0, left), java.util.concurrent.TimeUnit.NANOSECONDS).code());
            }
        } finally {
            e1.forEach(TestClient::close);
            e2.forEach(TestClient::close);
        }
    }

    @Test
    void withPostgresqlUnreachableCachedEndpointsKeepWorkingAndUncachedOnesGet503() throws Exception {
        cluster = RelayCluster.start(dir, 3, Map.of());
        cluster.addEndpoint("e1");
        cluster.addEndpoint("uncached");
        List<TestClient> open = onePerNode("e1"); // e1 is now cached in Redis
        try {
            cluster.postgres.cut();
            // Every node still says it is ready (Redis answers for the cache), so HAProxy keeps it.
            for (int i = 0; i < cluster.size(); i++) {
                var ready = io.wsrelay.relay.TestHttp.get(cluster.node(i).http("/readyz"));
                assertEquals(200, ready.statusCode(), "node " + i + ": " + ready.body());
            }
            // The nodes stay in rotation and keep relaying.
            for (int i = 0; i < 6; i++) {
                try (TestClient c = TestClient.open(cluster.ws("/echo?endpointId=e1"))) {
                    c.sendText("cached " + i);
                    assertEquals("cached " + i, c.nextMessage(Timeouts.RECOVERY).text());
                }
            }
            assertTrue(cluster.haproxy.serverStates().values().stream().allMatch("UP"::equals),
                    cluster.haproxy.serverStates().toString());
            for (TestClient c : open) {
                c.sendText("still open");
                assertEquals("still open", c.nextMessage(Timeouts.RECOVERY).text());
            }
            assertEquals(503, upgrade("uncached", new ArrayList<>()), "not cached: the store is needed");
        } finally {
            cluster.postgres.restore();
            open.forEach(TestClient::close);
        }
    }

    @Test
    void operationsPathsAreNotReachableThroughHaproxy() throws Exception {
        cluster = RelayCluster.start(dir, 1, Map.of());
        assertAll(
                () -> assertEquals(404, TestHttp.get(cluster.haproxy.http("/metrics")).statusCode()),
                () -> assertEquals(404, TestHttp.get(cluster.haproxy.http("/readyz")).statusCode()),
                () -> assertEquals(404, TestHttp.get(cluster.haproxy.http("/admin/endpoints")).statusCode()),
                () -> assertEquals(200, TestHttp.get(cluster.haproxy.http("/ws-proxy/interceptor.js")).statusCode()));
    }

    @Test
    void drainingNodeGetsNoNewUpgradesAndNoClientSeesItsRefusals() throws Exception {
        cluster = RelayCluster.start(dir, 3, Map.of("relay.shutdown.drain-period", "60s"));
        cluster.addEndpoint("e1");
        List<TestClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                clients.add(TestClient.open(cluster.ws("/echo?endpointId=e1")));
            }
            assertEquals(1, cluster.activeSessions(0), cluster::outputs);
            int openedBefore = cluster.openedSessions(0);

            cluster.node(0).terminate(); // SIGTERM: node 0 drains, /readyz answers 503
            // An upgrade between the signal and the start of the drain is still a session of node 0:
            // the drain begins once its shutdown hook runs, which a loaded machine can delay.
            await("node 0 draining").atMost(Timeouts.CLUSTER)
                    .until(() -> TestHttp.get(cluster.node(0).http("/readyz")).body().contains("\"draining\":true"));
            // Upgrades keep coming while HAProxy has yet to notice: each succeeds, on another node.
            for (int i = 0; i < 30; i++) {
                try (TestClient client = TestClient.open(cluster.ws("/echo?endpointId=e1"))) {
                    client.sendText("during drain " + i);
                    assertEquals("during drain " + i, client.nextMessage(Timeouts.RECOVERY).text());
                }
            }
            await("relay1 DOWN in HAProxy").atMost(Timeouts.CLUSTER)
                    .until(() -> cluster.haproxy.serverStates().get("relay1").startsWith("DOWN"));
            for (int i = 0; i < 10; i++) {
                clients.add(TestClient.open(cluster.ws("/echo?endpointId=e1")));
            }
            assertEquals(openedBefore, cluster.openedSessions(0), "the draining node took no new session");
            // The sessions opened before, the draining node's among them, go on during the drain period.
            for (TestClient c : clients.subList(0, 3)) {
                c.sendText("still there");
                assertEquals("still there", c.nextMessage(Timeouts.RECOVERY).text());
            }
            assertEquals(1, cluster.activeSessions(0));
        } finally {
            clients.forEach(TestClient::close);
        }
    }
}
