package io.killkrill.metricsworker.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.killkrill.metricsworker.aggregate.SeriesWindow;
import io.killkrill.metricsworker.aggregate.WindowAccumulator;
import io.killkrill.metricsworker.aggregate.WindowTotals;
import io.killkrill.metricsworker.store.entity.AppliedEntries;
import io.killkrill.metricsworker.store.entity.WindowAggregate;
import org.flywaydb.core.Flyway;
import org.hibernate.SessionFactory;
import org.hibernate.cfg.Configuration;
import org.hibernate.tool.schema.spi.SchemaManagementException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The aggregates in PostgreSQL, through Hibernate. Start-up migrates the schema (Flyway) and has Hibernate
 * validate the mapping against it. {@link #begin} opens the one write, an {@link ApplyTransaction}: it records which
 * samples are applied, so that those applied before are skipped, and merges the rest into their window rows under
 * row locks.
 */
public final class AggregateStore implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AggregateStore.class);

    private final HikariDataSource dataSource;
    private final SessionFactory sessionFactory;
    private final String schema;
    private final AppliedEntryLedger ledger;
    private final WindowRowMerger merger;
    private final AggregateQueries queries;

    /**
     * Connects, migrates and validates; throws {@link SchemaMismatchException} when the mapping does not fit.
     * {@code connectTimeout} bounds each wait for a connection, so also how long start-up tries an unreachable
     * PostgreSQL (the migration asks for a connection twice).
     */
    public AggregateStore(String jdbcUrl, String user, String password, String schema, int poolSize,
                          Duration connectTimeout) {
        this.schema = schema;
        HikariConfig hikari = new HikariConfig();
        hikari.setJdbcUrl(jdbcUrl);
        hikari.setUsername(user);
        hikari.setPassword(password);
        hikari.setMaximumPoolSize(poolSize);
        hikari.setMinimumIdle(1);
        hikari.setConnectionTimeout(connectTimeout.toMillis());
        hikari.setValidationTimeout(Math.min(2_000, connectTimeout.toMillis())); // no longer than the wait it is part of
        hikari.setAutoCommit(false);
        hikari.setPoolName("metrics-worker-db");
        hikari.setInitializationFailTimeout(-1);
        hikari.addDataSourceProperty("reWriteBatchedInserts", "true");
        hikari.setExceptionOverrideClassName(PersistFailures.EvictReadOnly.class.getName());
        this.dataSource = new HikariDataSource(hikari);
        try {
            Flyway.configure().dataSource(dataSource).schemas(schema).createSchemas(true)
                    .locations("classpath:db/migration").load().migrate();
            this.sessionFactory = buildSessionFactory(schema);
            SchemaTables tables = new SchemaTables(schema);
            this.ledger = new AppliedEntryLedger(tables);
            this.merger = new WindowRowMerger(tables);
            this.queries = new AggregateQueries(tables, sessionFactory);
        } catch (RuntimeException e) {
            dataSource.close();
            Optional<SchemaManagementException> mismatch = causeOfType(e, SchemaManagementException.class);
            if (mismatch.isPresent()) {
                throw new SchemaMismatchException("schema '" + schema + "' does not match the aggregate mapping: "
                        + mismatch.get().getMessage(), e);
            }
            int query = jdbcUrl.indexOf('?');
            throw new IllegalStateException("stage=persist cannot migrate schema '" + schema + "' of PostgreSQL at "
                    + (query < 0 ? jdbcUrl : jdbcUrl.substring(0, query)) + ": " + e.getMessage(), e);
        }
    }

    private SessionFactory buildSessionFactory(String schema) {
        Configuration configuration = new Configuration()
                .addAnnotatedClass(WindowAggregate.class)
                .addAnnotatedClass(AppliedEntries.class);
        configuration.getProperties().put("hibernate.connection.datasource", dataSource);
        configuration.setProperty("hibernate.hbm2ddl.auto", "validate");
        configuration.setProperty("hibernate.default_schema", schema);
        configuration.setProperty("hibernate.jdbc.batch_size", "200");
        configuration.setProperty("hibernate.order_updates", "true");
        configuration.setProperty("hibernate.order_inserts", "true");
        configuration.setProperty("hibernate.connection.provider_disables_autocommit", "true");
        configuration.setProperty("hibernate.boot.allow_jdbc_metadata_access", "true");
        return configuration.buildSessionFactory();
    }

    private static <T extends Throwable> Optional<T> causeOfType(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return Optional.of(type.cast(t));
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return Optional.empty();
    }

    /**
     * Opens the one write transaction, for the entries of stream shard {@code shard} (0 with one shard); see
     * {@link ApplyTransaction}.
     */
    public ApplyTransaction begin(int shard) {
        return new ApplyTransaction(sessionFactory.openSession(), shard, ledger, merger);
    }

    /** The first and last stream entry IDs of a batch that holds every entry between them. */
    public record EntryRange(String firstId, String lastId) {
    }

    /**
     * The sweep of the applied-entries ledger, in two steps (see {@code V3__applied_entries_settled.sql}): rows of
     * stream shard {@code shard} whose entries all lie below {@code settledBelow} (every entry there is acknowledged
     * by the group) are marked settled now; rows marked settled longer than {@code retention} ago are deleted.
     *
     * @return {marked, deleted}
     */
    public long[] sweep(int shard, String settledBelow, java.time.Duration retention) {
        return sessionFactory.fromTransaction(session -> session.doReturningWork(connection ->
                ledger.sweep(connection, shard, settledBelow, retention)));
    }

    /** Rows of the applied-entries ledger (for the gauge and the tests). */
    public long appliedEntryRows() {
        return sessionFactory.fromTransaction(session -> session.doReturningWork(ledger::rows));
    }

    /** Canonical label sets stored for a metric name, for the cardinality guard. */
    public Set<String> storedLabelSets(String metricName) {
        return queries.storedLabelSets(metricName);
    }

    /** The latest window that ended by {@code now}, for every series and window size. */
    public List<WindowAggregate> latestClosedWindows(Instant now) {
        return queries.latestClosedWindows(now);
    }

    /** One page of {@code GET /api/v1/aggregates}: see {@link AggregateQueries#page}. */
    public List<WindowAggregate> page(String metricName, Instant from, Instant to, Optional<Integer> windowSeconds,
                                      String labelsJson, Optional<PagePosition> after, int limit) {
        return queries.page(metricName, from, to, windowSeconds, labelsJson, after, limit);
    }

    /** Samples stored per minute of their timestamp, see {@link AggregateQueries#samplesPerMinute}. */
    public Map<Long, Long> samplesPerMinute(int windowSeconds, long fromMinute, long toMinute) {
        return queries.samplesPerMinute(windowSeconds, fromMinute, toMinute);
    }

    public boolean isReachable() {
        try (Connection connection = dataSource.getConnection()) {
            return connection.isValid(2);
        } catch (SQLException | RuntimeException e) {
            return false;
        }
    }

    @Override
    public void close() {
        try {
            sessionFactory.close();
        } finally {
            dataSource.close();
        }
        LOG.info("stage=persist closed the aggregate store");
    }
}
