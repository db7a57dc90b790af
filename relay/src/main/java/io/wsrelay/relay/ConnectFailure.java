package io.wsrelay.relay;

import java.net.ConnectException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.util.Locale;

/**
 * A failed connection by the command line's clients ({@code send}, {@code sessions},
 * {@code discovery}) in an operator's words: "connection refused", "the host does not resolve",
 * never a class name or {@code null}. The JDK's HTTP and WebSocket clients report most failures
 * as a {@link ConnectException} without a message, whose cause says what happened. Stateless.
 */
public final class ConnectFailure {
    private ConnectFailure() {
    }

    /** The cause of {@code failure} in words, e.g. {@code connection refused}. */
    public static String reason(Throwable failure) {
        // A failed lookup first: the JDK wraps it in a ConnectException, which is not a refusal.
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof UnresolvedAddressException || t instanceof UnknownHostException) {
                return "the host does not resolve";
            }
        }
        for (Throwable t = failure; t != null; t = t.getCause()) {
            String known = switch (t) {
                case HttpConnectTimeoutException x -> "connect timed out";
                case HttpTimeoutException x -> "no answer in time";
                case ConnectException x -> x.getMessage() == null || x.getMessage().equalsIgnoreCase("Connection refused")
                        ? "connection refused" : x.getMessage().toLowerCase(Locale.ROOT);
                case javax.net.ssl.SSLException x -> "TLS handshake failed: " + x.getMessage();
                default -> null;
            };
            if (known != null) {
                return known;
            }
        }
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t.getMessage() != null) {
                return t.getMessage();
            }
        }
        return failure.getClass().getSimpleName();
    }
}
