package io.killkrill.metricsworker.aggregate;

import com.datadoghq.sketch.ddsketch.DDSketch;
import io.killkrill.model.MetricType;

import java.time.Instant;

/**
 * The stored totals of one series window, as read from (and written back to) its row. {@link #merge} is the
 * one merge rule:
 * <ul>
 *   <li>counts and sums add, min and max combine, sketches merge;</li>
 *   <li>the earlier first value and the later last value win (a tie goes to the stored first value and to the
 *       partial's last value, as within a batch);</li>
 *   <li>the type is the stored one; a partial of another type adds to count, sum, min, max and sketch only
 *       ({@link Merged#typeConflicts()});</li>
 *   <li>increases: a delta series' add up; a counter's is taken over the union of both parts' samples
 *       ({@link CounterPoints}), so a window split over batches merged in any order gets the increase its
 *       samples give in one batch.</li>
 * </ul>
 *
 * @param increase      a counter's increase over the window (resets detected), a delta series' sum of
 *                      increments; 0 for a gauge
 * @param counterPoints a counter's samples as {@link CounterPoints#encode()} stores them; empty for other types
 * @param sketch        DDSketch in its own binary encoding; empty for a window with no sample yet
 */
public record WindowTotals(MetricType type, long count, double sum, double min, double max, double first,
                           Instant firstAt, double last, Instant lastAt, double increase, byte[] counterPoints,
                           byte[] sketch) {

    /**
     * A merge's result, and what it could not do exactly, for the caller to count and log.
     *
     * @param typeConflicts            samples merged into a window of another type
     * @param outOfPlaceCounterSamples counter samples that arrived with a time among samples already folded
     *                                 (see {@link CounterPoints})
     */
    public record Merged(WindowTotals totals, long typeConflicts, int outOfPlaceCounterSamples) {
    }

    /** A window no sample has reached yet: the identity of {@link #merge}. */
    public static WindowTotals empty() {
        return new WindowTotals(MetricType.GAUGE, 0, 0, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0,
                Instant.EPOCH, 0, Instant.EPOCH, 0, new byte[0], new byte[0]);
    }

    public Merged merge(WindowAccumulator partial) {
        DDSketch merged = Sketches.decode(sketch);
        merged.mergeWith(partial.sketch());
        long mergedCount = count + partial.count();
        double mergedSum = sum + partial.sum();
        double mergedMin = Math.min(min, partial.min());
        double mergedMax = Math.max(max, partial.max());
        byte[] mergedSketch = Sketches.encode(merged);
        if (count == 0) {
            CounterPoints points = partial.counterPoints();
            return new Merged(new WindowTotals(partial.type(), mergedCount, mergedSum, mergedMin, mergedMax,
                    partial.first(), partial.firstAt(), partial.last(), partial.lastAt(), partial.increase(),
                    points.encode(), mergedSketch), partial.typeConflicts(), 0);
        }
        if (partial.type() != type) {
            return new Merged(new WindowTotals(type, mergedCount, mergedSum, mergedMin, mergedMax, first, firstAt,
                    last, lastAt, increase, counterPoints, mergedSketch), partial.count(), 0);
        }
        boolean partialIsEarlier = partial.firstAt().isBefore(firstAt);
        boolean partialIsLater = !partial.lastAt().isBefore(lastAt);
        double mergedIncrease = increase + partial.increase();
        byte[] mergedPoints = counterPoints;
        int outOfPlace = 0;
        if (type == MetricType.COUNTER) {
            CounterPoints.Merged points = CounterPoints.decode(counterPoints).merge(partial.counterPoints());
            mergedIncrease = points.points().increase();
            mergedPoints = points.points().encode();
            outOfPlace = points.outOfPlace();
        }
        return new Merged(new WindowTotals(type, mergedCount, mergedSum, mergedMin, mergedMax,
                partialIsEarlier ? partial.first() : first, partialIsEarlier ? partial.firstAt() : firstAt,
                partialIsLater ? partial.last() : last, partialIsLater ? partial.lastAt() : lastAt,
                mergedIncrease, mergedPoints, mergedSketch), partial.typeConflicts(), outOfPlace);
    }
}
