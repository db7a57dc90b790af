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
