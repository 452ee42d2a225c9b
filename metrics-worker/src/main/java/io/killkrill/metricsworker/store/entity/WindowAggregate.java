package io.killkrill.metricsworker.store.entity;

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
 * One series (metric name + label set) over one tumbling window: count, sum, min, max, last value and a
 * mergeable quantile sketch. Rows are only ever merged into, never overwritten: a later flush of the same
 * window adds counts and sums, combines min and max, merges sketches and keeps the later last value.
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

    @Column(name = "sample_count", nullable = false)
    private long sampleCount;

    @Column(name = "value_sum", nullable = false)
    private double valueSum;

    @Column(name = "min_value", nullable = false)
    private double minValue;

    @Column(name = "max_value", nullable = false)
    private double maxValue;

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
        this.minValue = Double.POSITIVE_INFINITY;
        this.maxValue = Double.NEGATIVE_INFINITY;
        this.lastTimestamp = Instant.EPOCH;
        this.sketch = new byte[0];
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
