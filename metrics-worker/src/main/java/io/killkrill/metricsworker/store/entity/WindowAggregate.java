package io.killkrill.metricsworker.store.entity;

import io.killkrill.model.MetricType;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.SequenceGenerator;
import jakarta.persistence.Table;
import jakarta.persistence.UniqueConstraint;

import java.time.Instant;

/**
 * One series (metric name + label set) over one tumbling window: its type, count, sum, min, max, first and last
 * value, the increase a counter or delta series implies, and a mergeable quantile sketch. Rows are only ever
 * merged into, never overwritten, by the one merge rule of {@code WindowTotals#merge}.
 *
 * <p>{@code labels} is the canonical form of the label set: a JSON object with keys in sorted order, so two
 * equal label sets always give the same text (and hit the same unique key).
 */
@Entity
@Table(name = "window_aggregate", uniqueConstraints = @UniqueConstraint(name = "window_aggregate_series_window",
        columnNames = {"metric_name", "labels", "window_seconds", "window_start"}))
public class WindowAggregate {
    @Id
    @GeneratedValue(strategy = GenerationType.SEQUENCE, generator = "window_aggregate_seq")
    @SequenceGenerator(name = "window_aggregate_seq", sequenceName = "window_aggregate_seq", allocationSize = 50)
    @Column(name = "id", nullable = false)
    private Long id;

    @Column(name = "metric_name", nullable = false)
    private String metricName;

    @Column(name = "labels", nullable = false)
    private String labels;

    @Column(name = "window_seconds", nullable = false)
    private int windowSeconds;

    @Column(name = "window_start", nullable = false)
    private Instant windowStart;

    /** {@link MetricType#wireName()}: counter, delta or gauge. */
    @Column(name = "metric_type", nullable = false, length = 16)
    private String metricType;

    @Column(name = "sample_count", nullable = false)
    private long sampleCount;

    @Column(name = "value_sum", nullable = false)
    private double valueSum;

    @Column(name = "min_value", nullable = false)
    private double minValue;

    @Column(name = "max_value", nullable = false)
    private double maxValue;

    @Column(name = "first_value", nullable = false)
    private double firstValue;

    @Column(name = "first_timestamp", nullable = false)
    private Instant firstTimestamp;

    /** A counter's increase over the window (resets detected), a delta series' sum; 0 for a gauge. */
    @Column(name = "value_increase", nullable = false)
    private double valueIncrease;

    /** A counter's samples as its increase needs them ({@code CounterPoints}); empty for other types. */
    @Column(name = "counter_points", nullable = false)
    private byte[] counterPoints;

    @Column(name = "last_value", nullable = false)
    private double lastValue;

    @Column(name = "last_timestamp", nullable = false)
    private Instant lastTimestamp;

    /** DDSketch in its own binary encoding (relative accuracy stated by the writer). */
    @Column(name = "sketch", nullable = false)
    private byte[] sketch;

    @Column(name = "updated_at", nullable = false)
    private Instant updatedAt;

    protected WindowAggregate() {
    }

    public WindowAggregate(String metricName, String labels, int windowSeconds, Instant windowStart) {
        this.metricName = metricName;
        this.labels = labels;
        this.windowSeconds = windowSeconds;
        this.windowStart = windowStart;
        this.metricType = MetricType.GAUGE.wireName();
        this.firstTimestamp = Instant.EPOCH;
        this.minValue = Double.POSITIVE_INFINITY;
        this.maxValue = Double.NEGATIVE_INFINITY;
        this.lastTimestamp = Instant.EPOCH;
        this.sketch = new byte[0];
        this.counterPoints = new byte[0];
        this.updatedAt = Instant.now();
    }

    public Long getId() {
        return id;
    }

    public String getMetricName() {
        return metricName;
    }

    public String getLabels() {
        return labels;
    }

    public int getWindowSeconds() {
        return windowSeconds;
    }

    public Instant getWindowStart() {
        return windowStart;
    }

    public Instant getWindowEnd() {
        return windowStart.plusSeconds(windowSeconds);
    }

    public MetricType getMetricType() {
        return MetricType.parse(metricType).orElseThrow(() ->
                new IllegalStateException("window_aggregate.metric_type holds '" + metricType + "'"));
    }

    public double getFirstValue() {
        return firstValue;
    }

    public Instant getFirstTimestamp() {
        return firstTimestamp;
    }

    public double getValueIncrease() {
        return valueIncrease;
    }

    public long getSampleCount() {
        return sampleCount;
    }

    public double getValueSum() {
        return valueSum;
    }

    public double getMinValue() {
        return minValue;
    }

    public double getMaxValue() {
        return maxValue;
    }

    public double getLastValue() {
        return lastValue;
    }

    public Instant getLastTimestamp() {
        return lastTimestamp;
    }

    public byte[] getSketch() {
        return sketch.clone();
    }

    public Instant getUpdatedAt() {
        return updatedAt;
    }
}
