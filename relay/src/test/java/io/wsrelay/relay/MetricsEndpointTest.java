package io.wsrelay.relay;

import io.wsrelay.relay.ops.EndpointLabels;
import io.wsrelay.relay.ops.MetricsHandler;
import io.wsrelay.relay.spi.Endpoint;
import io.wsrelay.relay.spi.EndpointStatus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code GET /metrics} of a relay wired as {@code wsrelay serve} wires it: real sessions and
 * refusals, then a scrape over HTTP, and each counter moved by exactly what was done.
 */
class MetricsEndpointTest {
    private static RelayHarness harness;
    private static FlakyStore store;
    private static SilentUpstream silent;

    @BeforeAll
    static void startRelay() throws Exception {
        silent = new SilentUpstream();
        harness = RelayHarness.withOperations(Map.of("relay.upstream.connect-timeout", "1s"), memory -> {
            store = new FlakyStore(memory);
            return store;
        });
        harness.store.insert(Endpoint.of("off", harness.upstream.uri().toString()).withStatus(EndpointStatus.INACTIVE));
        harness.store.insert(Endpoint.of("silent", silent.uri().toString()));
    }

    @AfterAll
    static void stopRelay() throws Exception {
        harness.close();
        silent.close();
    }

    private static Scrape scrape() throws Exception {
        return Scrape.from(harness.admin("/metrics"));
    }

    private static void echo(TestClient client, String text) throws Exception {
        client.sendText(text);
        assertEquals(text, client.nextMessage(Timeouts.MESSAGE).text());
    }

    @Test
    void servesThePrometheusTextFormat() throws Exception {
        HttpResponse<String> response = TestHttp.get(harness.admin("/metrics"));
        assertAll(
                () -> assertEquals(200, response.statusCode()),
                () -> assertEquals(MetricsHandler.CONTENT_TYPE, response.headers().firstValue("Content-Type").orElse("")),
                () -> assertTrue(response.body().contains("# TYPE wsrelay_relayed_bytes_total counter"), response.body()));
    }

    @Test
    void sessionGaugeAndCountersFollowSessionsOpenedAndClosed() throws Exception {
        Scrape before = scrape();
        try (TestClient a = TestClient.open(harness.uri("/echo?endpointId=e1"));
             TestClient b = TestClient.open(harness.uri("/echo?endpointId=e1"))) {
            echo(a, "a");
            echo(b, "b");
            Scrape during = scrape();
            assertAll(
                    () -> assertEquals(2, during.value("wsrelay_sessions_active", "endpoint=e1")),
                    () -> assertEquals(2, during.value("wsrelay_sessions_opened_total", "endpoint=e1")
                            - before.value("wsrelay_sessions_opened_total", "endpoint=e1")),
                    () -> assertEquals(4, during.value("wsrelay_pump_threads"), "two per session"));
            a.sendClose(1000, "");
            b.sendClose(1000, "");
            a.awaitClose(Timeouts.CLOSE);
            b.awaitClose(Timeouts.CLOSE);
        }
        await().atMost(Timeouts.MESSAGE).until(() -> scrape().value("wsrelay_sessions_active", "endpoint=e1") == 0);
        Scrape after = scrape();
        assertAll(
                () -> assertEquals(2, after.value("wsrelay_sessions_closed_total", "endpoint=e1")
                        - before.value("wsrelay_sessions_closed_total", "endpoint=e1")),
                () -> assertEquals(2, after.value("wsrelay_session_duration_seconds_count")
                        - before.value("wsrelay_session_duration_seconds_count")),
                () -> assertEquals(after.value("wsrelay_session_duration_seconds_count"),
                        after.value("wsrelay_session_duration_seconds_bucket", "le=+Inf"), "a histogram"));
    }

    @Test
    void relayedBytesAndMessagesAreCountedInEachDirection() throws Exception {
        Scrape before = scrape();
        String text = "h\u00e9llo \u4e2d"; // two- and three-byte characters: bytes are UTF-8 bytes
        int textBytes = text.getBytes(StandardCharsets.UTF_8).length;
        byte[] binary = new byte[1000];
        try (TestClient client = TestClient.open(harness.uri("/echo?endpointId=e1"))) {
            client.sendText(text);
            client.sendBinary(binary);
            client.nextMessage(Timeouts.MESSAGE);
            client.nextMessage(Timeouts.MESSAGE);
            // The counters move after each write completes, a moment after the client reads it.
            await().atMost(Timeouts.MESSAGE).until(() ->
                    scrape().value("wsrelay_relayed_messages_total", "direction=to_client")
                            - before.value("wsrelay_relayed_messages_total", "direction=to_client") >= 2);
        }
        Scrape after = scrape();
        assertAll(
                () -> assertEquals(textBytes + 1000, delta(before, after, "wsrelay_relayed_bytes_total", "direction=to_upstream")),
                () -> assertEquals(textBytes + 1000, delta(before, after, "wsrelay_relayed_bytes_total", "direction=to_client")),
                () -> assertEquals(2, delta(before, after, "wsrelay_relayed_messages_total", "direction=to_upstream")),
                () -> assertEquals(2, delta(before, after, "wsrelay_relayed_messages_total", "direction=to_client")));
    }

    @ParameterizedTest(name = "{0} is counted as {1} {2}")
    @CsvSource({
            "/echo?x=1,                400, missing_endpoint_id",
            "/echo?endpointId=nope,    404, endpoint_not_found",
            "/echo?endpointId=off,     403, endpoint_inactive",
            "/reject?status=500&endpointId=e1, 502, upstream_rejected",
            "/echo?endpointId=silent,  504, upstream_timeout"})
    void refusedUpgradesAreCountedByStatusAndReason(String pathQuery, int status, String reason) throws Exception {
        Scrape before = scrape();
        assertEquals(status, TestClient.refusal(harness.uri(pathQuery)));
        Scrape after = scrape();
        assertEquals(1, delta(before, after, "wsrelay_upgrades_refused_total",
                "status=" + status, "reason=" + reason));
        assertEquals(1, delta(before, after, "wsrelay_upgrades_refused_total"), "no other refusal counted");
    }

    @Test
    void storeOutageIsCountedAsRefusalAndLookupOutcome() throws Exception {
        Scrape before = scrape();
        store.down(true);
        try {
            assertEquals(503, TestClient.refusal(harness.uri("/echo?endpointId=e1")));
        } finally {
            store.down(false);
        }
        Scrape after = scrape();
        assertAll(
                () -> assertEquals(1, delta(before, after, "wsrelay_upgrades_refused_total",
                        "status=503", "reason=store_unavailable")),
                () -> assertEquals(1, delta(before, after, "wsrelay_store_lookup_seconds_count", "outcome=unavailable")));
    }

    @Test
    void lookupAndConnectLatenciesAreHistogramsByOutcome() throws Exception {
        Scrape before = scrape();
        try (TestClient client = TestClient.open(harness.uri("/echo?endpointId=e1"))) {
            echo(client, "x");
        }
        TestClient.refusal(harness.uri("/echo?endpointId=unknown-id"));
        TestClient.refusal(harness.uri("/reject?status=403&endpointId=e1"));
        Scrape after = scrape();
        assertAll(
                () -> assertEquals(2, delta(before, after, "wsrelay_store_lookup_seconds_count", "outcome=found")),
                () -> assertEquals(1, delta(before, after, "wsrelay_store_lookup_seconds_count", "outcome=not_found")),
                () -> assertEquals(1, delta(before, after, "wsrelay_upstream_connect_seconds_count", "outcome=ok")),
                () -> assertEquals(1, delta(before, after, "wsrelay_upstream_connect_seconds_count", "outcome=failed")),
                () -> assertEquals(1, delta(before, after, "wsrelay_upstream_connect_seconds_bucket",
                        "outcome=ok", "le=+Inf")),
                () -> assertTrue(after.labelValues("wsrelay_upstream_connect_seconds_bucket", "le").size() > 5,
                        "buckets: " + after.labelValues("wsrelay_upstream_connect_seconds_bucket", "le")));
    }

    @Test
    void closeCodesSentEachWayAreCounted() throws Exception {
        Scrape before = scrape();
        try (TestClient client = TestClient.open(harness.uri("/echo?endpointId=e1"))) {
            client.sendClose(4001, "bye");
            assertEquals(4001, client.awaitClose(Timeouts.CLOSE).code());
        }
        try (TestClient client = TestClient.open(harness.uri("/closenow?code=1008&reason=no&endpointId=e1"))) {
            assertEquals(1008, client.awaitClose(Timeouts.CLOSE).code());
        }
        await().atMost(Timeouts.MESSAGE).until(() -> delta(before, scrape(), "wsrelay_sessions_closed_total") == 2);
        Scrape after = scrape();
        assertAll(
                () -> assertEquals(1, delta(before, after, "wsrelay_close_codes_total", "direction=to_upstream", "code=4xxx")),
                () -> assertEquals(1, delta(before, after, "wsrelay_close_codes_total", "direction=to_client", "code=4xxx")),
                () -> assertEquals(1, delta(before, after, "wsrelay_close_codes_total", "direction=to_client", "code=1008")),
                () -> assertEquals(2, delta(before, after, "wsrelay_close_codes_total", "direction=to_client")),
                () -> assertEquals(2, delta(before, after, "wsrelay_close_codes_total", "direction=to_upstream")));
    }

    @Test
    void unknownEndpointIdsNeverBecomeLabelValues() throws Exception {
        String prefix = "ghost-" + UUID.randomUUID();
        for (int i = 0; i < 20; i++) {
            assertEquals(404, TestClient.refusal(harness.uri("/echo?endpointId=" + prefix + i)));
        }
        Scrape after = scrape();
        assertFalse(after.text().contains(prefix), "an unknown id reached /metrics");
    }

    @Test
    void endpointsPastTheLabelLimitShareTheLabelOther() throws Exception {
        try (RelayHarness limited = RelayHarness.withOperations(Map.of("relay.metrics.max-endpoint-labels", "1"))) {
            limited.store.insert(Endpoint.of("e2", limited.upstream.uri().toString()));
            limited.store.insert(Endpoint.of("e3", limited.upstream.uri().toString()));
            for (String id : new String[] {"e1", "e2", "e3", "e1"}) {
                try (TestClient client = TestClient.open(limited.uri("/echo?endpointId=" + id))) {
                    echo(client, id);
                }
            }
            Scrape after = Scrape.from(limited.admin("/metrics"));
            assertAll(
                    () -> assertEquals(Set.of("e1", EndpointLabels.OTHER),
                            after.labelValues("wsrelay_sessions_opened_total", "endpoint")),
                    () -> assertEquals(2, after.value("wsrelay_sessions_opened_total", "endpoint=e1")),
                    () -> assertEquals(2, after.value("wsrelay_sessions_opened_total", "endpoint=other")));
        }
    }

    @Test
    void cacheHitsAndMissesOfACachingStoreAreExported() throws Exception {
        store.hits.set(7);
        store.misses.set(3);
        Scrape after = scrape();
        assertAll(
                () -> assertEquals(7, after.value("wsrelay_store_cache_lookups_total", "layer=test", "result=hit")),
                () -> assertEquals(3, after.value("wsrelay_store_cache_lookups_total", "layer=test", "result=miss")));
    }

    @Test
    void jvmAndJettyThreadMetricsAreExported() throws Exception {
        Set<String> names = scrape().names();
        for (String name : new String[] {"jvm_threads_live_threads", "jvm_threads_states_threads",
                "jvm_threads_virtual_mounted", "jvm_memory_used_bytes", "jvm_gc_pause_seconds_count",
                "jetty_threads_current", "jetty_connections_current_connections", "process_files_open_files"}) {
            assertTrue(names.contains(name), name + " missing from " + names);
        }
        assertTrue(scrape().value("jetty_threads_current") >= 1, "the scrape itself runs on a Jetty thread");
    }

    @Test
    void everyRelayMetricIsInTheOperationsGuide() throws Exception {
        // Make every wsrelay_ family exist: a session, a refusal, a cache count.
        try (TestClient client = TestClient.open(harness.uri("/echo?endpointId=e1"))) {
            echo(client, "doc");
        }
        TestClient.refusal(harness.uri("/echo?endpointId=nope"));
        String guide = OperationsGuideTest.guide();
        Set<String> missing = new TreeSet<>();
        for (String name : scrape().names()) {
            String family = name.replaceAll("_(bucket|count|sum|max)$", "");
            if (family.startsWith("wsrelay_") && !guide.contains("`" + family + "`")) {
                missing.add(family);
            }
        }
        assertEquals(Set.of(), missing, "metrics not named in docs/operations.md");
    }

    private static double delta(Scrape before, Scrape after, String name, String... labels) {
        return after.value(name, labels) - before.value(name, labels);
    }
}
