package io.killkrill.receivers.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.killkrill.model.FieldError;
import io.killkrill.model.Json;
import io.killkrill.model.MetricType;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.DataPointFlags;
import io.opentelemetry.proto.metrics.v1.ExponentialHistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.metrics.v1.SummaryDataPoint;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * OTLP metrics as metric samples in the contract's input shape (then validated by {@code MetricSampleCodec}, so
 * whatever it refuses, such as NaN, is that sample's rejection). docs/receivers.md has the tables:
 * <ul>
 *   <li>name: the metric name with every character outside {@code [a-zA-Z0-9_:]} as {@code _} (dots become
 *   underscores), {@code _} before a leading digit; no unit suffix.</li>
 *   <li>labels: resource, scope and data point attributes in that order (a later one wins a name), names as
 *   {@link #labelName}, values as text ({@link OtlpValues#text}); an empty value is no label, as in
 *   Prometheus.</li>
 *   <li>gauge: {@code gauge}; sum: monotonic cumulative {@code counter}, monotonic delta {@code delta},
 *   non-monotonic {@code gauge}; histogram: {@code <name>_count}, {@code <name>_sum} and
 *   {@code <name>_bucket{le}} with cumulative bucket counts up to {@code le="+Inf"} (counter when cumulative,
 *   delta when delta); summary: {@code <name>_count}, {@code <name>_sum} counters and
 *   {@code <name>{quantile}} gauges; exponential histogram: {@code _count} and {@code _sum}, and its buckets
 *   one rejection per data point.</li>
 *   <li>a data point flagged {@code FLAG_NO_RECORDED_VALUE} is dropped ({@code no_recorded_value}), an exemplar
 *   dropped ({@code exemplar}); a data point without a value, a sum or histogram without temporality, bucket
 *   counts that do not fit the bounds, a metric without data: rejected with the reason.</li>
 * </ul>
 */
final class OtlpMetricMapping {
    private OtlpMetricMapping() {
    }

    static void map(ExportMetricsServiceRequest request, OtlpDecoder.Request items) {
        for (ResourceMetrics resource : request.getResourceMetricsList()) {
            ObjectNode resourceLabels = Json.MAPPER.createObjectNode();
            labels(resource.getResource().getAttributesList(), resourceLabels);
            for (ScopeMetrics scope : resource.getScopeMetricsList()) {
                ObjectNode scopeLabels = resourceLabels.deepCopy();
                labels(scope.getScope().getAttributesList(), scopeLabels);
                for (Metric metric : scope.getMetricsList()) {
                    metric(metric, scopeLabels, items);
                }
            }
        }
    }

    private static void metric(Metric metric, ObjectNode shared, OtlpDecoder.Request items) {
        String name = metricName(metric.getName());
        switch (metric.getDataCase()) {
            case GAUGE -> metric.getGauge().getDataPointsList()
                    .forEach(p -> number(name, MetricType.GAUGE, p, shared, items));
            case SUM -> {
                var sum = metric.getSum();
                for (NumberDataPoint point : sum.getDataPointsList()) {
                    if (!sum.getIsMonotonic()) {
                        number(name, MetricType.GAUGE, point, shared, items);
                    } else {
                        MetricType type = type(sum.getAggregationTemporality());
                        if (type == null) {
                            refuse(items, "temporality", "a monotonic sum needs an aggregation temporality "
                                    + "(cumulative or delta), got " + sum.getAggregationTemporality());
                        } else {
                            number(name, type, point, shared, items);
                        }
                    }
                }
            }
            case HISTOGRAM -> {
                MetricType type = type(metric.getHistogram().getAggregationTemporality());
                for (HistogramDataPoint point : metric.getHistogram().getDataPointsList()) {
                    histogram(name, type, point, shared, items);
                }
            }
            case EXPONENTIAL_HISTOGRAM -> {
                MetricType type = type(metric.getExponentialHistogram().getAggregationTemporality());
                for (ExponentialHistogramDataPoint point : metric.getExponentialHistogram().getDataPointsList()) {
                    exponential(name, type, point, shared, items);
                }
            }
            case SUMMARY -> metric.getSummary().getDataPointsList().forEach(p -> summary(name, p, shared, items));
            case DATA_NOT_SET -> refuse(items, "data", "the metric " + metric.getName() + " holds no data "
                    + "(gauge, sum, histogram, exponential histogram or summary)");
        }
    }

    private static void number(String name, MetricType type, NumberDataPoint point, ObjectNode shared,
                               OtlpDecoder.Request items) {
        items.nextOrigin();
        if (noRecordedValue(point.getFlags())) {
            items.add(new IngestItem.Dropped(IngestItem.DropReason.NO_RECORDED_VALUE));
            return;
        }
        ObjectNode labels = labels(shared, point.getAttributesList());
        switch (point.getValueCase()) {
            case AS_DOUBLE -> items.add(sample(name, labels, point.getAsDouble(), type, point.getTimeUnixNano()));
            case AS_INT -> items.add(sample(name, labels, (double) point.getAsInt(), type, point.getTimeUnixNano()));
            case VALUE_NOT_SET -> items.add(new IngestItem.Unreadable(List.of(new FieldError("value",
                    "the data point of " + name + " has no value (as_double or as_int)"))));
        }
        exemplars(point.getExemplarsCount(), items);
    }

    private static void histogram(String name, MetricType type, HistogramDataPoint point, ObjectNode shared,
                                  OtlpDecoder.Request items) {
        Optional<ObjectNode> labels = start("histogram", name, type, point.getFlags(), point.getAttributesList(),
                shared, items);
        if (labels.isEmpty()) {
            return;
        }
        int bounds = point.getExplicitBoundsCount();
        int buckets = point.getBucketCountsCount();
        if (buckets != 0 && buckets != bounds + 1) {
            items.add(unreadable("bucket_counts", "the histogram " + name + " data point has " + buckets
                    + " bucket counts for " + bounds + " explicit bounds; it needs " + (bounds + 1)));
            return;
        }
        long time = point.getTimeUnixNano();
        countAndSum(name, labels.get(), point.getCount(), point.hasSum() ? point.getSum() : null, type, time, items);
        double cumulative = 0;
        for (int i = 0; i < buckets; i++) {
            cumulative += unsigned(point.getBucketCounts(i));
            ObjectNode bucket = labels.get().deepCopy();
            bucket.put("le", i < bounds ? le(point.getExplicitBounds(i)) : "+Inf");
            items.add(sample(name + "_bucket", bucket, cumulative, type, time));
        }
        exemplars(point.getExemplarsCount(), items);
    }

    private static void exponential(String name, MetricType type, ExponentialHistogramDataPoint point,
                                    ObjectNode shared, OtlpDecoder.Request items) {
        Optional<ObjectNode> labels = start("exponential histogram", name, type, point.getFlags(),
                point.getAttributesList(), shared, items);
        if (labels.isEmpty()) {
            return;
        }
        countAndSum(name, labels.get(), point.getCount(), point.hasSum() ? point.getSum() : null, type,
                point.getTimeUnixNano(), items);
        items.add(unreadable("buckets", "exponential histogram buckets are not stored (" + name + "_count and "
                + name + "_sum are); send explicit-bucket histograms for buckets"));
        exemplars(point.getExemplarsCount(), items);
    }

    private static void summary(String name, SummaryDataPoint point, ObjectNode shared, OtlpDecoder.Request items) {
        Optional<ObjectNode> labels = start("summary", name, MetricType.COUNTER, point.getFlags(),
                point.getAttributesList(), shared, items);
        if (labels.isEmpty()) {
            return;
        }
        long time = point.getTimeUnixNano();
        countAndSum(name, labels.get(), point.getCount(), point.getSum(), MetricType.COUNTER, time, items);
        for (SummaryDataPoint.ValueAtQuantile quantile : point.getQuantileValuesList()) {
            ObjectNode quantileLabels = labels.get().deepCopy();
            quantileLabels.put("quantile", le(quantile.getQuantile()));
            items.add(sample(name, quantileLabels, quantile.getValue(), MetricType.GAUGE, time));
        }
    }

    /**
     * A new data point of a histogram or summary: dropped when flagged without a recorded value, refused without
     * a temporality ({@code type} null); else its labels, to go on with.
     */
    private static Optional<ObjectNode> start(String kind, String name, MetricType type, int flags,
                                              List<KeyValue> attributes, ObjectNode shared,
                                              OtlpDecoder.Request items) {
        items.nextOrigin();
        if (noRecordedValue(flags)) {
            items.add(new IngestItem.Dropped(IngestItem.DropReason.NO_RECORDED_VALUE));
            return Optional.empty();
        }
        if (type == null) {
            items.add(unreadable("temporality", "the " + kind + " " + name + " needs an aggregation temporality "
                    + "(cumulative or delta)"));
            return Optional.empty();
        }
        return Optional.of(labels(shared, attributes));
    }

    /** {@code <name>_count} and, when the point has one, {@code <name>_sum}. */
    private static void countAndSum(String name, ObjectNode labels, long count, Double sum, MetricType type,
                                    long time, OtlpDecoder.Request items) {
        items.add(sample(name + "_count", labels, unsigned(count), type, time));
        if (sum != null) {
            items.add(sample(name + "_sum", labels, sum, type, time));
        }
    }

    private static IngestItem sample(String name, ObjectNode labels, double value, MetricType type, long time) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("name", name);
        node.set("labels", labels); // shared by the point's samples: only read from here on
        node.put("value", value);
        node.put("type", type.name().toLowerCase(Locale.ROOT));
        OtlpValues.timestamp(time).ifPresent(t -> node.put("timestamp", t));
        return new IngestItem.Parsed(node);
    }

    private static void exemplars(int count, OtlpDecoder.Request items) {
        for (int i = 0; i < count; i++) {
            items.add(new IngestItem.Dropped(IngestItem.DropReason.EXEMPLAR));
        }
    }

    private static void refuse(OtlpDecoder.Request items, String field, String reason) {
        items.nextOrigin();
        items.add(unreadable(field, reason));
    }

    private static IngestItem unreadable(String field, String reason) {
        return new IngestItem.Unreadable(List.of(new FieldError(field, reason)));
    }

    private static boolean noRecordedValue(int flags) {
        return (flags & DataPointFlags.DATA_POINT_FLAGS_NO_RECORDED_VALUE_MASK_VALUE) != 0;
    }

    /** The sample type of a monotonic sum or histogram; {@code null} for an unspecified temporality. */
    private static MetricType type(AggregationTemporality temporality) {
        return switch (temporality) {
            case AGGREGATION_TEMPORALITY_CUMULATIVE -> MetricType.COUNTER;
            case AGGREGATION_TEMPORALITY_DELTA -> MetricType.DELTA;
            default -> null;
        };
    }

    private static ObjectNode labels(ObjectNode shared, List<KeyValue> attributes) {
        ObjectNode labels = shared.deepCopy();
        labels(attributes, labels);
        return labels;
    }

    private static void labels(List<KeyValue> attributes, ObjectNode out) {
        for (KeyValue kv : attributes) {
            String name = labelName(kv.getKey());
            String value = OtlpValues.text(kv.getValue()).orElse("");
            if (value.isEmpty()) {
                out.remove(name);
            } else {
                out.put(name, value);
            }
        }
    }

    /** An OTel metric name as a Prometheus one: {@code [a-zA-Z_:][a-zA-Z0-9_:]*}, anything else as {@code _}. */
    static String metricName(String name) {
        return sanitize(name, true);
    }

    /**
     * An attribute key as a label name: {@code [a-zA-Z_][a-zA-Z0-9_]*}, anything else (dots too) as {@code _}, a
     * leading digit after {@code _}. A key that comes out starting with {@code __} (reserved) is the contract's
     * to refuse, with its reason.
     */
    static String labelName(String key) {
        return sanitize(key, false);
    }

    private static String sanitize(String text, boolean colons) {
        StringBuilder out = new StringBuilder(text.length() + 1);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean allowed = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || colons && c == ':'
                    || c >= '0' && c <= '9';
            if (i == 0 && c >= '0' && c <= '9') {
                out.append('_');
            }
            out.append(allowed ? c : '_');
        }
        return out.toString();
    }

    /** A bucket bound or quantile as Prometheus writes it: {@code 0.5}, {@code 10} (no {@code .0}), {@code 1e+21}. */
    static String le(double bound) {
        if (bound == Double.POSITIVE_INFINITY) {
            return "+Inf";
        }
        if (bound == Double.NEGATIVE_INFINITY) {
            return "-Inf";
        }
        if (bound == Math.rint(bound) && Math.abs(bound) < 1e15) {
            return Long.toString((long) bound);
        }
        return Double.toString(bound);
    }

    /** A {@code fixed64} count (unsigned) as a double. */
    private static double unsigned(long count) {
        return count >= 0 ? count : (double) (count >>> 1) * 2.0;
    }
}
