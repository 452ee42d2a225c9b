package io.killkrill.metricsworker.aggregate;

import com.datadoghq.sketch.ddsketch.DDSketch;
import io.killkrill.metricsworker.store.entity.WindowAggregate;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.killkrill.model.MetricType;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.PrometheusNaming;
import io.prometheus.metrics.model.snapshots.Quantiles;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Writes stored windows in the Prometheus text format. Every series carries its labels plus
 * {@code window="<seconds>s"} (the latest closed window of that size); a sample label called {@code window} or
 * {@code quantile} is exported as {@code exported_window} / {@code exported_quantile}. Per metric, by type:
 * <ul>
 *   <li>gauge and delta: {@code <name>_window} as a summary (quantiles 0.5, 0.9, 0.99 plus {@code _sum} and
 *       {@code _count}) and gauges {@code <name>_window_min}, {@code <name>_window_max};</li>
 *   <li>counter and delta: gauge {@code <name>_window_increase}, the increase over the window;</li>
 *   <li>counter: the running total at the window's last sample as a Prometheus counter, named as the text
 *       format names counters: {@code http_requests_total} stays {@code http_requests_total} (family
 *       {@code http_requests}), {@code jobs} is written {@code jobs_total}. A name the text format reserves for other types ({@code _bucket},
 *       {@code _created}, {@code _info}), or whose family another metric already takes, gets
 *       {@code _cumulative} before {@code _total}.</li>
 * </ul>
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
        Families families = new Families();
        for (Map.Entry<String, List<WindowAggregate>> metric : byName.entrySet()) {
            String name = metric.getKey();
            List<WindowAggregate> series = new ArrayList<>(metric.getValue());
            series.sort(Comparator.comparing(WindowAggregate::getLabels)
                    .thenComparingInt(WindowAggregate::getWindowSeconds));
            writeDistribution(families, name, series.stream().filter(r -> r.getMetricType() != MetricType.COUNTER)
                    .toList());
            writeIncrease(families, name, series.stream().filter(r -> r.getMetricType() != MetricType.GAUGE)
                    .toList());
            writeRunningTotal(families, name, series.stream().filter(r -> r.getMetricType() == MetricType.COUNTER)
                    .toList());
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            PrometheusTextFormatWriter.create().write(out, families.snapshots.build(),
                    EscapingScheme.UNDERSCORE_ESCAPING);
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory cannot fail", e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** The families written so far, so that no two share a name (the library refuses that). */
    private static final class Families {
        private final MetricSnapshots.Builder snapshots = MetricSnapshots.builder();
        private final Set<String> names = new HashSet<>();

        boolean taken(String name) {
            return names.contains(name);
        }

        void add(MetricSnapshot snapshot) {
            names.add(snapshot.getMetadata().getName());
            snapshots.metricSnapshot(snapshot);
        }
    }

    private static void writeDistribution(Families families, String name, List<WindowAggregate> series) {
        if (series.isEmpty()) {
            return;
        }
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
        families.add(quantiles.build());
        families.add(minimum.build());
        families.add(maximum.build());
    }

    private static void writeIncrease(Families families, String name, List<WindowAggregate> series) {
        if (series.isEmpty()) {
            return;
        }
        GaugeSnapshot.Builder increase = GaugeSnapshot.builder().name(name + "_window_increase")
                .help("Increase of " + name + " over the latest closed window (counter resets detected).");
        for (WindowAggregate row : series) {
            increase.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(labels(row))
                    .value(row.getValueIncrease()).build());
        }
        families.add(increase.build());
    }

    private static void writeRunningTotal(Families families, String name, List<WindowAggregate> series) {
        if (series.isEmpty()) {
            return;
        }
        String family = counterFamily(name);
        if (!PrometheusNaming.isValidMetricName(family) || families.taken(family)) {
            family = name + "_cumulative";
        }
        CounterSnapshot.Builder total = CounterSnapshot.builder().name(family)
                .help("Running total of " + name + " at the last sample of the latest closed window.");
        for (WindowAggregate row : series) {
            total.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(labels(row))
                    .value(row.getLastValue()).build());
        }
        families.add(total.build());
    }

    /** The counter family whose text-format samples are named {@code name}: {@code x_total} is family {@code x}. */
    static String counterFamily(String name) {
        return name.endsWith("_total") && name.length() > "_total".length()
                ? name.substring(0, name.length() - "_total".length()) : name;
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
