package io.wsrelay.relay;

import java.io.Serial;

/**
 * An opening handshake the relay refuses before sending {@code 101}: carries the HTTP status,
 * a stable machine-readable error name and a short detail for the JSON body
 * {@code {"error": "...", "detail": "..."}}.
 */
public class UpgradeRejectedException extends RelayException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String error;
    private final long retryAfterSeconds;

    public UpgradeRejectedException(int status, String error, String detail) {
        this(status, error, detail, null, 0);
    }

    public UpgradeRejectedException(int status, String error, String detail, Throwable cause) {
        this(status, error, detail, cause, 0);
    }

    /**
     * @param retryAfterSeconds sent as {@code Retry-After} when positive (429 rate limits)
     */
    public UpgradeRejectedException(int status, String error, String detail, Throwable cause, long retryAfterSeconds) {
        super(detail, cause);
        this.status = status;
        this.error = error;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** Seconds the client should wait before trying again ({@code Retry-After}); 0 when not said. */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    /** The HTTP status of the refusal (400, 403, 404, 429, 502, 503, 504). */
    public int status() {
        return status;
    }

    /** Stable error name, e.g. {@code endpoint_not_found}. */
    public String error() {
        return error;
    }

    /** Human-readable detail; never contains payloads, tokens or query strings. */
    public String detail() {
        return getMessage();
    }
}
