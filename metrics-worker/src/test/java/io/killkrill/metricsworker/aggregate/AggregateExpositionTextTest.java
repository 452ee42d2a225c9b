package io.killkrill.metricsworker.aggregate;

import com.datadoghq.sketch.ddsketch.DDSketch;
import io.killkrill.model.MetricType;
import io.killkrill.metricsworker.store.entity.WindowAggregate;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The exposition's families and labels for rows with samples: a gauge is a window summary with its minimum and
 * maximum (no increase), a counter a running total plus its increase, every sample labelled with its window, and a
 * stored label that would clash with {@code window} or {@code quantile} renamed. Only Hibernate fills a
 * {@link WindowAggregate} (it has no setters), so the rows here answer its getters themselves.
 */
class AggregateExpositionTextTest {
    private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

    /** A row as the store would load it: the window's totals, as the entity's getters give them. */
    private static final class LoadedRow extends WindowAggregate {
        private final MetricType type;
        private final double[] values;
        private final double increase;

        LoadedRow(String name, String labels, MetricType type, double increase, double... values) {
            super(name, labels, 60, START);
            this.type = type;
            this.values = values;
            this.increase = increase;
        }

        @Override
        public MetricType getMetricType() {
            return type;
        }

        @Override
        public long getSampleCount() {
            return values.length;
        }

        @Override
        public double getValueSum() {
            return Arrays.stream(values).sum();
        }

        @Override
        public double getMinValue() {
            return Arrays.stream(values).min().orElse(Double.POSITIVE_INFINITY);
        }

        @Override
        public double getMaxValue() {
            return Arrays.stream(values).max().orElse(Double.NEGATIVE_INFINITY);
        }

        @Override
        public double getLastValue() {
            return values[values.length - 1];
        }

        @Override
        public double getValueIncrease() {
            return increase;
        }

        @Override
        public byte[] getSketch() {
            DDSketch sketch = Sketches.empty();
            for (double v : values) {
                sketch.accept(v);
            }
            return Sketches.encode(sketch);
        }
    }

    @Test
    void aGaugeIsAWindowSummaryWithItsMinimumAndMaximumAndNeitherIncreaseNorRunningTotal() {
        String text = AggregateExposition.format(List.of(
                new LoadedRow("temp", "{\"room\":\"a\"}", MetricType.GAUGE, 0, 20, 22, 21)));

        assertThat(text.lines()).contains(
                "temp_window_min{room=\"a\",window=\"60s\"} 20.0",
                "temp_window_max{room=\"a\",window=\"60s\"} 22.0",
                "temp_window_sum{room=\"a\",window=\"60s\"} 63.0",
                "temp_window_count{room=\"a\",window=\"60s\"} 3");
        assertThat(text).as("a gauge has no increase").doesNotContain("_increase");
        assertThat(text).as("nor a running total").doesNotContain("counter").doesNotContain("temp_total");
    }

    @Test
    void storedWindowAndQuantileLabelsAreRenamedAndTheOthersKept() {
        String text = AggregateExposition.format(List.of(new LoadedRow("temp",
                "{\"quantile\":\"q\",\"room\":\"a\",\"window\":\"w\"}", MetricType.GAUGE, 0, 20)));

        assertThat(text.lines()).contains(
                "temp_window_min{exported_quantile=\"q\",exported_window=\"w\",room=\"a\",window=\"60s\"} 20.0");
    }

    @Test
    void aCounterIsItsRunningTotalUnderItsOwnNameAndItsIncreaseWithoutASummary() {
        String text = AggregateExposition.format(List.of(
                new LoadedRow("http_requests_total", "{\"code\":\"200\"}", MetricType.COUNTER, 5, 10, 15)));

        assertThat(text.lines()).contains(
                "http_requests_total{code=\"200\",window=\"60s\"} 15.0",
                "http_requests_total_window_increase{code=\"200\",window=\"60s\"} 5.0");
        assertThat(text).as("the text format's own name, not the fallback").doesNotContain("_cumulative")
                .as("a counter's values are not a distribution").doesNotContain("_window_min")
                .doesNotContain("quantile");
    }

    /** {@code x_window_total}'s family would be {@code x_window}, the summary of gauge {@code x}: the library refuses two. */
    @Test
    void aCounterWhoseFamilyNameIsTakenByAnotherSummaryGetsTheCumulativeName() {
        String text = AggregateExposition.format(List.of(
                new LoadedRow("x", "{}", MetricType.GAUGE, 0, 1),
                new LoadedRow("x_window_total", "{}", MetricType.COUNTER, 5, 10, 15)));

        assertThat(text.lines()).contains(
                "x_window_total_cumulative_total{window=\"60s\"} 15.0",
                "x_window_total_window_increase{window=\"60s\"} 5.0",
                "x_window_count{window=\"60s\"} 1");
    }
}
