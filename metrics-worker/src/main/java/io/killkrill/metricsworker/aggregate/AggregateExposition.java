package io.killkrill.metricsworker.aggregate;

import com.datadoghq.sketch.ddsketch.DDSketch;
import io.killkrill.model.aggregate.WindowAggregate;

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

    public static String format(List<WindowAggregate> rows) {
        Map<String, List<WindowAggregate>> byName = new TreeMap<>();
        for (WindowAggregate row : rows) {
            if (row.getSampleCount() > 0) {
                byName.computeIfAbsent(row.getMetricName(), n -> new ArrayList<>()).add(row);
            }
        }
        StringBuilder out = new StringBuilder();
        for (Map.Entry<String, List<WindowAggregate>> metric : byName.entrySet()) {
            String name = metric.getKey();
            List<WindowAggregate> series = new ArrayList<>(metric.getValue());
            series.sort(Comparator.comparing(WindowAggregate::getLabels)
                    .thenComparingInt(WindowAggregate::getWindowSeconds));
            String summary = name + "_window";
            out.append("# HELP ").append(summary).append(" Quantiles, sum and count of ").append(name)
                    .append(" over the latest closed window.\n");
            out.append("# TYPE ").append(summary).append(" summary\n");
            for (WindowAggregate row : series) {
                DDSketch sketch = Sketches.decode(row.getSketch());
                for (double q : QUANTILES) {
                    out.append(summary).append(labels(row, "quantile", Double.toString(q))).append(' ')
                            .append(number(sketch.getValueAtQuantile(q))).append('\n');
                }
                out.append(summary).append("_sum").append(labels(row, null, null)).append(' ')
                        .append(number(row.getValueSum())).append('\n');
                out.append(summary).append("_count").append(labels(row, null, null)).append(' ')
                        .append(row.getSampleCount()).append('\n');
            }
            gauge(out, summary + "_min", "Minimum of " + name + " over the latest closed window.", series, true);
            gauge(out, summary + "_max", "Maximum of " + name + " over the latest closed window.", series, false);
        }
        return out.toString();
    }

    private static void gauge(StringBuilder out, String family, String help, List<WindowAggregate> series,
                              boolean min) {
        out.append("# HELP ").append(family).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(family).append(" gauge\n");
        for (WindowAggregate row : series) {
            out.append(family).append(labels(row, null, null)).append(' ')
                    .append(number(min ? row.getMinValue() : row.getMaxValue())).append('\n');
        }
    }

    private static String labels(WindowAggregate row, String extraName, String extraValue) {
        SortedMap<String, String> labels = new TreeMap<>();
        LabelSets.parse(row.getLabels()).forEach((k, v) ->
                labels.put(k.equals("window") || k.equals("quantile") ? "exported_" + k : k, v));
        labels.put("window", windowLabel(row.getWindowSeconds()));
        if (extraName != null) {
            labels.put(extraName, extraValue);
        }
        StringBuilder out = new StringBuilder("{");
        boolean first = true;
        for (Map.Entry<String, String> label : labels.entrySet()) {
            if (!first) {
                out.append(',');
            }
            first = false;
            out.append(label.getKey()).append("=\"").append(escape(label.getValue())).append('"');
        }
        return out.append('}').toString();
    }

    static String escape(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    private static String number(double value) {
        if (Double.isNaN(value)) {
            return "NaN";
        }
        if (Double.isInfinite(value)) {
            return value > 0 ? "+Inf" : "-Inf";
        }
        return Double.toString(value);
    }
}
