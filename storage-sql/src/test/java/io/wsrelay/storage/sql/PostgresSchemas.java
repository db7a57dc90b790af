package io.wsrelay.storage.sql;


import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;

/**
 * Fresh, uniquely named schemas in the test PostgreSQL database, dropped on {@link #close()}.
 *
 * <p>The server is {@code -Dwsrelay.test.postgres.url} (default
 * {@value #DEFAULT_URL}), user {@code -Dwsrelay.test.postgres.user} (default
 * {@code postgres}). A server that is not running fails the test with how to start it; it is
 * never skipped.
 */
public final class PostgresSchemas implements AutoCloseable {

    static final String DEFAULT_URL = "jdbc:postgresql://127.0.0.1:5432/test";
    static final String START_COMMAND = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start";

    private final String url = System.getProperty("wsrelay.test.postgres.url", DEFAULT_URL);
    private final String user = System.getProperty("wsrelay.test.postgres.user", "postgres");
    private final String password = System.getProperty("wsrelay.test.postgres.password", "");
    private final List<String> created = new ArrayList<>();

    /**
     * Creates a new schema and returns store settings whose connections use it as their current
     * schema.
     *
     * @throws AssertionError if PostgreSQL cannot be reached, saying how to start it
     */
    public SqlStoreConfig create() {
        String schema = "wsrelay_it_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        execute("CREATE SCHEMA " + schema);
        created.add(schema);
        return new SqlStoreConfig(url + (url.contains("?") ? "&" : "?") + "currentSchema=" + schema,
                user, password, 8, Timeouts.STORE, true);
    }

    /** Drops every schema this instance created, with what is in it. */
    @Override
    public void close() {
        for (String schema : created) {
            execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }
        created.clear();
    }

    private void execute(String sql) {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new AssertionError("'" + sql + "' failed on " + url + ": " + e.getMessage(), e);
        }
    }

    private Connection connect() {
        Properties properties = new Properties();
        properties.setProperty("user", user);
        properties.setProperty("password", password);
        properties.setProperty("loginTimeout", Long.toString(Timeouts.STORE.toSeconds()));
        try {
            return DriverManager.getConnection(url, properties);
        } catch (SQLException e) {
            throw new AssertionError("PostgreSQL is not reachable at " + url + " as " + user + " ("
                    + e.getMessage() + "). The storage-sql integration tests need it; start it with: "
                    + START_COMMAND, e);
        }
    }
}
