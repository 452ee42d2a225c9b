package io.killkrill.metricsworker.store;

import io.killkrill.metricsworker.aggregate.SeriesWindow;
import io.killkrill.metricsworker.aggregate.WindowAccumulator;
import io.killkrill.metricsworker.aggregate.WindowTotals;
import io.killkrill.model.MetricType;
import org.hibernate.SessionFactory;
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

/**
 * The window-row half of an {@link ApplyTransaction}: merges a batch's partial aggregates into their
 * {@code window_aggregate} rows with a fixed handful of set-based statements, inside the caller's transaction.
 */
final class WindowRowMerger {
    private static final Logger LOG = LoggerFactory.getLogger(WindowRowMerger.class);

    private final SchemaTables tables;

    WindowRowMerger(SchemaTables tables) {
        this.tables = tables;
    }

    /**
     * Merges partial aggregates into their window rows. Existing rows are locked ({@code SELECT ... FOR UPDATE},
     * in key order, so two replicas merging into the same rows serialise and cannot deadlock), merged in Java
     * ({@link WindowTotals#merge}: sketches cannot be merged in SQL) and written back with one
     * {@code UPDATE ... FROM unnest(...)}. Missing rows are inserted already merged with
     * {@code INSERT ... ON CONFLICT DO NOTHING RETURNING}; a key another replica inserted at the same moment is
     * not returned (PostgreSQL waited for that replica's commit), so it is locked and merged like an existing row.
     */
    MergeReport merge(Connection connection, SortedMap<SeriesWindow, WindowAccumulator> windows)
            throws SQLException {
        Map<SeriesWindow, StoredRow> stored = lockRows(connection, windows.keySet());
        MergeReport.Builder report = new MergeReport.Builder();
        List<SeriesWindow> missing = new ArrayList<>();
        int racedRows = 0;
        for (SeriesWindow key : windows.keySet()) {
            if (!stored.containsKey(key)) {
                missing.add(key);
            }
        }
        if (!missing.isEmpty()) {
            Set<SeriesWindow> inserted = insertRows(connection, missing, windows, report);
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
            updateRows(connection, stored, windows, report);
        }
        return report.build(racedRows);
    }

    private record StoredRow(long id, WindowTotals totals) {
    }

    private Map<SeriesWindow, StoredRow> lockRows(Connection connection, Collection<SeriesWindow> keys)
            throws SQLException {
        Map<SeriesWindow, StoredRow> rows = new HashMap<>();
        try (PreparedStatement select = connection.prepareStatement("SELECT w.id, w.metric_name, w.labels,"
                + " w.window_seconds, w.window_start, w.sample_count, w.value_sum, w.min_value, w.max_value,"
                + " w.last_value, w.last_timestamp, w.sketch, w.metric_type, w.first_value, w.first_timestamp,"
                + " w.value_increase, w.counter_points FROM " + tables.table("window_aggregate") + " w"
                + " JOIN unnest(?::varchar[], ?::varchar[], ?::int[], ?::bigint[]) AS k(name, labels, size, start_us)"
                + " ON w.metric_name = k.name AND w.labels = k.labels AND w.window_seconds = k.size"
                + " AND w.window_start = " + fromMicros("k.start_us")
                + " ORDER BY w.metric_name, w.labels, w.window_seconds, w.window_start FOR UPDATE OF w")) {
            bindKeys(connection, select, keys);
            try (ResultSet r = select.executeQuery()) {
                while (r.next()) {
                    SeriesWindow key = new SeriesWindow(r.getString(2), r.getString(3), r.getInt(4),
                            r.getObject(5, OffsetDateTime.class).toInstant());
                    String typeName = r.getString(13);
                    MetricType type = MetricType.parse(typeName).orElseThrow(() -> new IllegalStateException(
                            "window_aggregate.metric_type holds '" + typeName + "'"));
                    rows.put(key, new StoredRow(r.getLong(1), new WindowTotals(type, r.getLong(6), r.getDouble(7),
                            r.getDouble(8), r.getDouble(9), r.getDouble(14),
                            r.getObject(15, OffsetDateTime.class).toInstant(), r.getDouble(10),
                            r.getObject(11, OffsetDateTime.class).toInstant(), r.getDouble(16), r.getBytes(17),
                            r.getBytes(12))));
                }
            }
        }
        return rows;
    }

    private Set<SeriesWindow> insertRows(Connection connection, List<SeriesWindow> keys,
                                         Map<SeriesWindow, WindowAccumulator> windows, MergeReport.Builder report)
            throws SQLException {
        List<WindowTotals> totals = new ArrayList<>(keys.size());
        for (SeriesWindow key : keys) {
            totals.add(report.add(key, WindowTotals.empty().merge(windows.get(key))));
        }
        Set<SeriesWindow> inserted = new HashSet<>();
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO " + tables.table("window_aggregate")
                + " (id, metric_name, labels, window_seconds, window_start, sample_count, value_sum, min_value,"
                + " max_value, last_value, last_timestamp, sketch, metric_type, first_value, first_timestamp,"
                + " value_increase, counter_points, updated_at)"
                + " SELECT nextval('" + tables.table("window_aggregate_seq") + "'), v.name, v.labels, v.size, "
                + fromMicros("v.start_us") + ", v.c, v.s, v.mn, v.mx, v.lv, " + fromMicros("v.lt_us") + ", v.sk,"
                + " v.ty, v.fv, " + fromMicros("v.ft_us") + ", v.inc, v.cp, now()"
                + " FROM unnest(?::varchar[], ?::varchar[], ?::int[], ?::bigint[], ?::bigint[], ?::float8[],"
                + " ?::float8[], ?::float8[], ?::float8[], ?::bigint[], ?::bytea[], ?::varchar[], ?::float8[],"
                + " ?::bigint[], ?::float8[], ?::bytea[])"
                + " AS v(name, labels, size, start_us, c, s, mn, mx, lv, lt_us, sk, ty, fv, ft_us, inc, cp)"
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
                            Map<SeriesWindow, WindowAccumulator> windows, MergeReport.Builder report)
            throws SQLException {
        Long[] ids = new Long[stored.size()];
        List<WindowTotals> totals = new ArrayList<>(stored.size());
        int i = 0;
        for (Map.Entry<SeriesWindow, StoredRow> e : stored.entrySet()) {
            ids[i++] = e.getValue().id();
            totals.add(report.add(e.getKey(), e.getValue().totals().merge(windows.get(e.getKey()))));
        }
        try (PreparedStatement update = connection.prepareStatement("UPDATE " + tables.table("window_aggregate") + " w"
                + " SET sample_count = v.c, value_sum = v.s, min_value = v.mn, max_value = v.mx, last_value = v.lv,"
                + " last_timestamp = " + fromMicros("v.lt_us") + ", sketch = v.sk, metric_type = v.ty,"
                + " first_value = v.fv, first_timestamp = " + fromMicros("v.ft_us") + ", value_increase = v.inc,"
                + " counter_points = v.cp, updated_at = now()"
                + " FROM unnest(?::bigint[], ?::bigint[], ?::float8[], ?::float8[], ?::float8[], ?::float8[],"
                + " ?::bigint[], ?::bytea[], ?::varchar[], ?::float8[], ?::bigint[], ?::float8[], ?::bytea[])"
                + " AS v(id, c, s, mn, mx, lv, lt_us, sk, ty, fv, ft_us, inc, cp) WHERE w.id = v.id")) {
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

    /**
     * Binds count, sum, min, max, last value, last timestamp, sketch, type, first value, first timestamp,
     * increase and counter points arrays from parameter {@code first}.
     */
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
        String[] types = new String[n];
        Double[] firsts = new Double[n];
        Long[] firstAts = new Long[n];
        Double[] increases = new Double[n];
        byte[][] points = new byte[n][];
        for (int i = 0; i < n; i++) {
            WindowTotals t = totals.get(i);
            counts[i] = t.count();
            sums[i] = t.sum();
            mins[i] = t.min();
            maxs[i] = t.max();
            lasts[i] = t.last();
            lastAts[i] = micros(t.lastAt());
            sketches[i] = t.sketch();
            types[i] = t.type().wireName();
            firsts[i] = t.first();
            firstAts[i] = micros(t.firstAt());
            increases[i] = t.increase();
            points[i] = t.counterPoints();
        }
        statement.setArray(first, connection.createArrayOf("int8", counts));
        statement.setArray(first + 1, connection.createArrayOf("float8", sums));
        statement.setArray(first + 2, connection.createArrayOf("float8", mins));
        statement.setArray(first + 3, connection.createArrayOf("float8", maxs));
        statement.setArray(first + 4, connection.createArrayOf("float8", lasts));
        statement.setArray(first + 5, connection.createArrayOf("int8", lastAts));
        statement.setArray(first + 6, connection.createArrayOf("bytea", sketches));
        statement.setArray(first + 7, connection.createArrayOf("varchar", types));
        statement.setArray(first + 8, connection.createArrayOf("float8", firsts));
        statement.setArray(first + 9, connection.createArrayOf("int8", firstAts));
        statement.setArray(first + 10, connection.createArrayOf("float8", increases));
        statement.setArray(first + 11, connection.createArrayOf("bytea", points));
    }

    /** PostgreSQL keeps microseconds: instants travel as exact epoch microseconds (no float rounding). */
    static long micros(Instant instant) {
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000);
    }

    private static String fromMicros(String column) {
        return "(timestamptz 'epoch' + " + column + " * interval '1 microsecond')";
    }

}
