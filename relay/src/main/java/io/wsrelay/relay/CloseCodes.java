package io.wsrelay.relay;

import org.eclipse.jetty.websocket.api.exceptions.BadPayloadException;
import org.eclipse.jetty.websocket.api.exceptions.MessageTooLargeException;
import org.eclipse.jetty.websocket.api.exceptions.ProtocolException;
import org.eclipse.jetty.websocket.api.exceptions.WebSocketTimeoutException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * WebSocket close codes (RFC 6455 §7.4.1, IANA registry) and the one place the relay decides
 * which code goes on the wire.
 *
 * <p>Forwarding rules:
 * <ul>
 * <li>Upstream → client: the upstream's code and reason go to the client unchanged. 1005 (the
 *     upstream sent an empty close frame) becomes an empty close frame. 1006 and 1015 are never
 *     sent (RFC 6455 §7.4.1): an upstream that drops without a close frame gives the client
 *     {@value #BAD_GATEWAY} with a reason.</li>
 * <li>Client → upstream: sent with the JDK client, which refuses some codes. The table in
 *     {@link #toUpstream(int)} maps each refused code to the nearest code it accepts; the reason
 *     is kept.</li>
 * </ul>
 *
 * <p>All methods are pure and thread-safe.
 */
public final class CloseCodes {
    public static final int NORMAL = 1000;
    public static final int GOING_AWAY = 1001;
    public static final int PROTOCOL_ERROR = 1002;
    public static final int UNSUPPORTED_DATA = 1003;
    /** Reported when a close frame had no body; never sent with a body (RFC 6455 §7.4.1). */
    public static final int NO_STATUS = 1005;
    /** Reported when a connection closed without a close frame; never sent (RFC 6455 §7.4.1). */
    public static final int ABNORMAL = 1006;
    public static final int INVALID_PAYLOAD = 1007;
    public static final int POLICY_VIOLATION = 1008;
    public static final int MESSAGE_TOO_BIG = 1009;
    public static final int MANDATORY_EXTENSION = 1010;
    public static final int INTERNAL_ERROR = 1011;
    public static final int SERVICE_RESTART = 1012;
    public static final int TRY_AGAIN_LATER = 1013;
    /** The relay, acting as a gateway, got an invalid response or lost the upstream (IANA). */
    public static final int BAD_GATEWAY = 1014;
    /** Reported for a failed TLS handshake; never sent (RFC 6455 §7.4.1). */
    public static final int TLS_HANDSHAKE = 1015;

    /** Longest close reason in UTF-8 bytes: a control frame body is at most 125 bytes, 2 hold the code. */
    public static final int MAX_REASON_BYTES = 123;

    private CloseCodes() {
    }

    /** A close code with its reason; {@code reason} is never null. */
    public record Status(int code, String reason) {
        public Status {
            reason = reason == null ? "" : truncate(reason);
        }
    }

    /**
     * The code to send upstream when the client closed with {@code clientCode}.
     *
     * <p>The JDK client ({@code java.net.http.WebSocket#sendClose}) accepts 1000, 1001, 1008,
     * 1011 and 3000–4999 and refuses the rest, so:
     * <table>
     * <caption>Client close code → code sent upstream</caption>
     * <tr><th>client</th><th>upstream</th><th>why</th></tr>
     * <tr><td>1005 (empty close)</td><td>1000</td><td>the JDK cannot send an empty close frame</td></tr>
     * <tr><td>1006, 1015 (connection lost)</td><td>1001</td><td>the client went away</td></tr>
     * <tr><td>1002, 1003, 1007, 1009, 1010</td><td>1008</td><td>the client's side refused data;
     *     1008 is the generic "policy" refusal the JDK may send</td></tr>
     * <tr><td>1012, 1013, 1014</td><td>1001</td><td>server-side conditions; from the
     *     upstream's view the client is going away</td></tr>
     * <tr><td>anything else outside 1000–4999</td><td>1008</td><td>not a valid code</td></tr>
     * <tr><td>1000, 1001, 1008, 1011, 3000–4999</td><td>unchanged</td><td></td></tr>
     * </table>
     */
    public static int toUpstream(int clientCode) {
        return switch (clientCode) {
            case NORMAL, GOING_AWAY, POLICY_VIOLATION, INTERNAL_ERROR -> clientCode;
            case NO_STATUS -> NORMAL;
            case ABNORMAL, TLS_HANDSHAKE, SERVICE_RESTART, TRY_AGAIN_LATER, BAD_GATEWAY -> GOING_AWAY;
            case PROTOCOL_ERROR, UNSUPPORTED_DATA, INVALID_PAYLOAD, MESSAGE_TOO_BIG, MANDATORY_EXTENSION ->
                    POLICY_VIOLATION;
            default -> clientCode >= 3000 && clientCode <= 4999 ? clientCode : POLICY_VIOLATION;
        };
    }

    /**
     * The code to send the client when the upstream closed with {@code upstreamCode}: unchanged,
     * except codes that must never be sent (1006, 1015), which become {@value #BAD_GATEWAY}, and
     * values outside the registry's ranges, which become {@value #PROTOCOL_ERROR}. 1005 is kept:
     * the caller sends an empty close frame for it.
     */
    public static int toDownstream(int upstreamCode) {
        if (upstreamCode == ABNORMAL || upstreamCode == TLS_HANDSHAKE) {
            return BAD_GATEWAY;
        }
        if (upstreamCode < NORMAL || upstreamCode > 4999 || upstreamCode == 1004
                || (upstreamCode > TLS_HANDSHAKE && upstreamCode < 3000)) {
            return PROTOCOL_ERROR;
        }
        return upstreamCode;
    }

    /**
     * The close code and reason that describe {@code failure} to the peer on the other side of
     * the relay. This is the only place a failure becomes a close code:
     * <ul>
     * <li>a message over {@code relay.limits.max-message-bytes}, or Jetty's frame limit → 1009</li>
     * <li>a protocol violation → 1002; invalid UTF-8 in text (found by the relay or by Jetty) → 1007</li>
     * <li>an idle timeout → 1001</li>
     * <li>an I/O failure (connection reset, closed, broken pipe) → {@value #BAD_GATEWAY} when
     *     {@code upstreamFailed}, else 1001</li>
     * <li>anything else → 1011</li>
     * </ul>
     *
     * @param failure        what went wrong
     * @param upstreamFailed whether the failure happened on the upstream side (so the client is told)
     */
    public static Status forFailure(Throwable failure, boolean upstreamFailed) {
        Throwable t = failure;
        if (t instanceof java.util.concurrent.CompletionException || t instanceof java.util.concurrent.ExecutionException) {
            t = t.getCause() == null ? t : t.getCause();
        }
        if (t instanceof MessageTooBigException || t instanceof MessageTooLargeException) {
            return new Status(MESSAGE_TOO_BIG, "message too big");
        }
        if (t instanceof InvalidPayloadException || t instanceof BadPayloadException) {
            return new Status(INVALID_PAYLOAD, "invalid payload");
        }
        if (t instanceof ProtocolException || t instanceof java.net.ProtocolException) {
            return new Status(PROTOCOL_ERROR, "protocol error");
        }
        if (t instanceof WebSocketTimeoutException) {
            return new Status(GOING_AWAY, "idle timeout");
        }
        if (t instanceof IOException) {
            return upstreamFailed
                    ? new Status(BAD_GATEWAY, "upstream connection lost")
                    : new Status(GOING_AWAY, "client connection lost");
        }
        return new Status(INTERNAL_ERROR, "relay error");
    }

    /** What ended one direction of a session, as its pump saw it. */
    public enum Ending {
        /** The source sent a close frame (its code and reason are given). */
        SOURCE_CLOSED,
        /** The source's connection failed or ended without a close frame. */
        SOURCE_FAILED,
        /** A write to the sink failed or timed out. */
        SINK_FAILED,
        /** The relay refused what the source sent (too big: 1009; invalid UTF-8: 1007). */
        REFUSED,
        /** The source side was silent past its idle timeout. */
        SOURCE_SILENT
    }

    /**
     * What the relay sends each side when a session ends, and which side it cuts off: the one
     * place that chooses. {@code -1} means "send this side no close frame"; the codes are the ones
     * to put on the wire (already mapped for the JDK client upstream).
     *
     * @param closedBy who ended the session first: {@code client}, {@code upstream} or {@code relay}
     */
    public record Plan(int toClient, String clientReason, int toUpstream, String upstreamReason, Cut cut,
                       String closedBy) {
    }

    /** A side the relay drops at once instead of closing it. */
    public enum Cut { NONE, ABORT_UPSTREAM, DISCONNECT_CLIENT }

    /**
     * Chooses every close code of a session's end:
     * <table>
     * <caption>Pump direction and ending → what each side gets</caption>
     * <tr><th>direction (source → sink)</th><th>ending</th><th>client</th><th>upstream</th><th>cut</th></tr>
     * <tr><td>client → upstream</td><td>client's close frame</td><td>—</td><td>its code, {@link #toUpstream}</td><td></td></tr>
     * <tr><td>upstream → client</td><td>upstream's close frame</td><td>its code, {@link #toDownstream}</td><td>—</td><td></td></tr>
     * <tr><td>client → upstream</td><td>client lost</td><td>{@link #forFailure}</td><td>the same, mapped</td><td></td></tr>
     * <tr><td>upstream → client</td><td>upstream lost</td><td>{@link #forFailure} (1014)</td><td>—</td><td>abort upstream</td></tr>
     * <tr><td>client → upstream</td><td>upstream write failed</td><td>{@link #forFailure} (1014)</td><td>—</td><td>abort upstream</td></tr>
     * <tr><td>upstream → client</td><td>client write failed</td><td>—</td><td>{@link #forFailure}, mapped</td><td>disconnect client</td></tr>
     * <tr><td>client → upstream</td><td>refused</td><td>1009 / 1007</td><td>1001 (too big) / the client's code, mapped</td><td></td></tr>
     * <tr><td>upstream → client</td><td>refused</td><td>1014</td><td>1009 / 1007, mapped</td><td></td></tr>
     * <tr><td>either</td><td>source silent</td><td colspan="2">1001 to both, the silent side's reason "idle timeout"</td><td></td></tr>
     * </table>
     *
     * @param fromClient whether the source is the client (the pump writes upstream)
     * @param code       the close frame's code ({@link Ending#SOURCE_CLOSED} only)
     * @param reason     the close frame's reason ({@link Ending#SOURCE_CLOSED} only)
     * @param failure    what failed ({@code SOURCE_FAILED}, {@code SINK_FAILED}, {@code REFUSED}), else null
     */
    public static Plan plan(boolean fromClient, Ending ending, int code, String reason, Throwable failure) {
        return switch (ending) {
            case SOURCE_CLOSED -> fromClient
                    ? new Plan(-1, "", toUpstream(code), reason, Cut.NONE, "client")
                    : new Plan(toDownstream(code), reason, -1, "", Cut.NONE, "upstream");
            case SOURCE_FAILED -> {
                Status s = forFailure(failure, !fromClient);
                yield fromClient
                        ? new Plan(s.code(), s.reason(), toUpstream(s.code()), s.reason(), Cut.NONE, "client")
                        : new Plan(s.code(), s.reason(), -1, "", Cut.ABORT_UPSTREAM, "upstream");
            }
            case SINK_FAILED -> {
                Status s = forFailure(failure, fromClient);
                yield fromClient
                        ? new Plan(s.code(), s.reason(), -1, "", Cut.ABORT_UPSTREAM, "upstream")
                        : new Plan(-1, "", toUpstream(s.code()), s.reason(), Cut.DISCONNECT_CLIENT, "client");
            }
            case REFUSED -> {
                Status s = forFailure(failure, false);
                boolean tooBig = failure instanceof MessageTooBigException;
                yield fromClient
                        ? new Plan(s.code(), s.reason(), tooBig ? GOING_AWAY : toUpstream(s.code()),
                                tooBig ? "client message over the size limit" : s.reason(), Cut.NONE, "relay")
                        : new Plan(BAD_GATEWAY, tooBig ? "upstream message over the size limit" : "upstream sent invalid text",
                                toUpstream(s.code()), s.reason(), Cut.NONE, "relay");
            }
            case SOURCE_SILENT -> fromClient
                    ? new Plan(GOING_AWAY, "idle timeout", GOING_AWAY, "client idle timeout", Cut.NONE, "relay")
                    : new Plan(GOING_AWAY, "upstream idle timeout", GOING_AWAY, "idle timeout", Cut.NONE, "relay");
        };
    }

    /** {@code reason} cut to at most {@value #MAX_REASON_BYTES} UTF-8 bytes, never inside a character. */
    public static String truncate(String reason) {
        if (reason.length() * 3 <= MAX_REASON_BYTES) {
            return reason;
        }
        byte[] utf8 = reason.getBytes(StandardCharsets.UTF_8);
        if (utf8.length <= MAX_REASON_BYTES) {
            return reason;
        }
        int end = MAX_REASON_BYTES;
        while (end > 0 && (utf8[end] & 0xC0) == 0x80) {
            end--; // back off to the start of the character that does not fit
        }
        return new String(utf8, 0, end, StandardCharsets.UTF_8);
    }

    /** A message exceeded {@code relay.limits.max-message-bytes}; its sender gets 1009. */
    public static final class MessageTooBigException extends RelayException {
        @java.io.Serial
        private static final long serialVersionUID = 1L;

        public MessageTooBigException(long limitBytes) {
            super("message larger than " + limitBytes + " bytes");
        }
    }

    /** A text message was not valid UTF-8 (RFC 6455 §8.1); its sender gets 1007. */
    public static final class InvalidPayloadException extends RelayException {
        @java.io.Serial
        private static final long serialVersionUID = 1L;

        public InvalidPayloadException(String message) {
            super(message);
        }
    }
}
