package io.wsrelay.storage.sql;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.zaxxer.hikari.HikariDataSource;
import io.wsrelay.relay.spi.Endpoint;
import io.wsrelay.relay.spi.EndpointStatus;
import io.wsrelay.relay.spi.EndpointStore;
import io.wsrelay.relay.spi.StoreException;
import io.wsrelay.relay.spi.StoreUnavailableException;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.conf.RenderQuotedNames;
import org.jooq.conf.Settings;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import static io.wsrelay.storage.sql.db.Tables.ENDPOINT;

/**
 * An {@link EndpointStore} on a SQL database: PostgreSQL, or the embedded H2 file (PostgreSQL
 * mode) that serves as the zero-setup default. The schema comes from the Flyway scripts in
 * {@code wsrelay-migrations}; this class does not migrate (see {@link SqlEndpointStoreProvider}).
 *
 * <p>Lifecycle: {@link #create} opens a fixed pool of {@code relay.store.pool-size} connections
 * and {@link #close} releases it. Safe for any number of concurrent callers; callers beyond the
 * pool size wait for a connection, each for at most {@code relay.store.timeout}, and each
 * statement then runs under a JDBC query timeout of the same length rounded up to whole seconds.
 * A call can therefore block for about twice the store timeout at worst.
 *
 * <p>Several processes may share the embedded file at once (H2's {@code AUTO_SERVER}, in the
 * default URL): the command line changes endpoints while the relay runs, and each sees the
 * other's writes at once.
 *
 * <p>Outages are logged by this store, once each: a WARN when a statement first finds the
 * database unreachable, an INFO when one succeeds again; messages name the failure's type and
 * SQLSTATE, never the driver's text (which may quote values).
 *
 * <p>Failures: an unreachable or timed-out database raises {@link StoreUnavailableException};
 * any other database error raises {@link StoreException}; both keep the driver's exception as
 * the cause. Not-found is {@code Optional.empty()} or {@code false}, never an exception.
 */
public final class SqlEndpointStore implements EndpointStore {

    private static final Logger LOG = LoggerFactory.getLogger(SqlEndpointStore.class);
    /** SQLSTATE of a unique key violation, the same on PostgreSQL and H2. */
    private static final String UNIQUE_VIOLATION = "23505";

    /**
     * How long an id the database did not hold is answered as unknown without asking again. Short,
     * because another process (the command line) may add it meanwhile, which this store does not
     * hear of; writes through this store forget the id at once.
     */
    public static final Duration NEGATIVE_TTL = Duration.ofSeconds(2);
    /**
     * Unknown ids remembered at most; a flood of distinct bogus ids pushes the oldest out (each
     * entry is an id of at most 64 characters, so a few MiB at worst).
     */
    public static final int NEGATIVE_MAX_IDS = 10_000;

    private final HikariDataSource pool;
    private final DSLContext db;
    private final String url;
    private final AtomicBoolean closed = new AtomicBoolean();
    /**
     * Whether the last statement found the database unreachable: judged by the database's own
     * answers, so an outage is one WARN when it starts and one INFO when it ends, however many
     * lookups a cache in front answers meanwhile.
     */
    private final AtomicBoolean unreachable = new AtomicBoolean();
    /** Ids found unknown, or null when negative caching is off. */
    private final Cache<String, Boolean> unknown;
    private final Duration negativeTtl;
    /**
     * Counts writes through this store: a lookup caches "unknown" only if no write finished while
     * it ran, so a lookup that read just before an insert cannot hide the inserted endpoint.
     */
    private final AtomicLong writes = new AtomicLong();
    private final SqlDiscoveryStore discovery;

    private SqlEndpointStore(HikariDataSource pool, DSLContext db, String url, Duration negativeTtl) {
        this.pool = pool;
        this.db = db;
        this.url = url;
        this.negativeTtl = negativeTtl;
        this.unknown = negativeTtl.isZero() ? null : Caffeine.newBuilder()
                .maximumSize(NEGATIVE_MAX_IDS)
                .expireAfterWrite(negativeTtl)
                // Upkeep on the calling thread: no ForkJoinPool tasks, nothing outlives close.
                .executor(Runnable::run)
                .build();
        this.discovery = new SqlDiscoveryStore(db, closed::get);
    }

    /**
     * Opens a store on {@code config.jdbcUrl()} without migrating it; for explicit wiring, such as
     * a caching store that wraps this one. The launcher goes through
     * {@link SqlEndpointStoreProvider#create}, which migrates first when asked to.
     *
     * <p>Blocks until the pool holds its first connection, at most {@code config.timeout()}
     * (HikariCP's floor is 250 ms). For an embedded H2 file the directory is created if missing.
     *
     * @param config JDBC URL ({@code jdbc:postgresql:} or {@code jdbc:h2:}), credentials, pool
     *               size (connections, at least 1) and timeout
     * @return an open store; the caller closes it
     * @throws StoreUnavailableException if the database cannot be reached within the timeout
     * @throws StoreException            if the URL is of an unsupported database, or the pool
     *                                   cannot be opened for another reason
     * @throws NullPointerException      if {@code config} is null
     */
    public static SqlEndpointStore create(SqlStoreConfig config) throws StoreException {
        return create(config, NEGATIVE_TTL);
    }

    /**
     * As {@link #create(SqlStoreConfig)}, with unknown ids cached for {@code negativeTtl}
     * ({@link Duration#ZERO}: not at all, for a caching store in front that caches them itself and
     * hears of other nodes' writes, which this store would not).
     *
     * @throws IllegalArgumentException if {@code negativeTtl} is negative
     */
    public static SqlEndpointStore create(SqlStoreConfig config, Duration negativeTtl) throws StoreException {
        Objects.requireNonNull(config, "config");
        if (negativeTtl.isNegative()) {
            throw new IllegalArgumentException("negativeTtl must be >= 0, was " + negativeTtl);
        }
        SQLDialect dialect = ConnectionPools.dialect(config.jdbcUrl());
        Settings settings = new Settings()
                .withQueryTimeout(ConnectionPools.queryTimeoutSeconds(config.timeout()))
                // Unquoted names fold to the schema's lower case on PostgreSQL and on H2 with
                // DATABASE_TO_LOWER, and to upper case on an H2 URL without it: both match.
                .withRenderQuotedNames(RenderQuotedNames.NEVER)
                // jOOQ's execute logging prints bind values, and upstream headers hold secrets.
                .withExecuteLogging(false);
        HikariDataSource pool = ConnectionPools.open(config, config.poolSize(), "wsrelay-sql");
        String url = ConnectionPools.redact(config.jdbcUrl());
        LOG.info("SQL endpoint store open: url={}, dialect={}, poolSize={}, timeout={}",
                url, dialect, config.poolSize(), config.timeout());
        return new SqlEndpointStore(pool, DSL.using(pool, dialect, settings), url, negativeTtl);
    }

    /**
     * {@inheritDoc}
     *
     * <p>An id longer than {@link Endpoint#MAX_ID_LENGTH} characters is answered with empty
     * without asking the database. So is an id the database did not hold in the last
     * {@link #NEGATIVE_TTL} (at most {@value #NEGATIVE_MAX_IDS} such ids are remembered), unless
     * a write through this store has named it since: a flood of upgrades for one bogus id costs
     * one query per TTL, not one per upgrade. An id added by another process may therefore be
     * answered as unknown for up to the TTL.
     */
    @Override
    public Optional<Endpoint> lookup(String id) throws StoreException {
        Objects.requireNonNull(id, "id");
        if (id.length() > Endpoint.MAX_ID_LENGTH) {
            return Optional.empty();
        }
        if (unknown != null && unknown.getIfPresent(id) != null) {
            return Optional.empty();
        }
        long writesBefore = writes.get();
        Optional<Endpoint> found = call("lookup", () -> db.selectFrom(ENDPOINT)
                .where(ENDPOINT.ID.eq(id))
                .fetchOptional()
                .map(EndpointRecords::toEndpoint));
        if (found.isEmpty() && unknown != null && writes.get() == writesBefore) {
            unknown.put(id, Boolean.TRUE);
        }
        return found;
    }

    /** Unknown ids cached now; for tests. */
    long unknownIdsCached() {
        if (unknown == null) {
            return 0;
        }
        unknown.cleanUp();
        return unknown.estimatedSize();
    }

    /**
     * {@inheritDoc}
     *
     * <p>Stores {@code createdAt} and {@code updatedAt} as given, cut to the microsecond.
     *
     * @throws StoreException also if a setting does not fit its column (e.g. more than 8192
     *                        characters of headers as JSON); nothing is written then
     */
    @Override
    public boolean insert(Endpoint endpoint) throws StoreException {
        var row = EndpointRecords.toRecord(endpoint);
        return write("insert", row.getId(), () -> {
            try {
                return db.insertInto(ENDPOINT).set(row).onConflictDoNothing().execute() == 1;
            } catch (DataAccessException e) {
                // Two inserts of one id racing past H2's MERGE emulation of ON CONFLICT.
                if (UNIQUE_VIOLATION.equals(e.sqlState())) {
                    return false;
                }
                throw e;
            }
        });
    }

    /**
     * {@inheritDoc}
     *
     * <p>{@code updatedAt} becomes the database's current time; the endpoint's own
     * {@code createdAt} and {@code updatedAt} are ignored.
     *
     * @throws StoreException also if a setting does not fit its column; nothing is written then
     */
    @Override
    public boolean update(Endpoint endpoint) throws StoreException {
        var row = EndpointRecords.toRecord(endpoint);
        return write("update", row.getId(), () -> db.update(ENDPOINT)
                .set(ENDPOINT.DESTINATION_URL, row.getDestinationUrl())
                .set(ENDPOINT.STATUS, row.getStatus())
                .set(ENDPOINT.ALLOWED_HOSTS, row.getAllowedHosts())
                .set(ENDPOINT.ALLOWED_ORIGINS, row.getAllowedOrigins())
                .set(ENDPOINT.MAX_CONNECTIONS, row.getMaxConnections())
                .set(ENDPOINT.UPSTREAM_HEADERS, row.getUpstreamHeaders())
                .set(ENDPOINT.UPSTREAM_ORIGIN, row.getUpstreamOrigin())
                .set(ENDPOINT.TRUSTED_CA, row.getTrustedCa())
                .set(ENDPOINT.CAPTURE, row.getCapture())
                .set(ENDPOINT.LIVE_SESSIONS, row.getLiveSessions())
                .set(ENDPOINT.UPDATED_AT, DSL.currentOffsetDateTime())
                .where(ENDPOINT.ID.eq(row.getId()))
                .execute() == 1);
    }

    /** {@inheritDoc} <p>Also sets {@code updatedAt} to the database's current time. */
    @Override
    public boolean setStatus(String id, EndpointStatus status) throws StoreException {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(status, "status");
        return write("setStatus", id, () -> db.update(ENDPOINT)
                .set(ENDPOINT.STATUS, status.name())
                .set(ENDPOINT.UPDATED_AT, DSL.currentOffsetDateTime())
                .where(ENDPOINT.ID.eq(id))
                .execute() == 1);
    }

    @Override
    public boolean remove(String id) throws StoreException {
        Objects.requireNonNull(id, "id");
        return write("remove", id, () -> db.deleteFrom(ENDPOINT).where(ENDPOINT.ID.eq(id)).execute() == 1);
    }

    /** {@inheritDoc} <p>The order is the database's: its collation decides, as for ORDER BY. */
    @Override
    public List<Endpoint> list() throws StoreException {
        return call("list", () -> db.selectFrom(ENDPOINT)
                .orderBy(ENDPOINT.ID)
                .fetch(EndpointRecords::toEndpoint));
    }

    /** {@inheritDoc} <p>The table {@code discovery_aggregate} of the same database. */
    @Override
    public Optional<io.wsrelay.relay.spi.DiscoveryStore> discovery() {
        return Optional.of(discovery);
    }

    /** {@inheritDoc} <p>Borrows a connection and runs {@code SELECT 1}. */
    @Override
    public void ping() throws StoreException {
        call("ping", () -> db.selectOne().execute());
    }

    /** Closes the pool; later calls fail with {@link StoreUnavailableException}. Idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            pool.close();
            LOG.info("SQL endpoint store closed: url={}", url);
        }
    }

    @Override
    public String toString() {
        return "SqlEndpointStore{url=" + url + ", dialect=" + db.dialect() + ", poolSize="
                + pool.getMaximumPoolSize() + ", negativeCache=" + (unknown == null ? "off" : negativeTtl)
                + ", closed=" + closed.get() + "}";
    }

    /** {@link #call}, then forgets that {@code id} was unknown, whether the write succeeded or not. */
    private <T> T write(String operation, String id, Supplier<T> action) {
        try {
            return call(operation, action);
        } finally {
            writes.incrementAndGet();
            if (unknown != null) {
                unknown.invalidate(id);
            }
        }
    }

    private <T> T call(String operation, Supplier<T> action) {
        if (closed.get()) {
            throw new StoreUnavailableException(operation + " failed: the store is closed");
        }
        T result;
        try {
            result = action.get();
        } catch (DataAccessException e) {
            StoreException failure = StoreFailures.map(operation, e);
            if (failure instanceof StoreUnavailableException && unreachable.compareAndSet(false, true)) {
                LOG.warn("database {} unreachable ({} failed: {}); lookups no cache can answer get 503 "
                        + "meanwhile", url, operation, StoreFailures.describe(e));
            }
            LOG.debug("{} on {} failed: {}", operation, url, StoreFailures.describe(e));
            throw failure;
        }
        if (unreachable.compareAndSet(true, false)) {
            LOG.info("database {} answers again", url);
        }
        return result;
    }
}
