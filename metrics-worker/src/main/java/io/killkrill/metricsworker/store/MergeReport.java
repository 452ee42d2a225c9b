package io.killkrill.metricsworker.store;

import io.killkrill.metricsworker.aggregate.SeriesWindow;
import io.killkrill.metricsworker.aggregate.WindowTotals;

import java.util.Optional;

/**
 * What merging a batch's partial aggregates into their window rows met besides merging, for the caller to count
 * and log.
 *
 * @param racedRows                   rows another replica created while this transaction was creating them too
 * @param typeConflicts               samples merged into a window of another type (they count in count, sum,
 *                                    min, max and quantiles, not in first, last or the increase)
 * @param outOfPlaceCounterSamples    counter samples that arrived with a time among samples already folded, so
 *                                    the window's increase may be off (see {@code CounterPoints})
 * @param example                     a window with type conflicts or out-of-place samples, for the log line
 */
public record MergeReport(int racedRows, long typeConflicts, long outOfPlaceCounterSamples,
                          Optional<SeriesWindow> example) {

    public static final MergeReport NOTHING = new MergeReport(0, 0, 0, Optional.empty());

    /** Adds up the merges of one batch. */
    static final class Builder {
        private long typeConflicts;
        private long outOfPlace;
        private SeriesWindow example;

        WindowTotals add(SeriesWindow window, WindowTotals.Merged merged) {
            typeConflicts += merged.typeConflicts();
            outOfPlace += merged.outOfPlaceCounterSamples();
            if (example == null && (merged.typeConflicts() > 0 || merged.outOfPlaceCounterSamples() > 0)) {
                example = window;
            }
            return merged.totals();
        }

        MergeReport build(int racedRows) {
            return new MergeReport(racedRows, typeConflicts, outOfPlace, Optional.ofNullable(example));
        }
    }
}
