package io.killkrill.metricsworker.aggregate;

import com.datadoghq.sketch.ddsketch.DDSketch;

import java.time.Instant;

/**
 * The stored totals of one series window, as read from (and written back to) its row. {@link #merge} is the
 * one merge rule: counts and sums add, min and max combine, sketches merge, the later last value wins (a tie
 * goes to the partial, as within a batch).
 *
 * @param sketch DDSketch in its own binary encoding; empty for a window with no sample yet
 */
public record WindowTotals(long count, double sum, double min, double max, double last, Instant lastAt,
                           byte[] sketch) {

    /** A window no sample has reached yet: the identity of {@link #merge}. */
    public static WindowTotals empty() {
        return new WindowTotals(0, 0, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0, Instant.EPOCH,
                new byte[0]);
    }

    public WindowTotals merge(WindowAccumulator partial) {
        boolean partialIsLater = !partial.lastAt().isBefore(lastAt);
        DDSketch merged = Sketches.decode(sketch);
        merged.mergeWith(partial.sketch());
        return new WindowTotals(count + partial.count(), sum + partial.sum(), Math.min(min, partial.min()),
                Math.max(max, partial.max()), partialIsLater ? partial.last() : last,
                partialIsLater ? partial.lastAt() : lastAt, Sketches.encode(merged));
    }
}
