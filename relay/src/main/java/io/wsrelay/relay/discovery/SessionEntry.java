package io.wsrelay.relay.discovery;

import com.fasterxml.jackson.annotation.JsonAutoDetect;

import java.util.ArrayList;
import java.util.List;

/**
 * One recent session (or refused handshake) for the HAR export: its handshake, its end, and up
 * to {@link DiscoveryLimits#messagesPerSession()} masked messages. Never holds query values or
 * header values. Not thread-safe.
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY, getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE)
final class SessionEntry {
    long sessionId;
    /** The node that relayed it (a random id per process). */
    String node;
    /** Epoch milliseconds of the opening handshake. */
    long started;
    long durationMs;
    String path;
    List<String> queryNames = new ArrayList<>();
    List<String> offered = new ArrayList<>();
    String chosen;
    int status;
    String error;
    int codeToClient = -1;
    int codeToUpstream = -1;
    String closedBy;
    long messagesUp;
    long messagesDown;
    long bytesUp;
    long bytesDown;
    List<Message> messages = new ArrayList<>();
    /** Messages of this session not kept (over messagesPerSession, or not captured). */
    long messagesLeftOut;

    /** A message as Chrome's HAR {@code _webSocketMessages} shows it. */
    @JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY)
    static final class Message {
        /** {@code send} (client to upstream) or {@code receive}. */
        String type;
        /** Epoch milliseconds. */
        long at;
        /** 1 text, 2 binary (RFC 6455 §5.2). */
        int opcode;
        /** Masked text, or the first bytes of a binary message in Base64. */
        String data;
        long size;
        boolean truncated;

        Message() {
        }

        Message(String type, long at, int opcode, String data, long size, boolean truncated) {
            this.type = type;
            this.at = at;
            this.opcode = opcode;
            this.data = data;
            this.size = size;
            this.truncated = truncated;
        }
    }
}
