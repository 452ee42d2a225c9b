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

/**
 * The applied-entries ledger ({@code applied_entries}, see {@code V2__applied_entry_ranges.sql}): which stream
 * entries' samples are in the window rows. Recording a batch, inside the caller's transaction, says which of its
 * entries are fresh; the sweep keeps the ledger bounded.
 */
final class AppliedEntryLedger {
    private static final Logger LOG = LoggerFactory.getLogger(AppliedEntryLedger.class);

    private final SchemaTables tables;

    AppliedEntryLedger(SchemaTables tables) {
        this.tables = tables;
    }

    /**
     * Records {@code entryIds} as applied and returns those not applied before. A whole range is one row; if
     * it cannot be inserted (it overlaps a row: some of its entries were claimed and applied by another worker,
     * committed or in progress, whose commit the insert waits for), or for claimed entries, each entry gets a
     * one-entry row and those that conflict were applied before.
     */
    ApplyTransaction.Recorded record(Connection connection, int shard,
                                     Optional<AggregateStore.EntryRange> wholeRange, List<String> entryIds,
                                     String consumer) throws SQLException {
        if (entryIds.isEmpty()) {
            return new ApplyTransaction.Recorded(Set.of(), List.of());
        }
        if (wholeRange.isPresent()) {
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO " + tables.table("applied_entries")
                    + " (first_key, last_key, consumer, applied_at) VALUES (?, ?, ?, now())"
                    + " ON CONFLICT DO NOTHING RETURNING id")) {
                insert.setBigDecimal(1, EntryKeys.of(shard, wholeRange.get().firstId()));
                insert.setBigDecimal(2, EntryKeys.of(shard, wholeRange.get().lastId()));
                insert.setString(3, consumer);
                try (ResultSet r = insert.executeQuery()) {
                    if (r.next()) {
                        return new ApplyTransaction.Recorded(new HashSet<>(entryIds), List.of(r.getLong(1)));
                    }
                }
            }
            LOG.info("stage=persist entries {}..{} overlap entries applied by another consumer; recording them"
                    + " one by one", wholeRange.get().firstId(), wholeRange.get().lastId());
        }
        TreeMap<BigDecimal, String> byKey = new TreeMap<>();
        for (String id : entryIds) {
            byKey.put(EntryKeys.of(shard, id), id);
        }
        List<BigDecimal[]> appliedRanges = appliedRangesOverlapping(connection, byKey.firstKey(),
                byKey.lastKey());
        byKey.keySet().removeIf(key -> appliedRanges.stream()
                .anyMatch(range -> range[0].compareTo(key) <= 0 && key.compareTo(range[1]) <= 0));
        Set<String> fresh = new HashSet<>();
        List<Long> records = new ArrayList<>();
        if (byKey.isEmpty()) {
            return new ApplyTransaction.Recorded(fresh, records);
        }
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO " + tables.table("applied_entries")
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
        return new ApplyTransaction.Recorded(fresh, records);
    }

    private List<BigDecimal[]> appliedRangesOverlapping(Connection connection, BigDecimal first, BigDecimal last)
            throws SQLException {
        List<BigDecimal[]> ranges = new ArrayList<>();
        try (PreparedStatement select = connection.prepareStatement("SELECT first_key, last_key FROM "
                + tables.table("applied_entries") + " WHERE numrange(first_key, last_key, '[]') && numrange(?, ?, '[]')")) {
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
     * The sweep of the ledger, in two steps (see {@code V3__applied_entries_settled.sql}): rows of stream shard
     * {@code shard} whose entries all lie below {@code settledBelow} (every entry there is acknowledged by the group)
     * are marked settled now; rows marked settled longer than {@code retention} ago are deleted.
     *
     * @return {marked, deleted}
     */
    long[] sweep(Connection connection, int shard, String settledBelow, java.time.Duration retention)
            throws SQLException {
        long marked;
        long deleted;
        try (PreparedStatement mark = connection.prepareStatement("UPDATE " + tables.table("applied_entries")
                + " SET settled_at = now() WHERE settled_at IS NULL AND last_key >= ? AND last_key < ?")) {
            mark.setBigDecimal(1, EntryKeys.shardBase(shard));
            mark.setBigDecimal(2, EntryKeys.of(shard, settledBelow));
            marked = mark.executeUpdate();
        }
        try (PreparedStatement delete = connection.prepareStatement("DELETE FROM " + tables.table("applied_entries")
                + " WHERE settled_at < now() - make_interval(secs => ?)")) {
            delete.setDouble(1, retention.toMillis() / 1000.0);
            deleted = delete.executeUpdate();
        }
        return new long[] {marked, deleted};
    }

    long rows(Connection connection) throws SQLException {
        try (PreparedStatement count = connection.prepareStatement("SELECT count(*) FROM "
                + tables.table("applied_entries")); ResultSet r = count.executeQuery()) {
            r.next();
            return r.getLong(1);
        }
    }
}
