package io.killkrill.metricsworker.aggregate;

import com.datadoghq.sketch.ddsketch.DDSketch;
import io.killkrill.model.MetricSampleCodec;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The contract's value limit is the sketch's: every value the receivers accept can be folded, stored and
 * decoded, and the first value beyond it is what made the worker throw (issue 12).
 */
class SketchLimitsTest {

    @Test
    void theContractsLargestMagnitudeIsTheSketchsLargestIndexableValue() {
        assertThat(Sketches.empty().getIndexMapping().maxIndexableValue())
                .isEqualTo(MetricSampleCodec.MAX_ABS_VALUE);
    }

    @Test
    void everyAcceptedEdgeValueFoldsEncodesAndDecodes() {
        double max = MetricSampleCodec.MAX_ABS_VALUE;
        WindowAccumulator accumulator = new WindowAccumulator();
        for (double value : new double[]{max, -max, 1e308, -1e308, 5e-324, -5e-324, Double.MIN_NORMAL, -0.0, 0.0}) {
            accumulator.add(value, Instant.EPOCH);
        }

        DDSketch decoded = Sketches.decode(Sketches.encode(accumulator.sketch()));
        assertThat(decoded.getCount()).isEqualTo(9);
        assertThat(decoded.getMaxValue()).isGreaterThanOrEqualTo(max * 0.99);
        assertThat(decoded.getMinValue()).isLessThanOrEqualTo(-max * 0.99);
        assertThat(accumulator.sum()).as("the extremes cancel out").isEqualTo(Double.MIN_NORMAL);
    }

    @Test
    void aSumBeyondTheLargestDoubleIsInfinityNotAFailure() {
        WindowAccumulator accumulator = new WindowAccumulator();
        accumulator.add(MetricSampleCodec.MAX_ABS_VALUE, Instant.EPOCH);
        accumulator.add(MetricSampleCodec.MAX_ABS_VALUE, Instant.EPOCH);

        assertThat(accumulator.sum()).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(Sketches.decode(Sketches.encode(accumulator.sketch())).getCount()).isEqualTo(2);
    }

    @Test
    void theFirstValueBeyondTheLimitIsWhatTheSketchRefuses() {
        double beyond = Math.nextUp(MetricSampleCodec.MAX_ABS_VALUE);

        assertThatThrownBy(() -> Sketches.empty().accept(beyond))
                .hasMessageContaining("outside the range that is tracked by the sketch");
        assertThatThrownBy(() -> Sketches.empty().accept(-beyond))
                .hasMessageContaining("outside the range that is tracked by the sketch");
    }

    @Test
    void theWorkersLabelTextIsTheContractsCanonicalText() {
        TreeMap<String, String> labels = new TreeMap<>();
        labels.put("z", "quote \" backslash \\ newline \n nul \u0000 euro \u20ac");
        labels.put("a", "\uD83D\uDE00");

        assertThat(LabelSets.canonical(labels)).isEqualTo(MetricSampleCodec.canonicalLabels(labels));
        assertThat(LabelSets.parse(LabelSets.canonical(labels))).isEqualTo(labels);
    }
}
