package io.wsrelay.relay;

import java.time.Duration;

/**
 * What a finished session did, for its close log line and the metrics. Never holds payloads,
 * query strings or header values.
 *
 * @param id                 the session id (unique within the process)
 * @param endpointId         the endpoint relayed to
 * @param client             the client's address and port as the relay saw it
 * @param upstream           the upstream's host and port (no path, no query)
 * @param duration           from the opening handshake (upstream connect included) to the end of
 *                           both pumps
 * @param bytesToUpstream    payload bytes relayed from the client to the upstream (text as UTF-8)
 * @param bytesToClient      payload bytes relayed from the upstream to the client
 * @param messagesToUpstream whole messages relayed from the client to the upstream
 * @param messagesToClient   whole messages relayed from the upstream to the client
 * @param codeToClient       close code the relay sent the client; {@link #NONE} if the connection
 *                           was cut without a close frame
 * @param codeToUpstream     close code the relay sent the upstream; {@link #NONE} likewise
 * @param closedBy           who ended the session first: {@code client}, {@code upstream} or
 *                           {@code relay} (limits, failures, shutdown)
 */
public record SessionSummary(
        long id,
        String endpointId,
        String client,
        String upstream,
        Duration duration,
        long bytesToUpstream,
        long bytesToClient,
        long messagesToUpstream,
        long messagesToClient,
        int codeToClient,
        int codeToUpstream,
        String closedBy) {

    /** A close code that was never sent. */
    public static final int NONE = -1;
}
