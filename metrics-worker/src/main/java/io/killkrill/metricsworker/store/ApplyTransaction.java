package io.killkrill.metricsworker.store;

import io.killkrill.metricsworker.aggregate.SeriesWindow;
import io.killkrill.metricsworker.aggregate.WindowAccumulator;
import org.hibernate.Session;
import org.hibernate.Transaction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;

/**
 * The one write of the aggregate store, a single PostgreSQL transaction that the caller drives step by step:
 * {@link #record} the batch's entries in the applied-entries ledger (learning which are fresh), {@link #merge}
 * the aggregates of the fresh ones into their window rows, {@link #commit}. The store knows nothing of how
 * samples are aggregated; closing without a commit rolls everything back.
 *
 * <pre>{@code
 * try (ApplyTransaction tx = store.begin(shard)) {
 *     Set<String> fresh = tx.record(range, entryIds, consumer).fresh();
 *     tx.merge(aggregate(fresh));
 *     tx.commit();
 * }
 * }</pre>
 */
public final class ApplyTransaction implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ApplyTransaction.class);

    private final Session session;
    private final Transaction transaction;
    private final int shard;
    private final AppliedEntryLedger ledger;
    private final WindowRowMerger merger;

    ApplyTransaction(Session session, int shard, AppliedEntryLedger ledger, WindowRowMerger merger) {
        this.session = session;
        this.shard = shard;
        this.ledger = ledger;
        this.merger = merger;
        try {
            this.transaction = session.beginTransaction();
        } catch (RuntimeException e) {
            session.close();
            throw e;
        }
    }

    /** What recording a batch learnt: the entries not applied before, and the ledger rows written. */
    public record Recorded(Set<String> fresh, List<Long> records) {
    }

    /**
     * Records {@code entryIds}, entries of this transaction's stream shard, as applied and returns those that were
     * not applied before (see {@link AppliedEntryLedger#record}).
     *
     * @param wholeRange present when the batch is every entry of the stream from its first to its last ID: then
     *                   one row records it (the usual case); otherwise (entries claimed from another consumer)
     *                   one row per entry
     */
    public Recorded record(Optional<AggregateStore.EntryRange> wholeRange, List<String> entryIds, String consumer) {
        return session.doReturningWork(connection -> ledger.record(connection, shard, wholeRange, entryIds,
                consumer));
    }

    /**
     * Merges partial aggregates into their window rows under row locks (see {@link WindowRowMerger#merge});
     * returns what else the merge met: rows another replica created at the same moment, type conflicts and
     * interleaved counter windows.
     */
    public MergeReport merge(SortedMap<SeriesWindow, WindowAccumulator> windows) {
        return windows.isEmpty() ? MergeReport.NOTHING
                : session.doReturningWork(connection -> merger.merge(connection, windows));
    }

    public void commit() {
        transaction.commit();
    }

    /** Rolls back what was not committed, and gives the connection back. */
    @Override
    public void close() {
        try {
            if (transaction.isActive()) {
                transaction.rollback();
            }
        } catch (RuntimeException e) {
            // the connection is likely gone; the failure that brought us here is the one to report
            LOG.warn("stage=persist rollback failed: {}", e.toString());
        } finally {
            session.close();
        }
    }
}
