package io.killkrill.it.metricsworker;

import io.killkrill.metricsworker.aggregate.BatchAggregation;
import io.killkrill.metricsworker.store.AggregateStore;
import io.killkrill.metricsworker.store.AggregateStore.EntryRange;
import io.killkrill.metricsworker.store.ApplyTransaction;
import io.killkrill.model.MetricSample;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The store's one write as the tests drive it directly: one {@link ApplyTransaction} that records the entries,
 * folds the samples of the fresh ones into 60 s windows and merges them, as the metrics-worker's sink does.
 */
public final class StoreWrites {
    private StoreWrites() {
    }

    /** What one write did. */
    public record Applied(int freshSamples, int alreadyApplied, int rowsRaced, List<Long> records) {
    }

    /** Applies {@code samples} (entry ID -> sample, in stream order) of the one stream in one transaction. */
    public static Applied apply(AggregateStore store, Optional<EntryRange> range, Map<String, MetricSample> samples,
                                String consumer) {
        return apply(store, 0, range, samples, consumer);
    }

    /** As above, for entries of stream shard {@code shard}. */
    public static Applied apply(AggregateStore store, int shard, Optional<EntryRange> range,
                                Map<String, MetricSample> samples, String consumer) {
        try (ApplyTransaction transaction = store.begin(shard)) {
            ApplyTransaction.Recorded recorded = transaction.record(range, List.copyOf(samples.keySet()), consumer);
            Set<String> fresh = recorded.fresh();
            int raced = transaction.merge(BatchAggregation.aggregate(samples.entrySet().stream()
                    .filter(e -> fresh.contains(e.getKey())).map(Map.Entry::getValue).toList(), List.of(60))).racedRows();
            transaction.commit();
            return new Applied(fresh.size(), samples.size() - fresh.size(), raced, recorded.records());
        }
    }
}
