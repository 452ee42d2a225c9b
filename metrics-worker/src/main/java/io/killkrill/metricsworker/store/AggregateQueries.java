package io.killkrill.metricsworker.store;

import io.killkrill.metricsworker.aggregate.SeriesWindow;
import io.killkrill.metricsworker.aggregate.WindowAccumulator;
import io.killkrill.metricsworker.aggregate.WindowTotals;
import io.killkrill.metricsworker.store.entity.WindowAggregate;
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

/** The reads of the aggregates, through Hibernate: the cardinality guard's label sets, the exposition, the API. */
final class AggregateQueries {
    private final SchemaTables tables;
    private final SessionFactory sessionFactory;

    AggregateQueries(SchemaTables tables, SessionFactory sessionFactory) {
        this.tables = tables;
        this.sessionFactory = sessionFactory;
    }

    /** Canonical label sets stored for a metric name, for the cardinality guard. */
    Set<String> storedLabelSets(String metricName) {
        return new HashSet<>(sessionFactory.fromTransaction(session -> session.createQuery(
                        "select distinct a.labels from WindowAggregate a where a.metricName = :name", String.class)
                .setParameter("name", metricName).getResultList()));
    }

    /** The latest window that ended by {@code now}, for every series and window size. */
    List<WindowAggregate> latestClosedWindows(Instant now) {
        return sessionFactory.fromTransaction(session -> session.createNativeQuery(
                        "SELECT DISTINCT ON (metric_name, labels, window_seconds) * FROM " + tables.table("window_aggregate")
                                + " WHERE window_start + make_interval(secs => window_seconds) <= :now"
                                + " ORDER BY metric_name, labels, window_seconds, window_start DESC",
                        WindowAggregate.class)
                .setParameter("now", now).getResultList());
    }

    /**
     * One page of {@code GET /api/v1/aggregates}: rows of {@code metricName} whose window starts in [from, to), of
     * one window size if given, whose label set contains {@code labelsJson} (a JSON object), after {@code after}
     * in the order (window size, window start, label set); at most {@code limit} rows. Served by the index
     * {@code window_aggregate_page} (V4): the name and the size bound the scan, the window start range and the
     * cursor are index conditions, and the scan stops after {@code limit} rows (EXPLAIN in docs/metrics-worker.md).
     */
    List<WindowAggregate> page(String metricName, Instant from, Instant to, Optional<Integer> windowSeconds,
                                      String labelsJson, Optional<PagePosition> after, int limit) {
        StringBuilder sql = new StringBuilder("SELECT * FROM ").append(tables.table("window_aggregate"))
                .append(" WHERE metric_name = :name AND window_start >= :from AND window_start < :to");
        windowSeconds.ifPresent(size -> sql.append(" AND window_seconds = :size"));
        if (!"{}".equals(labelsJson)) {
            sql.append(" AND CAST(labels AS jsonb) @> CAST(:labels AS jsonb)");
        }
        after.ifPresent(cursor -> sql.append(" AND (window_seconds, window_start, labels) > (:afterSize, :afterStart,"
                + " :afterLabels)"));
        sql.append(" ORDER BY window_seconds, window_start, labels LIMIT :limit");
        return sessionFactory.fromTransaction(session -> {
            var query = session.createNativeQuery(sql.toString(), WindowAggregate.class)
                    .setParameter("name", metricName).setParameter("from", from).setParameter("to", to)
                    .setParameter("limit", limit);
            windowSeconds.ifPresent(size -> query.setParameter("size", size));
            if (!"{}".equals(labelsJson)) {
                query.setParameter("labels", labelsJson);
            }
            after.ifPresent(cursor -> query.setParameter("afterSize", cursor.windowSeconds())
                    .setParameter("afterStart", cursor.windowStart()).setParameter("afterLabels", cursor.labels()));
            return query.getResultList();
        });
    }

    /**
     * Samples stored per minute of their timestamp in [fromMinute, toMinute), from the rows of windows of
     * {@code windowSeconds} (at most 60 and dividing it, so each row lies within one minute).
     */
    Map<Long, Long> samplesPerMinute(int windowSeconds, long fromMinute, long toMinute) {
        List<Object[]> rows = sessionFactory.fromTransaction(session -> session.createNativeQuery(
                        "SELECT floor(extract(epoch FROM window_start) / 60)::bigint AS minute, sum(sample_count)"
                                + " FROM " + tables.table("window_aggregate")
                                + " WHERE window_seconds = :size AND window_start >= :from AND window_start < :to"
                                + " GROUP BY 1", Object[].class)
                .setParameter("size", windowSeconds)
                .setParameter("from", Instant.ofEpochSecond(fromMinute * 60))
                .setParameter("to", Instant.ofEpochSecond(toMinute * 60)).getResultList());
        Map<Long, Long> out = new TreeMap<>();
        for (Object[] row : rows) {
            out.put(((Number) row[0]).longValue(), ((Number) row[1]).longValue());
        }
        return out;
    }
}
