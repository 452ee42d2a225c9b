package io.killkrill.metricsworker.aggregate;

import com.datadoghq.sketch.ddsketch.DDSketch;
import io.killkrill.model.MetricType;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The in-memory partial aggregate of one series window within one batch.
 *
 * <p>The window's type is the type of its first sample. Every sample counts into count, sum, min, max and the
 * sketch; a sample of another type counts only there, not into first, last or the increase, and is counted as a
 * {@link #typeConflicts() type conflict}. The increase of a {@link MetricType#COUNTER counter} is taken over its
 * samples in time order (so a batch's own order does not matter), with resets detected
 * ({@link CounterPoints}); that of a {@link MetricType#DELTA delta} series is the sum of its values.
 */
public final class WindowAccumulator {
    private MetricType type;
    private long count;
    private double sum;
    private double min = Double.POSITIVE_INFINITY;
    private double max = Double.NEGATIVE_INFINITY;
    private double first;
    private Instant firstAt = Instant.MAX;
    private double last;
    private Instant lastAt = Instant.MIN;
    private double deltaSum;
    private long typeConflicts;
    private final List<CounterPoints.Point> counterPoints = new ArrayList<>();
    private final DDSketch sketch = Sketches.empty();

    /** Adds a gauge sample (the type of samples whose type is not known). */
    public void add(double value, Instant timestamp) {
        add(value, timestamp, MetricType.GAUGE);
    }

    public void add(double value, Instant timestamp, MetricType sampleType) {
        if (type == null) {
            type = sampleType;
        }
        count++;
        sum += value;
        min = Math.min(min, value);
        max = Math.max(max, value);
        sketch.accept(value);
        if (sampleType != type) {
            typeConflicts++;
            return;
        }
        if (timestamp.isBefore(firstAt)) {
            first = value;
            firstAt = timestamp;
        }
        if (!timestamp.isBefore(lastAt)) {
            last = value;
            lastAt = timestamp;
        }
        if (type == MetricType.COUNTER) {
            counterPoints.add(CounterPoints.Point.of(timestamp, value));
        } else if (type == MetricType.DELTA) {
            deltaSum += value;
        }
    }

    /** The type of the window's first sample; gauge for an empty one. */
    public MetricType type() {
        return type == null ? MetricType.GAUGE : type;
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

    public double first() {
        return first;
    }

    public Instant firstAt() {
        return firstAt;
    }

    public double last() {
        return last;
    }

    public Instant lastAt() {
        return lastAt;
    }

    /**
     * The increase over this partial's samples of the window's type: for a counter, over its samples in time
     * order with resets detected ({@link CounterPoints}); for a delta series, the sum of its values; 0 for a
     * gauge.
     */
    public double increase() {
        return switch (type()) {
            case COUNTER -> counterPoints().increase();
            case DELTA -> deltaSum;
            case GAUGE -> 0;
        };
    }

    /** A counter's samples as its increase needs them; none for another type. */
    public CounterPoints counterPoints() {
        return CounterPoints.of(counterPoints);
    }

    /** Samples of another type than the window's first one: counted, but not in the increase. */
    public long typeConflicts() {
        return typeConflicts;
    }

    public DDSketch sketch() {
        return sketch;
    }
}
