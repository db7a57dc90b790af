package io.wsrelay.storage.sql;

import io.wsrelay.relay.spi.StoreException;
import io.wsrelay.relay.spi.StoreUnavailableException;

import java.io.IOException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.util.Set;

/**
 * The one place that decides whether a database failure means "unavailable" (the relay answers
 * 503) or "failed" (any other store error).
 */
final class StoreFailures {

    /**
     * SQLSTATE classes of an unreachable or overloaded server: 08 connection exception (refused,
     * lost), 53 insufficient resources (e.g. too many connections), 57 operator intervention
     * (57014 statement cancelled by the query timeout, 57P01 server shutting down).
     */
    private static final Set<String> UNAVAILABLE_CLASSES = Set.of("08", "53", "57");
    /**
     * H2's own codes for the same: 90067 connection broken, 90098 database closed, 90121 database
     * called at shutdown.
     */
    private static final Set<String> UNAVAILABLE_H2_STATES = Set.of("90067", "90098", "90121");
    /** Guards against cyclic cause chains. */
    private static final int MAX_CAUSE_DEPTH = 32;

    private StoreFailures() {
    }

    /**
     * Wraps {@code failure} for the caller, keeping it as the cause.
     *
     * @param operation what was attempted, for the message (never includes values)
     * @return a {@link StoreUnavailableException} if {@link #isUnavailable} holds, otherwise a
     *         {@link StoreException}; the message has the driver's text only for the former
     */
    static StoreException map(String operation, Throwable failure) {
        // A connection-level message (refused, timed out) helps the operator and holds no row;
        // a statement's error may quote the values it was given (header values), so it is
        // described by type and SQLSTATE only (the cause keeps the rest, for a debugger).
        return isUnavailable(failure)
                ? new StoreUnavailableException(operation + " failed: " + failure.getMessage(), failure)
                : new StoreException(operation + " failed: " + describe(failure), failure);
    }

    /**
     * What went wrong, for a log line: the type of each exception in the cause chain and any
     * SQLSTATE, e.g. {@code DataAccessException > SQLTransientConnectionException}; never a
     * message, which may quote values or statements.
     */
    static String describe(Throwable failure) {
        StringBuilder out = new StringBuilder();
        Throwable t = failure;
        for (int depth = 0; t != null && depth < MAX_CAUSE_DEPTH; depth++, t = t.getCause()) {
            if (!out.isEmpty()) {
                out.append(" > ");
            }
            out.append(t.getClass().getSimpleName());
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                out.append(" SQLSTATE ").append(sql.getSQLState());
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return out.toString();
    }

    /**
     * Whether anything in the cause chain says the database could not be reached or did not
     * answer in time: a pool timeout ({@link java.sql.SQLTransientConnectionException}), any
     * transient or connection-level {@link SQLException}, a connection-class SQLSTATE, or a
     * network {@link IOException}.
     */
    static boolean isUnavailable(Throwable failure) {
        Throwable t = failure;
        for (int depth = 0; t != null && depth < MAX_CAUSE_DEPTH; depth++, t = t.getCause()) {
            if (t instanceof SQLTransientException
                    || t instanceof SQLNonTransientConnectionException
                    || t instanceof SQLRecoverableException
                    || t instanceof IOException) {
                return true;
            }
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                String state = sql.getSQLState();
                if (state.length() >= 2 && UNAVAILABLE_CLASSES.contains(state.substring(0, 2))
                        || UNAVAILABLE_H2_STATES.contains(state)) {
                    return true;
                }
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }
}
