package io.wsrelay.storage.sql;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.wsrelay.relay.config.ConfigValues;
import io.wsrelay.relay.spi.StoreException;
import org.jooq.SQLDialect;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Opens the HikariCP pools behind the store and the migrations, and reads facts off JDBC URLs. */
final class ConnectionPools {

    static final String H2_PREFIX = "jdbc:h2:";
    static final String POSTGRES_PREFIX = "jdbc:postgresql:";

    /** HikariCP refuses connection and validation timeouts below this. */
    private static final long HIKARI_MIN_TIMEOUT_MILLIS = 250;
    /** HikariCP's default; a longer check of an idle connection would only delay the caller. */
    private static final long MAX_VALIDATION_TIMEOUT_MILLIS = 5_000;
    /** How long opening an embedded file may retry while another process creates or locks it. */
    private static final long EMBEDDED_OPEN_MILLIS = 30_000;

    /**
     * H2's system property for the address its servers bind, the {@code AUTO_SERVER} one included,
     * which otherwise listens on every interface. Read once, when H2 first opens a database.
     */
    static final String H2_BIND_ADDRESS = "h2.bindAddress";
    /**
     * H2's {@code WRITE_DELAY} setting. At its default (500 ms) a commit reaches the file up to
     * half a second later, so a relay killed in that window loses writes it acknowledged; at 0
     * H2 writes each commit to the file before the commit returns (the operating system holds it
     * from then on, so it survives a crash of the process, though not of the machine).
     */
    static final String H2_WRITE_DELAY = "WRITE_DELAY";
    /** H2's {@code RETENTION_TIME} setting, see {@link #H2_RETENTION_MILLIS}. */
    static final String H2_RETENTION_TIME = "RETENTION_TIME";
    /**
     * How long, in milliseconds, H2 keeps the space of data no longer live before it writes over
     * it ({@code RETENTION_TIME}, H2's default 45,000). H2 writes each change to a new place in the
     * file (an update of a discovery row of 7 MB writes 50 MB), and with {@code WRITE_DELAY=0} it
     * never compacts the file while it is open, so at the default the file held every version of
     * the last 45 s: a row of 7 MB rewritten every 10 s grew the file to 260 to 660 MB. At 1 s the
     * file stays at two or three writes' worth. The time only protects data not yet on the disk
     * after a power cut, which {@code WRITE_DELAY=0} does not protect either; a killed process
     * loses nothing (each commit is in the file before it returns). Not 0: a zero retention is
     * reported to leave files that no longer open (H2 issues 2752 and 4083).
     */
    static final int H2_RETENTION_MILLIS = 1_000;
    /**
     * H2's system property for its JVM-wide caches of values and strings. At its default
     * ({@code true}) every string bound as a parameter lands in a table of 1,024 strings indexed
     * by hash and held by a soft reference, so each version of a large discovery row written stays
     * on the heap until the collector runs short of memory (a 6 MB row rewritten every flush kept
     * 20 to 25 old copies, 150 MB, live after full collections). Read once, when H2 is loaded.
     */
    static final String H2_OBJECT_CACHE = "h2.objectCache";

    static {
        // Strings written to the store are not kept after the write; whoever sets it explicitly
        // keeps their choice.
        if (System.getProperty(H2_OBJECT_CACHE) == null) {
            System.setProperty(H2_OBJECT_CACHE, "false");
        }
        // The AUTO_SERVER port lets processes on this machine share the file: loopback is enough,
        // and whoever sets the property explicitly keeps their choice.
        if (System.getProperty(H2_BIND_ADDRESS) == null) {
            System.setProperty(H2_BIND_ADDRESS, "127.0.0.1");
        }
    }

    private ConnectionPools() {
    }

    /**
     * {@code jdbcUrl}, for an embedded H2 file, with {@code ;WRITE_DELAY=0} appended unless it sets
     * its own, so that a commit is in the file when it returns, and {@code ;RETENTION_TIME=}{@value
     * #H2_RETENTION_MILLIS} unless it sets its own; any other URL unchanged.
     */
    static String durableUrl(String jdbcUrl) {
        if (embeddedDirectory(jdbcUrl).isEmpty()) {
            return jdbcUrl;
        }
        String url = jdbcUrl;
        String upper = jdbcUrl.toUpperCase(Locale.ROOT);
        if (!upper.contains(";" + H2_WRITE_DELAY + "=")) {
            url += ";" + H2_WRITE_DELAY + "=0";
        }
        if (!upper.contains(";" + H2_RETENTION_TIME + "=")) {
            url += ";" + H2_RETENTION_TIME + "=" + H2_RETENTION_MILLIS;
        }
        return url;
    }

    /**
     * The jOOQ dialect for {@code jdbcUrl}: {@code H2} for the embedded database, {@code POSTGRES}
     * for PostgreSQL.
     *
     * @throws StoreException if the URL is of any other database
     */
    static SQLDialect dialect(String jdbcUrl) {
        if (jdbcUrl.startsWith(H2_PREFIX)) {
            return SQLDialect.H2;
        }
        if (jdbcUrl.startsWith(POSTGRES_PREFIX)) {
            return SQLDialect.POSTGRES;
        }
        throw new StoreException("unsupported relay.store.jdbc-url " + redact(jdbcUrl) + ": expected "
                + POSTGRES_PREFIX + " or " + H2_PREFIX);
    }

    /**
     * Opens a fixed-size pool of {@code size} connections and waits for the first one.
     *
     * <p>Blocks up to {@code config.timeout()} (at least 250 ms, HikariCP's floor) for the first
     * connection; borrowing a connection later waits at most as long. For an embedded H2 file the
     * parent directory is created first.
     *
     * @throws StoreUnavailableException if the database cannot be reached in time
     * @throws StoreException            if the URL is unsupported or the pool cannot start otherwise
     */
    static HikariDataSource open(SqlStoreConfig config, int size, String poolName) {
        dialect(config.jdbcUrl()); // refuses other databases before any file or socket is touched
        embeddedDirectory(config.jdbcUrl()).ifPresent(ConnectionPools::createDirectories);
        long timeoutMillis = Math.max(HIKARI_MIN_TIMEOUT_MILLIS, config.timeout().toMillis());
        HikariConfig hikari = new HikariConfig();
        hikari.setPoolName(poolName);
        hikari.setJdbcUrl(durableUrl(config.jdbcUrl()));
        if (!config.user().isEmpty()) {
            hikari.setUsername(config.user());
        }
        if (!config.password().isEmpty()) {
            hikari.setPassword(config.password());
        }
        if (config.jdbcUrl().startsWith(POSTGRES_PREFIX)) {
            // Keeps the server's DETAIL ("Failing row contains (...)", which would include the
            // upstream headers) out of exception messages and so out of logs.
            hikari.addDataSourceProperty("logServerErrorDetail", "false");
        }
        // Fixed size, as HikariCP recommends: callers are virtual threads that park while they
        // wait for a connection, so the pool bounds the database's load, not the thread count.
        hikari.setMaximumPoolSize(size);
        hikari.setMinimumIdle(size);
        hikari.setConnectionTimeout(timeoutMillis);
        hikari.setValidationTimeout(Math.min(timeoutMillis, MAX_VALIDATION_TIMEOUT_MILLIS));
        // Fail at startup, within the store timeout, when the database is not there. An embedded
        // file gets longer: when two processes (a relay and a command) open a new file together,
        // H2 refuses the second with "Lock file recently modified" until the first has created it.
        hikari.setInitializationFailTimeout(embeddedDirectory(config.jdbcUrl()).isPresent()
                ? Math.max(timeoutMillis, EMBEDDED_OPEN_MILLIS) : timeoutMillis);
        boolean embedded = embeddedDirectory(config.jdbcUrl()).isPresent();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(EMBEDDED_OPEN_MILLIS);
        while (true) {
            try {
                return new HikariDataSource(hikari);
            } catch (RuntimeException e) {
                // Processes opening a new embedded file together race for H2's lock file; the loser
                // may fail fast with "Error opening database: Concurrent update" (H2 error 8000),
                // which Hikari does not retry. Try again until the embedded open deadline.
                if (!embedded || !isLockFileRace(e) || System.nanoTime() - deadline >= 0) {
                    throw StoreFailures.map("open pool on " + redact(config.jdbcUrl()), e);
                }
                pauseBeforeReopen();
            }
        }
    }

    /** H2's {@code ERROR_OPENING_DATABASE_1}: another process holds or is changing the lock file. */
    private static final int H2_ERROR_OPENING_DATABASE = 8000;
    /** Pause between two opens of an embedded file another process is locking. */
    private static final long REOPEN_PAUSE_MILLIS = 200;

    /** H2's {@code DATABASE_IS_CLOSED}: the process whose embedded server a connection went through exited. */
    private static final int H2_ERROR_DATABASE_IS_CLOSED = 90121;
    /**
     * H2's {@code CONNECTION_BROKEN_1} ("Connection is broken: session closed"): the same exit, seen
     * by a connection in the middle of a statement rather than at its start.
     */
    private static final int H2_ERROR_CONNECTION_BROKEN = 90067;

    /**
     * Whether {@code failure} on an embedded file means the process that served it to this one
     * exited (H2 {@code AUTO_SERVER}): opening again makes this process, or another, the server.
     */
    static boolean embeddedServerWentAway(String jdbcUrl, Throwable failure) {
        if (embeddedDirectory(jdbcUrl).isEmpty()) {
            return false;
        }
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && (sql.getErrorCode() == H2_ERROR_DATABASE_IS_CLOSED
                    || sql.getErrorCode() == H2_ERROR_CONNECTION_BROKEN)) {
                return true;
            }
        }
        return false;
    }

    /** The deadline, in {@link System#nanoTime()} terms, for opening an embedded file started now. */
    static long embeddedOpenDeadline() {
        return System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(EMBEDDED_OPEN_MILLIS);
    }

    private static boolean isLockFileRace(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && sql.getErrorCode() == H2_ERROR_OPENING_DATABASE) {
                return true;
            }
        }
        return false;
    }

    static void pauseBeforeReopen() {
        try {
            Thread.sleep(REOPEN_PAUSE_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted while opening the embedded database", e);
        }
    }

    /** The JDBC query timeout for a store timeout: whole seconds, rounded up, at least 1. */
    static int queryTimeoutSeconds(Duration timeout) {
        long millis = Math.max(1, timeout.toMillis());
        return Math.toIntExact(Math.max(1, (millis + 999) / 1000));
    }

    /**
     * The directory an embedded H2 file database lives in, or empty for anything else (PostgreSQL,
     * H2 in memory or over TCP).
     */
    static Optional<Path> embeddedDirectory(String jdbcUrl) {
        if (!jdbcUrl.startsWith(H2_PREFIX)) {
            return Optional.empty();
        }
        String name = jdbcUrl.substring(H2_PREFIX.length());
        int settings = name.indexOf(';');
        if (settings >= 0) {
            name = name.substring(0, settings);
        }
        String lower = name.toLowerCase(Locale.ROOT);
        if (lower.startsWith("mem:") || lower.startsWith("tcp:") || lower.startsWith("ssl:")
                || lower.startsWith("zip:")) {
            return Optional.empty();
        }
        if (lower.startsWith("file:")) {
            name = name.substring("file:".length());
        }
        if (name.startsWith("~")) {
            name = System.getProperty("user.home") + name.substring(1);
        }
        if (name.isEmpty()) {
            return Optional.empty();
        }
        return Optional.ofNullable(Path.of(name).toAbsolutePath().getParent());
    }

    /**
     * {@code jdbcUrl} without its parameters, which may hold a password, and with the password of
     * its user information masked ({@code jdbc:postgresql://user:***@host/db}); for logs and messages.
     */
    static String redact(String jdbcUrl) {
        int end = jdbcUrl.length();
        for (char c : new char[] {'?', ';'}) {
            int i = jdbcUrl.indexOf(c);
            if (i >= 0 && i < end) {
                end = i;
            }
        }
        return ConfigValues.redact(jdbcUrl.substring(0, end));
    }

    private static void createDirectories(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new StoreException("cannot create the embedded database directory " + dir, e);
        }
    }
}
