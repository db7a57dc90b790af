package io.wsrelay.relay;

import java.io.Serial;

/**
 * The upstream WebSocket could not be opened: refused, unreachable, timed out, or its opening
 * handshake was answered with something other than {@code 101}. Carries the HTTP status the
 * client's upgrade is refused with: 502 (bad gateway) or 504 (gateway timeout).
 */
public class UpstreamConnectException extends UpgradeRejectedException {
    @Serial
    private static final long serialVersionUID = 1L;

    public UpstreamConnectException(int status, String error, String detail, Throwable cause) {
        super(status, error, detail, cause);
    }
}
