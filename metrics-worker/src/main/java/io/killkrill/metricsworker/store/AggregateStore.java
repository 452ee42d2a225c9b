package io.killkrill.metricsworker.store;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.killkrill.metricsworker.aggregate.SeriesWindow;
import io.killkrill.metricsworker.aggregate.Sketches;
import io.killkrill.metricsworker.aggregate.WindowAccumulator;
import io.killkrill.model.aggregate.AppliedEvent;
import io.killkrill.model.aggregate.WindowAggregate;
import jakarta.persistence.LockModeType;
import org.flywaydb.core.Flyway;
import org.hibernate.Session;
import org.hibernate.SessionFactory;
import org.hibernate.cfg.Configuration;
import org.hibernate.tool.schema.spi.SchemaManagementException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.UUID;

/**
 * The aggregates in PostgreSQL, through Hibernate. Start-up migrates the schema (Flyway) and has Hibernate
 * validate the mapping against it. {@link #apply} is the one write: in one transaction it records which
 * samples are applied, skips those applied before, and merges the rest into their window rows under row locks.
 */
public final class AggregateStore implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AggregateStore.class);
    private static final int LOCK_CHUNK = 500;

    private final HikariDataSource dataSource;
    private final SessionFactory sessionFactory;
    private final String schema;

    /** Connects, migrates and validates; throws {@link SchemaMismatchException} when the mapping does not fit. */
    public AggregateStore(String jdbcUrl, String user, String password, String schema, int poolSize) {
        this.schema = schema;
        HikariConfig hikari = new HikariConfig();
        hikari.setJdbcUrl(jdbcUrl);
        hikari.setUsername(user);
        hikari.setPassword(password);
        hikari.setMaximumPoolSize(poolSize);
        hikari.setMinimumIdle(1);
        hikari.setConnectionTimeout(5_000);
        hikari.setValidationTimeout(2_000);
        hikari.setAutoCommit(false);
        hikari.setPoolName("metrics-worker-db");
        hikari.setInitializationFailTimeout(-1);
        hikari.addDataSourceProperty("reWriteBatchedInserts", "true");
        this.dataSource = new HikariDataSource(hikari);
        try {
            Flyway.configure().dataSource(dataSource).schemas(schema).createSchemas(true)
                    .locations("classpath:db/migration").load().migrate();
            this.sessionFactory = buildSessionFactory(schema);
        } catch (RuntimeException e) {
            dataSource.close();
            Optional<SchemaManagementException> mismatch = causeOfType(e, SchemaManagementException.class);
            if (mismatch.isPresent()) {
                throw new SchemaMismatchException("schema '" + schema + "' does not match the aggregate mapping: "
                        + mismatch.get().getMessage(), e);
            }
            throw e;
        }
    }

    private SessionFactory buildSessionFactory(String schema) {
        Configuration configuration = new Configuration()
                .addAnnotatedClass(WindowAggregate.class)
                .addAnnotatedClass(AppliedEvent.class);
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

    /** What one {@link #apply} did. */
    public record Applied(int freshSamples, int alreadyApplied, int rowsMerged) {
    }

    /**
     * In one transaction: deletes the applied-event records of entries acknowledged since ({@code prune});
     * records {@code eventIds} as applied, learning which were applied before; folds only the fresh ones (via
     * {@code aggregateFresh}) and merges the result into the window rows, locking each row (SELECT ... FOR
     * UPDATE) so two replicas merging into one row serialise. A window row created concurrently by another
     * replica fails the commit on the unique key; the caller retries the whole call, which then merges.
     */
    public Applied apply(Collection<UUID> prune, Collection<UUID> eventIds,
                         java.util.function.Function<Set<UUID>, java.util.SortedMap<SeriesWindow, WindowAccumulator>>
                                 aggregateFresh) {
        return sessionFactory.fromTransaction(session -> {
            Set<UUID> fresh = new HashSet<>();
            session.doWork(connection -> {
                if (!prune.isEmpty()) {
                    deleteApplied(connection, prune);
                }
                fresh.addAll(recordApplied(connection, eventIds));
            });
            SortedMap<SeriesWindow, WindowAccumulator> windows = aggregateFresh.apply(new HashSet<>(fresh));
            Map<SeriesWindow, WindowAggregate> rows = lockRows(session, new ArrayList<>(windows.keySet()));
            for (Map.Entry<SeriesWindow, WindowAccumulator> e : windows.entrySet()) {
                SeriesWindow key = e.getKey();
                WindowAccumulator partial = e.getValue();
                WindowAggregate row = rows.get(key);
                if (row == null) {
                    row = new WindowAggregate(key.name(), key.labels(), key.windowSeconds(), key.windowStart());
                    session.persist(row);
                }
                DDSketch merged = Sketches.decode(row.getSketch());
                merged.mergeWith(partial.sketch());
                row.merge(partial.count(), partial.sum(), partial.min(), partial.max(), partial.last(),
                        partial.lastAt(), Sketches.encode(merged));
            }
            return new Applied(fresh.size(), eventIds.size() - fresh.size(), windows.size());
        });
    }

    private Map<SeriesWindow, WindowAggregate> lockRows(Session session, List<SeriesWindow> keys) {
        Map<SeriesWindow, WindowAggregate> rows = new HashMap<>();
        for (int from = 0; from < keys.size(); from += LOCK_CHUNK) {
            List<SeriesWindow> chunk = keys.subList(from, Math.min(keys.size(), from + LOCK_CHUNK));
            Set<String> names = new HashSet<>();
            Set<String> labels = new HashSet<>();
            Set<Integer> sizes = new HashSet<>();
            Set<Instant> starts = new HashSet<>();
            for (SeriesWindow key : chunk) {
                names.add(key.name());
                labels.add(key.labels());
                sizes.add(key.windowSeconds());
                starts.add(key.windowStart());
            }
            // a superset of the chunk's rows (cross product of the columns), locked in id order
            List<WindowAggregate> found = session.createQuery("from WindowAggregate a where a.metricName in :names"
                            + " and a.labels in :labels and a.windowSeconds in :sizes and a.windowStart in :starts"
                            + " order by a.id", WindowAggregate.class)
                    .setParameterList("names", names)
                    .setParameterList("labels", labels)
                    .setParameterList("sizes", sizes)
                    .setParameterList("starts", starts)
                    .setLockMode(LockModeType.PESSIMISTIC_WRITE)
                    .getResultList();
            for (WindowAggregate row : found) {
                rows.put(new SeriesWindow(row.getMetricName(), row.getLabels(), row.getWindowSeconds(),
                        row.getWindowStart()), row);
            }
        }
        return rows;
    }

    private Set<UUID> recordApplied(Connection connection, Collection<UUID> eventIds) throws SQLException {
        Set<UUID> fresh = new HashSet<>();
        if (eventIds.isEmpty()) {
            return fresh;
        }
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO " + table("applied_events")
                + " (event_id, applied_at) SELECT id, now() FROM unnest(?) AS t(id)"
                + " ON CONFLICT (event_id) DO NOTHING RETURNING event_id")) {
            Array ids = connection.createArrayOf("uuid", eventIds.toArray());
            insert.setArray(1, ids);
            try (ResultSet inserted = insert.executeQuery()) {
                while (inserted.next()) {
                    fresh.add(inserted.getObject(1, UUID.class));
                }
            }
        }
        return fresh;
    }

    private void deleteApplied(Connection connection, Collection<UUID> eventIds) throws SQLException {
        try (PreparedStatement delete = connection.prepareStatement("DELETE FROM " + table("applied_events")
                + " WHERE event_id = ANY(?)")) {
            delete.setArray(1, connection.createArrayOf("uuid", eventIds.toArray()));
            delete.executeUpdate();
        }
    }

    /** Deletes applied-event records of acknowledged entries outside a batch (at shutdown). */
    public void prune(Collection<UUID> eventIds) {
        if (!eventIds.isEmpty()) {
            sessionFactory.inTransaction(session -> session.doWork(c -> deleteApplied(c, eventIds)));
        }
    }

    private String table(String name) {
        return "\"" + schema + "\"." + name;
    }

    /** Canonical label sets stored for a metric name, for the cardinality guard. */
    public Set<String> storedLabelSets(String metricName) {
        return new HashSet<>(sessionFactory.fromTransaction(session -> session.createQuery(
                        "select distinct a.labels from WindowAggregate a where a.metricName = :name", String.class)
                .setParameter("name", metricName).getResultList()));
    }

    /** The latest window that ended by {@code now}, for every series and window size. */
    public List<WindowAggregate> latestClosedWindows(Instant now) {
        return sessionFactory.fromTransaction(session -> session.createNativeQuery(
                        "SELECT DISTINCT ON (metric_name, labels, window_seconds) * FROM " + table("window_aggregate")
                                + " WHERE window_start + make_interval(secs => window_seconds) <= :now"
                                + " ORDER BY metric_name, labels, window_seconds, window_start DESC",
                        WindowAggregate.class)
                .setParameter("now", now).getResultList());
    }

    /** Stored windows of a metric starting in [from, to), optionally of one size, at most {@code limit}. */
    public List<WindowAggregate> find(String metricName, Instant from, Instant to, Optional<Integer> windowSeconds,
                                      int limit) {
        return sessionFactory.fromTransaction(session -> session.createQuery("from WindowAggregate a"
                                + " where a.metricName = :name and a.windowStart >= :from and a.windowStart < :to"
                                + (windowSeconds.isPresent() ? " and a.windowSeconds = :size" : "")
                                + " order by a.windowSeconds, a.labels, a.windowStart", WindowAggregate.class)
                .setParameter("name", metricName).setParameter("from", from).setParameter("to", to)
                .setProperties(windowSeconds.isPresent() ? Map.of("size", windowSeconds.get()) : Map.of())
                .setMaxResults(limit).getResultList());
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
