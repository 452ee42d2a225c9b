package io.killkrill.metricsworker.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.killkrill.metricsworker.aggregate.SeriesWindow;
import io.killkrill.metricsworker.aggregate.WindowAccumulator;
import io.killkrill.metricsworker.aggregate.WindowTotals;
import io.killkrill.model.aggregate.AppliedEntries;
import io.killkrill.model.aggregate.WindowAggregate;
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
 * validate the mapping against it. {@link #apply} is the one write: in one transaction it records which
 * samples are applied, skips those applied before, and merges the rest into their window rows under row locks.
 */
public final class AggregateStore implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AggregateStore.class);

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
        hikari.setExceptionOverrideClassName(PersistFailures.EvictReadOnly.class.getName());
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
     * What one {@link #apply} did.
     *
     * @param records   the {@code applied_entries} rows written
     * @param rowsRaced window rows another replica created while this batch was creating them too
     */
    public record Applied(int freshSamples, int alreadyApplied, int rowsMerged, int rowsRaced, List<Long> records) {
    }

    /**
     * In one transaction: records the entries of {@code entryIds} as applied, learning which were applied before;
     * folds only the fresh ones (via {@code aggregateFresh}) and merges the result into the window rows (see
     * {@link #merge}). Set-based: a fixed handful of statements per batch whatever its size.
     *
     * @param wholeRange present when the batch is every entry of the stream from its first to its last ID: then
     *                   one row records it (the usual case); otherwise (entries claimed from another consumer)
     *                   one row per entry
     * @param entryIds   the entries whose samples are to be applied, in stream order
     */
    public Applied apply(Optional<EntryRange> wholeRange, List<String> entryIds, String consumer,
                         Function<Set<String>, SortedMap<SeriesWindow, WindowAccumulator>> aggregateFresh) {
        return sessionFactory.fromTransaction(session -> {
            Recorded recorded = session.doReturningWork(connection ->
                    recordApplied(connection, wholeRange, entryIds, consumer));
            int freshCount = recorded.fresh().size();
            SortedMap<SeriesWindow, WindowAccumulator> windows = aggregateFresh.apply(recorded.fresh());
            int[] raced = {0};
            if (!windows.isEmpty()) {
                session.doWork(connection -> raced[0] = merge(connection, windows));
            }
            return new Applied(freshCount, entryIds.size() - freshCount, windows.size(), raced[0], recorded.records());
        });
    }

    /** The first and last stream entry IDs of a batch that holds every entry between them. */
    public record EntryRange(String firstId, String lastId) {
    }

    private record Recorded(Set<String> fresh, List<Long> records) {
    }

    /**
     * Merges partial aggregates into their window rows. Existing rows are locked ({@code SELECT ... FOR UPDATE},
     * in key order, so two replicas merging into the same rows serialise and cannot deadlock), merged in Java
     * ({@link WindowTotals#merge}: sketches cannot be merged in SQL) and written back with one
     * {@code UPDATE ... FROM unnest(...)}. Missing rows are inserted already merged with
     * {@code INSERT ... ON CONFLICT DO NOTHING RETURNING}; a key another replica inserted at the same moment is
     * not returned (PostgreSQL waited for that replica's commit), so it is locked and merged like an existing row.
     */
    private int merge(Connection connection, SortedMap<SeriesWindow, WindowAccumulator> windows) throws SQLException {
        Map<SeriesWindow, StoredRow> stored = lockRows(connection, windows.keySet());
        List<SeriesWindow> missing = new ArrayList<>();
        int racedRows = 0;
        for (SeriesWindow key : windows.keySet()) {
            if (!stored.containsKey(key)) {
                missing.add(key);
            }
        }
        if (!missing.isEmpty()) {
            Set<SeriesWindow> inserted = insertRows(connection, missing, windows);
            List<SeriesWindow> raced = missing.stream().filter(k -> !inserted.contains(k)).toList();
            racedRows = raced.size();
            if (!raced.isEmpty()) {
                LOG.info("stage=persist {} window rows were created concurrently by another replica; merging into them",
                        raced.size());
                stored.putAll(lockRows(connection, raced));
                if (stored.size() + inserted.size() != windows.size()) {
                    throw new IllegalStateException("window rows vanished while merging (deleted concurrently?)");
                }
            }
        }
        if (!stored.isEmpty()) {
            updateRows(connection, stored, windows);
        }
        return racedRows;
    }

    private record StoredRow(long id, WindowTotals totals) {
    }

    private Map<SeriesWindow, StoredRow> lockRows(Connection connection, Collection<SeriesWindow> keys)
            throws SQLException {
        Map<SeriesWindow, StoredRow> rows = new HashMap<>();
        try (PreparedStatement select = connection.prepareStatement("SELECT w.id, w.metric_name, w.labels,"
                + " w.window_seconds, w.window_start, w.sample_count, w.value_sum, w.min_value, w.max_value,"
                + " w.last_value, w.last_timestamp, w.sketch FROM " + table("window_aggregate") + " w"
                + " JOIN unnest(?::varchar[], ?::varchar[], ?::int[], ?::bigint[]) AS k(name, labels, size, start_us)"
                + " ON w.metric_name = k.name AND w.labels = k.labels AND w.window_seconds = k.size"
                + " AND w.window_start = " + fromMicros("k.start_us")
                + " ORDER BY w.metric_name, w.labels, w.window_seconds, w.window_start FOR UPDATE OF w")) {
            bindKeys(connection, select, keys);
            try (ResultSet r = select.executeQuery()) {
                while (r.next()) {
                    SeriesWindow key = new SeriesWindow(r.getString(2), r.getString(3), r.getInt(4),
                            r.getObject(5, OffsetDateTime.class).toInstant());
                    rows.put(key, new StoredRow(r.getLong(1), new WindowTotals(r.getLong(6), r.getDouble(7),
                            r.getDouble(8), r.getDouble(9), r.getDouble(10),
                            r.getObject(11, OffsetDateTime.class).toInstant(), r.getBytes(12))));
                }
            }
        }
        return rows;
    }

    private Set<SeriesWindow> insertRows(Connection connection, List<SeriesWindow> keys,
                                         Map<SeriesWindow, WindowAccumulator> windows) throws SQLException {
        List<WindowTotals> totals = keys.stream().map(k -> WindowTotals.empty().merge(windows.get(k))).toList();
        Set<SeriesWindow> inserted = new HashSet<>();
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO " + table("window_aggregate")
                + " (id, metric_name, labels, window_seconds, window_start, sample_count, value_sum, min_value,"
                + " max_value, last_value, last_timestamp, sketch, updated_at)"
                + " SELECT nextval('" + table("window_aggregate_seq") + "'), v.name, v.labels, v.size, "
                + fromMicros("v.start_us") + ", v.c, v.s, v.mn, v.mx, v.lv, " + fromMicros("v.lt_us") + ", v.sk, now()"
                + " FROM unnest(?::varchar[], ?::varchar[], ?::int[], ?::bigint[], ?::bigint[], ?::float8[],"
                + " ?::float8[], ?::float8[], ?::float8[], ?::bigint[], ?::bytea[])"
                + " AS v(name, labels, size, start_us, c, s, mn, mx, lv, lt_us, sk)"
                + " ORDER BY v.name, v.labels, v.size, v.start_us"
                + " ON CONFLICT (metric_name, labels, window_seconds, window_start) DO NOTHING"
                + " RETURNING metric_name, labels, window_seconds, window_start")) {
            bindKeys(connection, insert, keys);
            bindTotals(connection, insert, 5, totals);
            try (ResultSet r = insert.executeQuery()) {
                while (r.next()) {
                    inserted.add(new SeriesWindow(r.getString(1), r.getString(2), r.getInt(3),
                            r.getObject(4, OffsetDateTime.class).toInstant()));
                }
            }
        }
        return inserted;
    }

    private void updateRows(Connection connection, Map<SeriesWindow, StoredRow> stored,
                            Map<SeriesWindow, WindowAccumulator> windows) throws SQLException {
        Long[] ids = new Long[stored.size()];
        List<WindowTotals> totals = new ArrayList<>(stored.size());
        int i = 0;
        for (Map.Entry<SeriesWindow, StoredRow> e : stored.entrySet()) {
            ids[i++] = e.getValue().id();
            totals.add(e.getValue().totals().merge(windows.get(e.getKey())));
        }
        try (PreparedStatement update = connection.prepareStatement("UPDATE " + table("window_aggregate") + " w"
                + " SET sample_count = v.c, value_sum = v.s, min_value = v.mn, max_value = v.mx, last_value = v.lv,"
                + " last_timestamp = " + fromMicros("v.lt_us") + ", sketch = v.sk, updated_at = now()"
                + " FROM unnest(?::bigint[], ?::bigint[], ?::float8[], ?::float8[], ?::float8[], ?::float8[],"
                + " ?::bigint[], ?::bytea[]) AS v(id, c, s, mn, mx, lv, lt_us, sk) WHERE w.id = v.id")) {
            update.setArray(1, connection.createArrayOf("int8", ids));
            bindTotals(connection, update, 2, totals);
            int updated = update.executeUpdate();
            if (updated != ids.length) {
                throw new IllegalStateException("updated " + updated + " window rows, expected " + ids.length);
            }
        }
    }

    private static void bindKeys(Connection connection, PreparedStatement statement, Collection<SeriesWindow> keys)
            throws SQLException {
        int n = keys.size();
        String[] names = new String[n];
        String[] labels = new String[n];
        Integer[] sizes = new Integer[n];
        Long[] starts = new Long[n];
        int i = 0;
        for (SeriesWindow key : keys) {
            names[i] = key.name();
            labels[i] = key.labels();
            sizes[i] = key.windowSeconds();
            starts[i++] = micros(key.windowStart());
        }
        statement.setArray(1, connection.createArrayOf("varchar", names));
        statement.setArray(2, connection.createArrayOf("varchar", labels));
        statement.setArray(3, connection.createArrayOf("int4", sizes));
        statement.setArray(4, connection.createArrayOf("int8", starts));
    }

    /** Binds count, sum, min, max, last value, last timestamp and sketch arrays from parameter {@code first}. */
    private static void bindTotals(Connection connection, PreparedStatement statement, int first,
                                   List<WindowTotals> totals) throws SQLException {
        int n = totals.size();
        Long[] counts = new Long[n];
        Double[] sums = new Double[n];
        Double[] mins = new Double[n];
        Double[] maxs = new Double[n];
        Double[] lasts = new Double[n];
        Long[] lastAts = new Long[n];
        byte[][] sketches = new byte[n][];
        for (int i = 0; i < n; i++) {
            WindowTotals t = totals.get(i);
            counts[i] = t.count();
            sums[i] = t.sum();
            mins[i] = t.min();
            maxs[i] = t.max();
            lasts[i] = t.last();
            lastAts[i] = micros(t.lastAt());
            sketches[i] = t.sketch();
        }
        statement.setArray(first, connection.createArrayOf("int8", counts));
        statement.setArray(first + 1, connection.createArrayOf("float8", sums));
        statement.setArray(first + 2, connection.createArrayOf("float8", mins));
        statement.setArray(first + 3, connection.createArrayOf("float8", maxs));
        statement.setArray(first + 4, connection.createArrayOf("float8", lasts));
        statement.setArray(first + 5, connection.createArrayOf("int8", lastAts));
        statement.setArray(first + 6, connection.createArrayOf("bytea", sketches));
    }

    /** PostgreSQL keeps microseconds: instants travel as exact epoch microseconds (no float rounding). */
    private static long micros(Instant instant) {
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000);
    }

    private static String fromMicros(String column) {
        return "(timestamptz 'epoch' + " + column + " * interval '1 microsecond')";
    }

    /**
     * Records {@code entryIds} as applied and returns those not applied before. A whole range is one row; if
     * it cannot be inserted (it overlaps a row: some of its entries were claimed and applied by another worker,
     * committed or in progress, whose commit the insert waits for), or for claimed entries, each entry gets a
     * one-entry row and those that conflict were applied before.
     */
    private Recorded recordApplied(Connection connection, Optional<EntryRange> wholeRange, List<String> entryIds,
                                   String consumer) throws SQLException {
        if (entryIds.isEmpty()) {
            return new Recorded(Set.of(), List.of());
        }
        if (wholeRange.isPresent()) {
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO " + table("applied_entries")
                    + " (first_key, last_key, consumer, applied_at) VALUES (?, ?, ?, now())"
                    + " ON CONFLICT DO NOTHING RETURNING id")) {
                insert.setBigDecimal(1, EntryKeys.of(wholeRange.get().firstId()));
                insert.setBigDecimal(2, EntryKeys.of(wholeRange.get().lastId()));
                insert.setString(3, consumer);
                try (ResultSet r = insert.executeQuery()) {
                    if (r.next()) {
                        return new Recorded(new HashSet<>(entryIds), List.of(r.getLong(1)));
                    }
                }
            }
            LOG.info("stage=persist entries {}..{} overlap entries applied by another consumer; recording them"
                    + " one by one", wholeRange.get().firstId(), wholeRange.get().lastId());
        }
        TreeMap<BigDecimal, String> byKey = new TreeMap<>();
        for (String id : entryIds) {
            byKey.put(EntryKeys.of(id), id);
        }
        List<BigDecimal[]> appliedRanges = appliedRangesOverlapping(connection, byKey.firstKey(),
                byKey.lastKey());
        byKey.keySet().removeIf(key -> appliedRanges.stream()
                .anyMatch(range -> range[0].compareTo(key) <= 0 && key.compareTo(range[1]) <= 0));
        Set<String> fresh = new HashSet<>();
        List<Long> records = new ArrayList<>();
        if (byKey.isEmpty()) {
            return new Recorded(fresh, records);
        }
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO " + table("applied_entries")
                + " (first_key, last_key, consumer, applied_at) SELECT k, k, ?, now()"
                + " FROM unnest(?::numeric[]) AS t(k) ORDER BY k ON CONFLICT DO NOTHING RETURNING id, first_key")) {
            insert.setString(1, consumer);
            insert.setArray(2, connection.createArrayOf("numeric", byKey.keySet().toArray()));
            try (ResultSet r = insert.executeQuery()) {
                while (r.next()) {
                    records.add(r.getLong(1));
                    fresh.add(byKey.get(r.getBigDecimal(2)));
                }
            }
        }
        return new Recorded(fresh, records);
    }

    private List<BigDecimal[]> appliedRangesOverlapping(Connection connection, BigDecimal first, BigDecimal last)
            throws SQLException {
        List<BigDecimal[]> ranges = new ArrayList<>();
        try (PreparedStatement select = connection.prepareStatement("SELECT first_key, last_key FROM "
                + table("applied_entries") + " WHERE numrange(first_key, last_key, '[]') && numrange(?, ?, '[]')")) {
            select.setBigDecimal(1, first);
            select.setBigDecimal(2, last);
            try (ResultSet r = select.executeQuery()) {
                while (r.next()) {
                    ranges.add(new BigDecimal[] {r.getBigDecimal(1), r.getBigDecimal(2)});
                }
            }
        }
        return ranges;
    }

    /**
     * The sweep of the applied-entries ledger, in two steps (see {@code V3__applied_entries_settled.sql}): rows
     * whose entries all lie below {@code settledBelow} (every entry there is acknowledged by the group) are marked
     * settled now; rows marked settled longer than {@code retention} ago are deleted.
     *
     * @return {marked, deleted}
     */
    public long[] sweep(String settledBelow, java.time.Duration retention) {
        return sessionFactory.fromTransaction(session -> session.doReturningWork(connection -> {
            long marked;
            long deleted;
            try (PreparedStatement mark = connection.prepareStatement("UPDATE " + table("applied_entries")
                    + " SET settled_at = now() WHERE settled_at IS NULL AND last_key < ?")) {
                mark.setBigDecimal(1, EntryKeys.of(settledBelow));
                marked = mark.executeUpdate();
            }
            try (PreparedStatement delete = connection.prepareStatement("DELETE FROM " + table("applied_entries")
                    + " WHERE settled_at < now() - make_interval(secs => ?)")) {
                delete.setDouble(1, retention.toMillis() / 1000.0);
                deleted = delete.executeUpdate();
            }
            return new long[] {marked, deleted};
        }));
    }

    /** Rows of the applied-entries ledger (for the gauge and the tests). */
    public long appliedEntryRows() {
        return sessionFactory.fromTransaction(session -> session.doReturningWork(connection -> {
            try (PreparedStatement count = connection.prepareStatement("SELECT count(*) FROM "
                    + table("applied_entries")); ResultSet r = count.executeQuery()) {
                r.next();
                return r.getLong(1);
            }
        }));
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
