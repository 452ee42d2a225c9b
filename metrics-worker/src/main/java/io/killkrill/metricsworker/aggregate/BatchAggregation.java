package io.killkrill.metricsworker.aggregate;

import io.killkrill.model.MetricSample;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Folds samples into per-series-window partial aggregates, one per configured window size. */
public final class BatchAggregation {
    private BatchAggregation() {
    }

    /** Sorted by key, so every writer locks rows in the same order. */
    public static TreeMap<SeriesWindow, WindowAccumulator> aggregate(Collection<MetricSample> samples,
                                                                     List<Integer> windowSeconds) {
        TreeMap<SeriesWindow, WindowAccumulator> windows = new TreeMap<>();
        Map<java.util.SortedMap<String, String>, String> canonical = new java.util.HashMap<>();
        for (MetricSample sample : samples) {
            String labels = canonical.computeIfAbsent(sample.labels(), LabelSets::canonical);
            for (int size : windowSeconds) {
                SeriesWindow key = new SeriesWindow(sample.name(), labels, size,
                        SeriesWindow.windowStart(sample.timestamp(), size));
                windows.computeIfAbsent(key, k -> new WindowAccumulator())
                        .add(sample.value(), sample.timestamp(), sample.type());
            }
        }
        return windows;
    }
}
