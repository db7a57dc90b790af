package io.wsrelay.storage.sql;

import io.wsrelay.relay.spi.StoreException;
import io.wsrelay.relay.spi.StoreUnavailableException;
import org.flywaydb.core.api.FlywayException;
import org.jooq.exception.DataAccessException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.ConnectException;
import java.sql.SQLException;
import java.sql.SQLTimeoutException;
import java.sql.SQLTransientConnectionException;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StoreFailuresTest {

    /** How jOOQ wraps a driver's exception. */
    private static DataAccessException jooq(Throwable cause) {
        return new DataAccessException("SQL [select 1]; " + cause.getMessage(), cause);
    }

    @Test
    void poolTimeoutIsUnavailable() {
        var e = StoreFailures.map("lookup",
                jooq(new SQLTransientConnectionException("wsrelay-sql - Connection is not available")));
        assertInstanceOf(StoreUnavailableException.class, e);
    }

    @ParameterizedTest
    @ValueSource(strings = {"08001", "08006", "57014", "57P01", "53300", "90067", "90098"})
    void connectionLossRefusalAndTimeoutStatesAreUnavailable(String sqlState) {
        assertTrue(StoreFailures.isUnavailable(jooq(new SQLException("driver says no", sqlState))));
    }

    @ParameterizedTest
    @ValueSource(strings = {"23505", "23514", "42P01", "42102", "22001"})
    void dataAndSchemaErrorsAreNotUnavailable(String sqlState) {
        assertFalse(StoreFailures.isUnavailable(jooq(new SQLException("driver says no", sqlState))));
    }

    @Test
    void queryTimeoutIsUnavailable() {
        assertTrue(StoreFailures.isUnavailable(jooq(new SQLTimeoutException("statement timed out"))));
    }

    @Test
    void networkFailureDeepInTheCauseChainIsUnavailable() {
        var refused = new SQLException("connect failed", null, new ConnectException("Connection refused"));
        assertTrue(StoreFailures.isUnavailable(new FlywayException("Unable to obtain connection", refused)));
    }

    @Test
    void otherFailureIsAStoreExceptionKeepingItsCause() {
        var cause = jooq(new SQLException("relation \"endpoint\" does not exist", "42P01"));
        StoreException e = StoreFailures.map("lookup", cause);
        assertAll(
                () -> assertEquals(StoreException.class, e.getClass()),
                () -> assertSame(cause, e.getCause()),
                () -> assertTrue(e.getMessage().startsWith("lookup failed: ")));
    }

    @Test
    void unavailableKeepsItsCauseToo() {
        var cause = jooq(new SQLException("Connection refused", "08001"));
        assertSame(cause, StoreFailures.map("ping", cause).getCause());
    }
}
