package io.wsrelay.relay;

import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;

/**
 * Jetty's own refusals (a request head over the size limit 431, a URI too long 414, a malformed
 * request 400) in the relay's JSON form {@code {"error": "...", "detail": "..."}} instead of
 * Jetty's HTML page, with a log line. Thread-safe.
 */
final class JsonErrorHandler extends ErrorHandler {
    private static final Logger LOG = LoggerFactory.getLogger(JsonErrorHandler.class);

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
                                    Callback callback) {
        String reason = HttpStatus.getMessage(code);
        String error = reason == null ? "http_" + code
                : reason.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_").replaceAll("^_|_$", "");
        String detail = message == null || message.isEmpty() ? (reason == null ? "refused" : reason) : message;
        LOG.info("request refused by the HTTP layer: status={} error={} client={} detail={}", code, error,
                Request.getRemoteAddr(request), LogText.safe(detail));
        Json.writeError(response, callback, code, error, detail);
    }
}
