package io.killkrill.metricsworker.aggregate;

import com.datadoghq.sketch.ddsketch.DDSketch;
import io.killkrill.metricsworker.store.entity.WindowAggregate;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Quantiles;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Writes stored windows in the Prometheus text format: per metric {@code <name>_window} as a summary (quantiles
 * 0.5, 0.9, 0.99 plus {@code _sum} and {@code _count}) and gauges {@code <name>_window_min},
 * {@code <name>_window_max}. Every series carries its labels plus {@code window="<seconds>s"}; a sample label
 * called {@code window} or {@code quantile} is exported as {@code exported_window} / {@code exported_quantile}.
 */
public final class AggregateExposition {
    public static final double[] QUANTILES = {0.5, 0.9, 0.99};

    private AggregateExposition() {
    }

    public static String windowLabel(int windowSeconds) {
        return windowSeconds + "s";
    }

    /**
     * The rows as Prometheus text, written by the Prometheus client library's {@link PrometheusTextFormatWriter}
     * (the one micrometer-registry-prometheus uses for {@code /metrics}): escaping, number formatting and family
     * layout are the library's, not ours.
     */
    public static String format(List<WindowAggregate> rows) {
        Map<String, List<WindowAggregate>> byName = new TreeMap<>();
        for (WindowAggregate row : rows) {
            if (row.getSampleCount() > 0) {
                byName.computeIfAbsent(row.getMetricName(), n -> new ArrayList<>()).add(row);
            }
        }
        MetricSnapshots.Builder snapshots = MetricSnapshots.builder();
        for (Map.Entry<String, List<WindowAggregate>> metric : byName.entrySet()) {
            String name = metric.getKey();
            List<WindowAggregate> series = new ArrayList<>(metric.getValue());
            series.sort(Comparator.comparing(WindowAggregate::getLabels)
                    .thenComparingInt(WindowAggregate::getWindowSeconds));
            String summary = name + "_window";
            SummarySnapshot.Builder quantiles = SummarySnapshot.builder().name(summary)
                    .help("Quantiles, sum and count of " + name + " over the latest closed window.");
            GaugeSnapshot.Builder minimum = GaugeSnapshot.builder().name(summary + "_min")
                    .help("Minimum of " + name + " over the latest closed window.");
            GaugeSnapshot.Builder maximum = GaugeSnapshot.builder().name(summary + "_max")
                    .help("Maximum of " + name + " over the latest closed window.");
            for (WindowAggregate row : series) {
                DDSketch sketch = Sketches.decode(row.getSketch());
                Quantiles.Builder values = Quantiles.builder();
                for (double q : QUANTILES) {
                    values.quantile(q, sketch.getValueAtQuantile(q));
                }
                Labels labels = labels(row);
                quantiles.dataPoint(SummarySnapshot.SummaryDataPointSnapshot.builder().labels(labels)
                        .quantiles(values.build()).sum(row.getValueSum()).count(row.getSampleCount()).build());
                minimum.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(labels)
                        .value(row.getMinValue()).build());
                maximum.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(labels)
                        .value(row.getMaxValue()).build());
            }
            snapshots.metricSnapshot(quantiles.build()).metricSnapshot(minimum.build())
                    .metricSnapshot(maximum.build());
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            PrometheusTextFormatWriter.create().write(out, snapshots.build(), EscapingScheme.UNDERSCORE_ESCAPING);
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory cannot fail", e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** The row's labels plus {@code window}; sample labels {@code window} and {@code quantile} are renamed. */
    private static Labels labels(WindowAggregate row) {
        SortedMap<String, String> labels = new TreeMap<>();
        LabelSets.parse(row.getLabels()).forEach((k, v) ->
                labels.put(k.equals("window") || k.equals("quantile") ? "exported_" + k : k, v));
        labels.put("window", windowLabel(row.getWindowSeconds()));
        Labels.Builder builder = Labels.builder();
        labels.forEach(builder::label);
        return builder.build();
    }
}
