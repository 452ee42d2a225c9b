package io.killkrill.metricsworker.store;

import io.killkrill.metricsworker.aggregate.SeriesWindow;
import io.killkrill.metricsworker.aggregate.WindowTotals;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** What a batch's merge reports besides merging: conflicts and out-of-place samples added up, and the first window that had any. */
class MergeReportTest {
    private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void theReportAddsUpEveryMergeAndNamesTheFirstWindowThatMetSomething() {
        SeriesWindow clean = new SeriesWindow("a", "", 60, T);
        SeriesWindow conflicted = new SeriesWindow("b", "", 60, T);
        SeriesWindow late = new SeriesWindow("c", "", 60, T);
        WindowTotals totals = WindowTotals.empty();
        MergeReport.Builder builder = new MergeReport.Builder();

        assertThat(builder.add(clean, new WindowTotals.Merged(totals, 0, 0))).isSameAs(totals);
        builder.add(conflicted, new WindowTotals.Merged(totals, 3, 0));
        builder.add(late, new WindowTotals.Merged(totals, 0, 2));
        builder.add(clean, new WindowTotals.Merged(totals, 1, 4));

        MergeReport report = builder.build(5);
        assertThat(report.racedRows()).isEqualTo(5);
        assertThat(report.typeConflicts()).isEqualTo(4);
        assertThat(report.outOfPlaceCounterSamples()).isEqualTo(6);
        assertThat(report.example()).contains(conflicted);
    }

    @Test
    void aWindowWithOnlyOutOfPlaceSamplesIsAnExampleToo() {
        SeriesWindow late = new SeriesWindow("c", "", 60, T);
        MergeReport.Builder builder = new MergeReport.Builder();
        builder.add(late, new WindowTotals.Merged(WindowTotals.empty(), 0, 1));

        assertThat(builder.build(0).example()).contains(late);
        assertThat(new MergeReport.Builder().build(0)).isEqualTo(MergeReport.NOTHING);
    }
}
