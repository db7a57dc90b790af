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
