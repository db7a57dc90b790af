package io.wsrelay.relay;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * One INFO line per relayed session when it opens and one when it closes, on the logger
 * {@code io.wsrelay.relay.SessionLog} (set it to WARN to silence them).
 *
 * <p>Each line is {@code session opened|closed key=value ...}; the same pairs are attached as
 * SLF4J key-value pairs, so the JSON format ({@code relay.log.format=json}) carries them as
 * fields. Lines name ids, addresses, sizes and codes only: never payloads, query strings,
 * paths or header values. Thread-safe.
 */
final class SessionLog {
    private static final Logger LOG = LoggerFactory.getLogger(SessionLog.class);

    private SessionLog() {
    }

    /** The upgrade was accepted and the upstream is open. */
    static void opened(long id, String endpointId, String client, String upstream) {
        if (LOG.isInfoEnabled()) {
            write("session opened", "session", id, "endpoint", endpointId, "client", client, "upstream", upstream);
        }
    }

    /** Both pumps have ended and both connections are closed or cut. */
    static void closed(SessionSummary s) {
        if (LOG.isInfoEnabled()) {
            write("session closed", "session", s.id(), "endpoint", s.endpointId(), "client", s.client(),
                    "upstream", s.upstream(), "durationMs", s.duration().toMillis(),
                    "bytesToUpstream", s.bytesToUpstream(), "bytesToClient", s.bytesToClient(),
                    "messagesToUpstream", s.messagesToUpstream(), "messagesToClient", s.messagesToClient(),
                    "closeToClient", code(s.codeToClient()), "closeToUpstream", code(s.codeToUpstream()),
                    "closedBy", s.closedBy());
        }
    }

    private static Object code(int code) {
        return code == SessionSummary.NONE ? "none" : code;
    }

    /** Logs {@code event} followed by each {@code key=value}, and attaches the pairs as key-values. */
    private static void write(String event, Object... keysAndValues) {
        LoggingEventBuilder line = LOG.atInfo();
        StringBuilder message = new StringBuilder(event);
        for (int i = 0; i < keysAndValues.length; i += 2) {
            String key = (String) keysAndValues[i];
            Object value = keysAndValues[i + 1];
            if (value instanceof String text) {
                value = LogText.safe(text); // endpoint ids and addresses come from operators and clients
            }
            line = line.addKeyValue(key, value);
            message.append(' ').append(key).append('=').append(value);
        }
        line.log(message.toString());
    }
}
