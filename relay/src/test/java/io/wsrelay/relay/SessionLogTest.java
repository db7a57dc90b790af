package io.wsrelay.relay;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.wsrelay.relay.spi.Endpoint;
import io.wsrelay.relay.spi.EndpointStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** The session log lines, captured from logback while a real session runs. */
class SessionLogTest {
    private final ListAppender<ILoggingEvent> captured = new ListAppender<>();
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);

    @BeforeEach
    void capture() {
        captured.start();
        root.addAppender(captured);
    }

    @AfterEach
    void release() {
        root.detachAppender(captured);
    }

    private List<ILoggingEvent> sessionLines() {
        return captured.list.stream().filter(e -> e.getLoggerName().equals(SessionLog.class.getName())).toList();
    }

    private static Map<String, String> fields(ILoggingEvent event) {
        return event.getKeyValuePairs().stream().collect(Collectors.toMap(kv -> kv.key, kv -> String.valueOf(kv.value)));
    }

    @Test
    void logsOneLineWhenASessionOpensAndOneWhenItCloses() throws Exception {
        try (RelayHarness harness = RelayHarness.start()) {
            try (TestClient client = TestClient.open(harness.uri("/echo?endpointId=e1"))) {
                client.sendText("12345");
                client.nextMessage(Timeouts.MESSAGE);
                client.sendBinary(new byte[100]);
                client.nextMessage(Timeouts.MESSAGE);
                client.sendClose(4000, "done");
                client.awaitClose(Timeouts.CLOSE);
            }
            await().atMost(Timeouts.MESSAGE).until(() -> sessionLines().size() == 2);
        }
        ILoggingEvent opened = sessionLines().get(0);
        ILoggingEvent closed = sessionLines().get(1);
        Map<String, String> open = fields(opened);
        Map<String, String> close = fields(closed);
        assertAll(
                () -> assertEquals("INFO", opened.getLevel().toString()),
                () -> assertEquals(List.of("session", "endpoint", "client", "upstream"),
                        opened.getKeyValuePairs().stream().map(kv -> kv.key).toList()),
                () -> assertEquals("e1", open.get("endpoint")),
                () -> assertEquals(open.get("session"), close.get("session")),
                () -> assertEquals(open.get("client"), close.get("client")),
                () -> assertEquals(open.get("upstream"), close.get("upstream")),
                () -> assertEquals("105", close.get("bytesToUpstream")),
                () -> assertEquals("105", close.get("bytesToClient")),
                () -> assertEquals("2", close.get("messagesToUpstream")),
                () -> assertEquals("2", close.get("messagesToClient")),
                () -> assertEquals("4000", close.get("closeToUpstream")),
                () -> assertEquals("4000", close.get("closeToClient")),
                () -> assertEquals("client", close.get("closedBy")),
                () -> assertEquals("session closed session=" + close.get("session") + " endpoint=e1 client="
                        + close.get("client") + " upstream=" + close.get("upstream") + " durationMs="
                        + close.get("durationMs") + " bytesToUpstream=105 bytesToClient=105 messagesToUpstream=2"
                        + " messagesToClient=2 closeToClient=4000 closeToUpstream=4000 closedBy=client",
                        closed.getFormattedMessage()));
    }

    @Test
    void neverLogsPayloadsQueryStringsPathsOrHeaderValues() throws Exception {
        try (RelayHarness harness = RelayHarness.start()) {
            Instant now = Instant.now();
            harness.store.insert(new Endpoint("hdr", harness.upstream.uri().toString(), EndpointStatus.ACTIVE,
                    List.of(), List.of(), 0, Map.of("X-Api-Key", "header-secret-4711"), now, now));
            try (TestClient client = TestClient.open(harness.uri("/path-secret-4711?token=query-secret-4711&endpointId=hdr"))) {
                client.sendText("payload-secret-4711");
                client.nextMessage(Timeouts.MESSAGE);
                client.sendClose(1000, "reason-secret-4711");
                client.awaitClose(Timeouts.CLOSE);
            }
            TestClient.refusal(harness.uri("/x?token=query-secret-4711&endpointId=nope"));
            await().atMost(Timeouts.MESSAGE).until(() -> sessionLines().size() == 2);
        }
        for (ILoggingEvent event : captured.list) {
            String line = event.getFormattedMessage() + " " + event.getKeyValuePairs();
            assertFalse(line.contains("secret-4711"), "logged a secret: " + line);
        }
    }
}
