package io.wsrelay.relay;

import org.eclipse.jetty.websocket.api.exceptions.BadPayloadException;
import org.eclipse.jetty.websocket.api.exceptions.ProtocolException;
import org.eclipse.jetty.websocket.api.exceptions.WebSocketTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CloseCodesTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"1002, 1002", "1006, 1014", "1015, 1014", "999, 1002", "1004, 1002", "1016, 1002", "2999, 1002",
            "5000, 1002", "1005, 1005", "4000, 4000"})
    void upstreamCodesThatMustNotBeSentAreReplaced(int upstream, int client) {
        assertEquals(client, CloseCodes.toDownstream(upstream));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"0, 1008", "999, 1008", "2000, 1008", "5000, 1008", "1006, 1001", "1015, 1001"})
    void clientCodesOutsideTheRegistryBecomePolicyViolation(int client, int upstream) {
        assertEquals(upstream, CloseCodes.toUpstream(client));
    }

    @Test
    void everyCodeSentUpstreamIsOneTheJdkClientAccepts() {
        // The JDK accepts 1000, 1001, 1008, 1011 and 3000-4999 from a client.
        for (int code = 0; code < 6000; code++) {
            int mapped = CloseCodes.toUpstream(code);
            assertTrue(mapped == 1000 || mapped == 1001 || mapped == 1008 || mapped == 1011
                    || (mapped >= 3000 && mapped <= 4999), code + " -> " + mapped);
        }
    }

    @Test
    void failuresMapToTheirCloseCodes() {
        assertEquals(1009, CloseCodes.forFailure(new CloseCodes.MessageTooBigException(10), false).code());
        assertEquals(1007, CloseCodes.forFailure(new BadPayloadException("utf-8"), false).code());
        assertEquals(1002, CloseCodes.forFailure(new ProtocolException("bad frame"), false).code());
        assertEquals(1001, CloseCodes.forFailure(new WebSocketTimeoutException("idle"), false).code());
        assertEquals(1014, CloseCodes.forFailure(new SocketException("Connection reset"), true).code());
        assertEquals(1001, CloseCodes.forFailure(new IOException("Broken pipe"), false).code());
        assertEquals(1014, CloseCodes.forFailure(new CompletionException(new IOException("closed")), true).code());
        assertEquals(1011, CloseCodes.forFailure(new IllegalStateException("bug"), true).code());
    }

    @Test
    void reasonIsCutTo123BytesWithoutSplittingACharacter() {
        String reason = "\u00e9".repeat(100); // 200 bytes
        String cut = CloseCodes.truncate(reason);
        assertEquals(61, cut.length());
        assertTrue(cut.getBytes(StandardCharsets.UTF_8).length <= CloseCodes.MAX_REASON_BYTES);
        assertEquals("short", CloseCodes.truncate("short"));
    }
}
