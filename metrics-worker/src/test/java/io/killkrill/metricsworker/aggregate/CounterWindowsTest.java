package io.killkrill.metricsworker.aggregate;

import io.killkrill.model.MetricType;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * A counter window stores the increase of its running totals with resets detected, whatever batches its samples
 * come in and whatever order those batches are merged in; a delta window adds its increments; a sample of another
 * type than its window's is counted and kept out of the increase.
 */
class CounterWindowsTest {
    private static final Instant T = Instant.parse("2024-05-01T10:17:00Z");

    @Test
    void runningTotalsWithAResetInOneWindowIncreaseBy50() {
        WindowAccumulator window = counter(new double[]{100, 130, 5, 20}, 0, 1, 2, 3);
        assertThat(window.increase()).as("30 + 5 (reset: counted up from 0) + 15").isEqualTo(50.0);
        assertThat(WindowTotals.empty().merge(window).totals().increase()).isEqualTo(50.0);
    }

    @Test
    void aBatchInAnyOrderGivesTheIncreaseOfItsSamplesInTimeOrder() {
        WindowAccumulator shuffled = new WindowAccumulator();
        shuffled.add(5, T.plusSeconds(3), MetricType.COUNTER);
        shuffled.add(100, T.plusSeconds(1), MetricType.COUNTER);
        shuffled.add(20, T.plusSeconds(4), MetricType.COUNTER);
        shuffled.add(130, T.plusSeconds(2), MetricType.COUNTER);
        assertThat(shuffled.increase()).isEqualTo(50.0);
        assertThat(shuffled.first()).isEqualTo(100.0);
        assertThat(shuffled.last()).isEqualTo(20.0);
    }

    @Test
    void theSameSamplesSplitOverTwoBatchesMergedInEitherOrderIncreaseBy50() {
        WindowAccumulator early = counter(new double[]{100, 130}, 0, 1);
        WindowAccumulator late = counter(new double[]{5, 20}, 2, 3);
        WindowTotals earlyFirst = WindowTotals.empty().merge(early).totals().merge(late).totals();
        WindowTotals lateFirst = WindowTotals.empty().merge(late).totals().merge(early).totals();
        assertThat(earlyFirst.increase()).isEqualTo(50.0);
        assertThat(lateFirst.increase()).isEqualTo(50.0);
        assertThat(lateFirst.first()).isEqualTo(100.0);
        assertThat(lateFirst.last()).isEqualTo(20.0);
    }

    @Test
    void aBatchBetweenTwoMergedOnesFillsTheGapExactly() {
        WindowTotals stored = WindowTotals.empty().merge(counter(new double[]{100, 130}, 0, 1)).totals()
                .merge(counter(new double[]{20, 40}, 4, 5)).totals();
        assertThat(stored.increase()).as("30 + reset to 20 + 20").isEqualTo(70.0);
        WindowTotals.Merged filled = stored.merge(counter(new double[]{135, 5}, 2, 3));
        assertThat(filled.totals().increase()).as("30 + 5 + reset to 5 + 15 + 20").isEqualTo(75.0);
        assertThat(filled.outOfPlaceCounterSamples()).isZero();
    }

    @Test
    void aResetBetweenSamplesMergedBeforeIsFoundWhenItsBatchArrivesLast() {
        WindowTotals stored = WindowTotals.empty().merge(counter(new double[]{0, 0}, 0, 7)).totals()
                .merge(counter(new double[]{1}, 11)).totals();
        assertThat(stored.increase()).isEqualTo(1.0);
        WindowTotals filled = stored.merge(counter(new double[]{1}, 3)).totals();
        assertThat(filled.increase()).as("0 -> 1, reset to 0, 0 -> 1").isEqualTo(2.0);
    }

    @Test
    void deltaIncrementsAddUpAcrossBatches() {
        WindowAccumulator one = new WindowAccumulator();
        one.add(3, T.plusSeconds(1), MetricType.DELTA);
        one.add(4, T.plusSeconds(2), MetricType.DELTA);
        WindowAccumulator two = new WindowAccumulator();
        two.add(5, T.plusSeconds(0), MetricType.DELTA);
        WindowTotals merged = WindowTotals.empty().merge(one).totals().merge(two).totals();
        assertThat(merged.type()).isEqualTo(MetricType.DELTA);
        assertThat(merged.increase()).isEqualTo(12.0);
        assertThat(merged.sum()).isEqualTo(12.0);
        assertThat(merged.first()).isEqualTo(5.0);
    }

    @Test
    void gaugesHaveNoIncrease() {
        WindowAccumulator gauge = new WindowAccumulator();
        gauge.add(3, T.plusSeconds(1));
        gauge.add(1, T.plusSeconds(2));
        WindowTotals merged = WindowTotals.empty().merge(gauge).totals();
        assertThat(merged.type()).isEqualTo(MetricType.GAUGE);
        assertThat(merged.increase()).isZero();
        assertThat(merged.counterPoints()).isEmpty();
    }

    @Test
    void aSampleOfAnotherTypeCountsButStaysOutOfTheIncreaseAndIsReported() {
        WindowAccumulator mixed = new WindowAccumulator();
        mixed.add(10, T.plusSeconds(1), MetricType.COUNTER);
        mixed.add(999, T.plusSeconds(2), MetricType.GAUGE);
        mixed.add(25, T.plusSeconds(3), MetricType.COUNTER);
        assertThat(mixed.typeConflicts()).isEqualTo(1);
        WindowTotals.Merged stored = WindowTotals.empty().merge(mixed);
        assertThat(stored.typeConflicts()).isEqualTo(1);
        assertThat(stored.totals().count()).isEqualTo(3);
        assertThat(stored.totals().increase()).isEqualTo(15.0);
        assertThat(stored.totals().last()).as("the conflicting sample is not the last value").isEqualTo(25.0);

        WindowAccumulator gauges = new WindowAccumulator();
        gauges.add(1, T.plusSeconds(4));
        gauges.add(2, T.plusSeconds(5));
        WindowTotals.Merged conflict = stored.totals().merge(gauges);
        assertThat(conflict.typeConflicts()).isEqualTo(2);
        assertThat(conflict.totals().type()).isEqualTo(MetricType.COUNTER);
        assertThat(conflict.totals().count()).isEqualTo(5);
        assertThat(conflict.totals().increase()).isEqualTo(15.0);
    }

    @Test
    void keptSamplesAreBoundedTheFoldedIncreaseIsKeptAndASampleAmongFoldedOnesIsReported() {
        List<CounterPoints.Point> resets = new ArrayList<>();
        double expected = 0;
        for (int i = 1; i <= 2 * CounterPoints.MAX_POINTS; i++) {
            double value = i % 2 == 0 ? 10 : 1; // falls every other sample: a reset each time
            resets.add(new CounterPoints.Point(i, value));
            if (i > 1) {
                expected += CounterIncrease.between(i % 2 == 0 ? 1 : 10, value);
            }
        }
        CounterPoints points = CounterPoints.of(resets);
        assertThat(points.size()).isEqualTo(CounterPoints.MAX_POINTS);
        assertThat(points.increase()).isEqualTo(expected);
        CounterPoints stored = CounterPoints.decode(points.encode());
        assertThat(stored.increase()).isEqualTo(expected);
        CounterPoints.Merged late = stored.merge(CounterPoints.of(List.of(new CounterPoints.Point(0, 0))));
        assertThat(late.outOfPlace()).as("a sample older than the folded ones").isEqualTo(1);
        CounterPoints.Merged inOrder = stored.merge(CounterPoints.of(List.of(
                new CounterPoints.Point(2L * CounterPoints.MAX_POINTS + 1, 15))));
        assertThat(inOrder.outOfPlace()).isZero();
        assertThat(inOrder.points().increase()).isEqualTo(expected + 5);
    }

    /**
     * However a counter's samples (rising runs with resets) are cut into consecutive batches, and in whatever
     * order the batches are merged, the stored increase is the increase of all samples in time order.
     */
    @Property(tries = 300)
    void anySplitMergedInAnyOrderGivesTheIncreaseOfTheWhole(@ForAll("counterRuns") List<Double> values,
                                                            @ForAll("seeds") long seed) {
        Random random = new Random(seed);
        double whole = 0;
        for (int i = 1; i < values.size(); i++) {
            whole += CounterIncrease.between(values.get(i - 1), values.get(i));
        }
        List<WindowAccumulator> batches = new ArrayList<>();
        WindowAccumulator current = new WindowAccumulator();
        for (int i = 0; i < values.size(); i++) {
            current.add(values.get(i), T.plusMillis(i), MetricType.COUNTER);
            if (random.nextInt(3) == 0 || i == values.size() - 1) {
                batches.add(current);
                current = new WindowAccumulator();
            }
        }
        Collections.shuffle(batches, random);
        WindowTotals totals = WindowTotals.empty();
        long outOfPlace = 0;
        for (WindowAccumulator batch : batches) {
            WindowTotals.Merged merged = totals.merge(batch);
            totals = merged.totals();
            outOfPlace += merged.outOfPlaceCounterSamples();
        }
        assertThat(outOfPlace).isZero();
        assertThat(totals.count()).isEqualTo(values.size());
        assertThat(totals.increase()).isCloseTo(whole, within(1e-6));
        assertThat(totals.first()).isEqualTo(values.get(0));
        assertThat(totals.last()).isEqualTo(values.get(values.size() - 1));
    }

    /** What a real counter sends: runs that rise from near zero, each ended by a reset. */
    @Provide
    Arbitrary<List<Double>> counterRuns() {
        Arbitrary<List<Double>> run = Combinators.combine(Arbitraries.integers().between(0, 20),
                        Arbitraries.integers().between(0, 50).list().ofMinSize(1).ofMaxSize(12))
                .as((start, steps) -> {
                    List<Double> values = new ArrayList<>();
                    double value = start;
                    for (int step : steps) {
                        value += step;
                        values.add(value);
                    }
                    return values;
                });
        return run.list().ofMinSize(1).ofMaxSize(5).map(runs -> {
            List<Double> all = new ArrayList<>();
            runs.forEach(all::addAll);
            return all;
        });
    }

    @Provide
    Arbitrary<Long> seeds() {
        return Arbitraries.longs();
    }

    private static WindowAccumulator counter(double[] values, int... seconds) {
        WindowAccumulator window = new WindowAccumulator();
        for (int i = 0; i < values.length; i++) {
            window.add(values[i], T.plusSeconds(seconds[i]), MetricType.COUNTER);
        }
        return window;
    }
}
