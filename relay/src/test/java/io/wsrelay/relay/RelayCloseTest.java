package io.wsrelay.relay;

import io.wsrelay.relay.spi.Endpoint;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static io.wsrelay.relay.ProcessResources.openFileDescriptors;
import static io.wsrelay.relay.ProcessResources.platformThreadNames;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Close codes, reasons and lost connections, both ways, and what the relay releases afterwards. */
class RelayCloseTest {
    private static RelayHarness harness;

    @BeforeAll
    static void startRelay() throws Exception {
        harness = RelayHarness.start();
    }

    @AfterAll
    static void stopRelay() throws Exception {
        harness.close();
    }

    @BeforeEach
    void forgetEarlierCloses() {
        // An earlier test's last close can still be on its way to the upstream: wait until its
        // sessions are gone on both sides, or it would be taken for this test's close.
        await().atMost(Timeouts.MESSAGE).until(() ->
                harness.relay.activeSessions() == 0 && harness.upstream.openSessions() == 0);
        harness.upstream.closes().clear();
    }

    @Test
    void upstreamCloseCodeAndReasonReachClient() throws Exception {
        try (TestClient client = TestClient.open(harness.uri("/close?code=4401&reason=token%20expired&endpointId=e1"))) {
            client.sendText("hello");
            assertEquals(new TestClient.Closed(4401, "token expired"), client.awaitClose(Timeouts.CLOSE));
        }
    }

    @Test
    void clientCloseCodeAndReasonReachUpstream() throws Exception {
        try (TestClient client = TestClient.open(harness.uri("/echo?endpointId=e1"))) {
            client.sendClose(4001, "bye");
            assertEquals(new TestUpstream.Closed(4001, "bye"), nextUpstreamClose());
            assertEquals(4001, client.awaitClose(Timeouts.CLOSE).code(), "the client's close is answered");
        }
    }

    @Test
    void emptyUpstreamCloseFrameStaysEmpty() throws Exception {
        try (TestClient client = TestClient.open(harness.uri("/close?code=1005&endpointId=e1"))) {
            client.sendText("hello");
            // The JDK reports an empty close frame as 1005 (RFC 6455 §7.1.5).
            assertEquals(new TestClient.Closed(CloseCodes.NO_STATUS, ""), client.awaitClose(Timeouts.CLOSE));
        }
    }

    @ParameterizedTest(name = "upstream {0} reaches the client as {0}")
    @ValueSource(ints = {1000, 1001, 1003, 1007, 1008, 1009, 1011, 1012, 1013, 1014, 3000, 4999})
    void upstreamCloseCodeReachesClientUnchanged(int code) throws Exception {
        try (TestClient client = TestClient.open(harness.uri("/closenow?code=" + code + "&reason=r" + code + "&endpointId=e1"))) {
            assertEquals(new TestClient.Closed(code, "r" + code), client.awaitClose(Timeouts.CLOSE));
        }
    }

    @ParameterizedTest(name = "client {0} reaches the upstream as {1}")
    @CsvSource({
            "1000, 1000", "1001, 1001", "1008, 1008", "1011, 1011", "3000, 3000", "4999, 4999",
            // Codes the JDK client refuses to send, mapped by CloseCodes.toUpstream.
            "1002, 1008", "1003, 1008", "1007, 1008", "1009, 1008", "1010, 1008",
            "1012, 1001", "1013, 1001", "1014, 1001"})
    void clientCloseCodeReachesUpstreamThroughTheDocumentedTable(int clientCode, int upstreamCode) throws Exception {
        try (JettyTestClient client = new JettyTestClient(harness.uri("/echo?endpointId=e1"))) {
            client.close(clientCode, "why");
            assertEquals(new TestUpstream.Closed(upstreamCode, "why"), nextUpstreamClose());
        }
    }

    @Test
    void emptyClientCloseFrameReachesUpstreamAsNormalClosure() throws Exception {
        try (JettyTestClient client = new JettyTestClient(harness.uri("/echo?endpointId=e1"))) {
            client.close(CloseCodes.NO_STATUS, null);
            assertEquals(new TestUpstream.Closed(CloseCodes.NORMAL, ""), nextUpstreamClose());
        }
    }

    @Test
    void upstreamDroppingWithoutCloseFrameGivesClientBadGateway() throws Exception {
        try (TestClient client = TestClient.open(harness.uri("/terminate?endpointId=e1"))) {
            client.sendText("hello");
            TestClient.Closed closed = client.awaitClose(Timeouts.CLOSE);
            assertEquals(CloseCodes.BAD_GATEWAY, closed.code());
            assertFalse(closed.reason().isEmpty(), "a reason says what happened");
        }
    }

    @Test
    void upstreamTcpResetGivesClientBadGateway() throws Exception {
        try (RawUpstream raw = new RawUpstream()) {
            harness.store.insert(Endpoint.of("raw", raw.uri().toString()));
            try (TestClient client = TestClient.open(harness.uri("/x?endpointId=raw"))) {
                client.sendText("hello");
                assertTrue(raw.awaitReset());
                assertEquals(CloseCodes.BAD_GATEWAY, client.awaitClose(Timeouts.CLOSE).code());
            } finally {
                harness.store.remove("raw");
            }
        }
    }

    @Test
    void upstreamServerStoppingReachesClientAsItsGoingAway() throws Exception {
        try (TestUpstream other = TestUpstream.start()) {
            harness.store.insert(Endpoint.of("other", other.uri().toString()));
            try (TestClient client = TestClient.open(harness.uri("/echo?endpointId=other"))) {
                other.close();
                int code = client.awaitClose(Timeouts.CLOSE).code();
                assertTrue(code == CloseCodes.GOING_AWAY || code == CloseCodes.BAD_GATEWAY, "was " + code);
            } finally {
                harness.store.remove("other");
            }
        }
    }

    @Test
    void clientVanishingClosesUpstreamWithGoingAway() throws Exception {
        TestClient client = TestClient.open(harness.uri("/echo?endpointId=e1"));
        client.sendText("hello");
        client.nextMessage(Timeouts.MESSAGE);
        client.abort();
        assertEquals(CloseCodes.GOING_AWAY, nextUpstreamClose().code());
    }

    @Test
    void releasesEveryThreadAndSocketAfterTwoHundredKilledSessions() throws Exception {
        // Warm up first: schedulers and selector threads start lazily on first use.
        try (TestClient warmUp = TestClient.open(harness.uri("/echo?endpointId=e1"))) {
            warmUp.sendText("warm-up");
            warmUp.nextMessage(Timeouts.MESSAGE);
            warmUp.sendClose(1000, "");
            warmUp.awaitClose(Timeouts.CLOSE);
        }
        await().atMost(Timeouts.MESSAGE).until(() -> harness.relay.activeSessions() == 0);
        long fdsBefore = openFileDescriptors();
        Set<String> threadsBefore = platformThreadNames();

        List<TestClient> clients = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            TestClient c = TestClient.open(harness.uri("/echo?endpointId=e1"));
            c.sendText("ping " + i);
            clients.add(c);
        }
        for (TestClient c : clients) {
            assertTrue(c.nextMessage(Timeouts.MESSAGE).text().startsWith("ping "));
        }
        assertEquals(200, harness.relay.activeSessions());
        assertEquals(400, harness.relay.pumpThreads());
        for (int i = 0; i < clients.size(); i++) {
            if (i % 2 == 0) {
                clients.get(i).abort(); // vanish
            } else {
                clients.get(i).sendClose(1000, ""); // close politely
            }
        }
        await().atMost(Timeouts.MESSAGE).untilAsserted(() -> assertAll(
                () -> assertEquals(0, harness.relay.activeSessions(), "relay sessions"),
                () -> assertEquals(0, harness.relay.pumpThreads(), "pump threads"),
                () -> assertEquals(0, harness.upstream.openSessions(), "upstream sessions")));
        clients.forEach(TestClient::close);
        // The relay's, the upstream's and the clients' sockets all live in this process.
        await().atMost(Timeouts.MESSAGE).untilAsserted(() -> assertTrue(openFileDescriptors() <= fdsBefore + 4,
                () -> "file descriptors: " + fdsBefore + " before, " + openFileDescriptorsOrMinusOne() + " now"));
        await().atMost(Timeouts.MESSAGE).untilAsserted(() -> {
            Set<String> added = platformThreadNames();
            added.removeAll(threadsBefore);
            assertEquals(Set.of(), added, "platform threads started and not ended");
        });
    }

    private static long openFileDescriptorsOrMinusOne() {
        try {
            return openFileDescriptors();
        } catch (Exception e) {
            return -1;
        }
    }

    private static TestUpstream.Closed nextUpstreamClose() throws InterruptedException {
        TestUpstream.Closed closed = harness.upstream.closes().poll(Timeouts.CLOSE.toMillis(), TimeUnit.MILLISECONDS);
        if (closed == null) {
            throw new AssertionError("the upstream saw no close within " + Timeouts.CLOSE);
        }
        return closed;
    }
}
