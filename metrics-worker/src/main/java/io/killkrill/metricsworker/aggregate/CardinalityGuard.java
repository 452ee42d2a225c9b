package io.killkrill.metricsworker.aggregate;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Caps the number of label sets per metric name. The known label sets of a name are loaded from the store the
 * first time the name is seen, then kept in memory. Two replicas may each admit a new label set at the same
 * moment, so the cap can be overshot by (replicas - 1) series at most; it is never overshot by one worker, whose
 * consumers of every stream shard share one guard (so {@link #admit} is synchronized).
 */
public final class CardinalityGuard {
    private final int maxSeriesPerMetric;
    private final Function<String, Set<String>> storedLabelSets;
    private final Map<String, Set<String>> known = new HashMap<>();

    /** @param storedLabelSets canonical label sets already stored for a metric name */
    public CardinalityGuard(int maxSeriesPerMetric, Function<String, Set<String>> storedLabelSets) {
        this.maxSeriesPerMetric = maxSeriesPerMetric;
        this.storedLabelSets = storedLabelSets;
    }

    /** Whether a sample of this series may be aggregated; admitting a new series counts it. */
    public synchronized boolean admit(String name, String canonicalLabels) {
        Set<String> series = known.computeIfAbsent(name, n -> new HashSet<>(storedLabelSets.apply(n)));
        if (series.contains(canonicalLabels)) {
            return true;
        }
        if (series.size() >= maxSeriesPerMetric) {
            return false;
        }
        series.add(canonicalLabels);
        return true;
    }
}
