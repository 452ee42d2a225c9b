package io.killkrill.metricsworker.aggregate;

import com.datadoghq.sketch.ddsketch.DDSketch;

import java.time.Instant;

/** The in-memory partial aggregate of one series window within one batch. */
public final class WindowAccumulator {
    private long count;
    private double sum;
    private double min = Double.POSITIVE_INFINITY;
    private double max = Double.NEGATIVE_INFINITY;
    private double last;
    private Instant lastAt = Instant.MIN;
    private final DDSketch sketch = Sketches.empty();

    public void add(double value, Instant timestamp) {
        count++;
        sum += value;
        min = Math.min(min, value);
        max = Math.max(max, value);
        if (!timestamp.isBefore(lastAt)) {
            last = value;
            lastAt = timestamp;
        }
        sketch.accept(value);
    }

    public long count() {
        return count;
    }

    public double sum() {
        return sum;
    }

    public double min() {
        return min;
    }

    public double max() {
        return max;
    }

    public double last() {
        return last;
    }

    public Instant lastAt() {
        return lastAt;
    }

    public DDSketch sketch() {
        return sketch;
    }
}
