package io.wsrelay.relay;

import io.wsrelay.relay.spi.Endpoint;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What one relayed session shows API discovery ({@code io.wsrelay.relay.discovery}): the pumps
 * hand each message part to a {@link Messages} tap on their write path, and the session reports
 * its end. The relay core knows only this interface; with capture off there is no tap at all
 * (the pump writes to its sink directly, so the hot path is the one it was before discovery).
 *
 * <p>{@link #ended} is called at most once, after both pumps have returned.
 */
public interface SessionTap {

    /** The tap for client → upstream parts; called by that direction's pump thread only. */
    Messages toUpstream();

    /** The tap for upstream → client parts; called by that direction's pump thread only. */
    Messages toDownstream();

    /**
     * The session has finished: both pumps have returned, so every part was seen.
     *
     * @param codeToClient   close code the relay sent the client, or -1 if none was sent
     * @param codeToUpstream close code the relay sent the upstream, or -1 if none was sent
     * @param closedBy       {@code client}, {@code upstream} or {@code relay}
     * @param duration       from the opening handshake to the end of both pumps
     */
    void ended(int codeToClient, int codeToUpstream, String closedBy, Duration duration);

    /**
     * One direction's parts, in order, each just before the pump writes it. Called by one pump
     * thread only, never concurrently. Implementations must return at once: never block, never
     * keep {@code part} (copy what they need), never move a buffer's position or limit.
     */
    interface Messages {
        /** A text part of {@code bytes} bytes in UTF-8; {@code last} ends the message. */
        void text(CharSequence part, long bytes, boolean last);

        /** A binary part, from its position to its limit, which are left as they were; {@code last} ends the message. */
        void binary(ByteBuffer part, boolean last);
    }

    /**
     * An opening handshake as discovery records it.
     *
     * @param sessionId the relay's session id, or 0 for a handshake refused before it had one
     * @param endpoint  the endpoint (its capture mode decides what is recorded)
     * @param path      the path after {@code /ws-proxy}, as the client sent it (percent-encoded)
     * @param rawQuery  the query as the client sent it, {@code endpointId} included, or null;
     *                  discovery keeps parameter names only, never values
     * @param offered   subprotocols the client offered, in its order
     * @param chosen    the subprotocol the upstream chose, or null
     * @param status    HTTP status the client got: 101, or the refusal's status
     * @param error     the refusal's error name, or null for 101
     */
    record Opening(long sessionId, Endpoint endpoint, String path, String rawQuery, List<String> offered,
                   String chosen, int status, String error) {
        public Opening {
            Objects.requireNonNull(endpoint, "endpoint");
            Objects.requireNonNull(path, "path");
            offered = List.copyOf(offered);
        }
    }

    /** Makes taps for sessions whose endpoint has capture on; one per relay. Thread-safe. */
    interface Factory {
        /** Taps nothing: every {@link #open} answers null. */
        Factory NONE = new Factory() {
            @Override
            public SessionTap open(Opening opening) {
                return null;
            }

            @Override
            public void refused(Opening opening) {
            }
        };

        /**
         * A tap for a session whose upstream has accepted; never blocks.
         *
         * @return the tap, or null when the endpoint's capture is off (or discovery is full)
         */
        SessionTap open(Opening opening);

        /** Records a refused opening handshake (of an endpoint with capture on); never blocks. */
        void refused(Opening opening);
    }
}
