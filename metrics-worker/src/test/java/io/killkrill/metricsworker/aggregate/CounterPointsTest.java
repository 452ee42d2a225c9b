package io.killkrill.metricsworker.aggregate;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A counter window's samples at and beyond {@link CounterPoints#MAX_POINTS}: the earlier ones are folded into an
 * increase without changing it, a sample that lands among folded ones is counted as out of place, and the stored
 * form is checked for its length.
 */
class CounterPointsTest {
    private static final int MAX = CounterPoints.MAX_POINTS;

    /** {@code n} samples one microsecond apart from {@code firstMicros}, the running total stepping by 2 with a reset every 100. */
    private static List<CounterPoints.Point> samples(long firstMicros, int n) {
        List<CounterPoints.Point> points = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            points.add(new CounterPoints.Point(firstMicros + i, 2.0 * (i % 100)));
        }
        return points;
    }

    /** The increase of {@code points} in order, resets detected, computed here step by step. */
    private static double expectedIncrease(List<CounterPoints.Point> points) {
        double increase = 0;
        for (int i = 1; i < points.size(); i++) {
            double earlier = points.get(i - 1).value();
            double later = points.get(i).value();
            increase += later >= earlier ? later - earlier : later;
        }
        return increase;
    }

    private static long foldedUntil(CounterPoints points) {
        return ByteBuffer.wrap(points.encode()).getLong(Double.BYTES);
    }

    @Test
    void equalRunningTotalsIncreaseByNothing() {
        assertThat(CounterIncrease.between(5, 5)).isZero();
        assertThat(CounterIncrease.between(5, 7)).isEqualTo(2);
        assertThat(CounterIncrease.between(7, 5)).as("a reset: counted up from 0").isEqualTo(5);
    }

    @Test
    void upToTheMaximumNothingIsFolded() {
        CounterPoints full = CounterPoints.of(samples(1_000, MAX));

        assertThat(full.size()).isEqualTo(MAX);
        assertThat(foldedUntil(full)).as("nothing folded").isEqualTo(Long.MIN_VALUE);
        assertThat(full.merge(CounterPoints.of(List.of(new CounterPoints.Point(1, 0)))).outOfPlace())
                .as("an earlier sample among unfolded ones is in place").isZero();
    }

    @Test
    void foldingTheEarliestSamplesKeepsTheIncreaseExact() {
        List<CounterPoints.Point> all = samples(1_000, MAX + 250);

        CounterPoints folded = CounterPoints.of(all);

        assertThat(folded.size()).isEqualTo(MAX);
        assertThat(folded.increase()).isEqualTo(expectedIncrease(all));
        assertThat(foldedUntil(folded)).as("the first kept sample").isEqualTo(1_000 + 250);
        assertThat(CounterPoints.decode(folded.encode()).increase()).isEqualTo(folded.increase());
    }

    @Test
    void mergingFoldedPartsAddsWhatEachFolded() {
        List<CounterPoints.Point> first = samples(1_000, MAX + 100);
        List<CounterPoints.Point> second = samples(10_000, MAX + 100);
        List<CounterPoints.Point> all = new ArrayList<>(first);
        all.addAll(second);

        CounterPoints.Merged merged = CounterPoints.of(first).merge(CounterPoints.of(second));

        assertThat(merged.points().increase()).isEqualTo(expectedIncrease(all));
        assertThat(merged.points().size()).isEqualTo(MAX);
    }

    @Test
    void aSampleBelowTheFoldedUntilTimeIsOutOfPlaceAndOneAtItIsNot() {
        CounterPoints folded = CounterPoints.of(samples(1_000, MAX + 10));
        long until = foldedUntil(folded);

        assertThat(folded.merge(CounterPoints.of(List.of(new CounterPoints.Point(until, 5)))).outOfPlace()).isZero();
        assertThat(folded.merge(CounterPoints.of(List.of(new CounterPoints.Point(until - 1, 5)))).outOfPlace())
                .isEqualTo(1);
        assertThat(CounterPoints.of(List.of(new CounterPoints.Point(until - 1, 5),
                new CounterPoints.Point(until - 2, 4))).merge(folded).outOfPlace())
                .as("this part's own samples below the other's folded time count too").isEqualTo(2);
    }

    @Test
    void theStoredFormIsAHeaderAndSixteenBytesPerSample() {
        assertThat(CounterPoints.decode(new byte[0]).size()).isZero();
        assertThat(CounterPoints.decode(new byte[0]).increase()).isZero();
        assertThat(CounterPoints.decode(new byte[0]).encode()).isEmpty();
        byte[] headerOnly = ByteBuffer.allocate(16).putDouble(7.5).putLong(42).array();
        assertThat(CounterPoints.decode(headerOnly).increase()).isEqualTo(7.5);
        assertThat(CounterPoints.decode(headerOnly).size()).isZero();
        assertThat(CounterPoints.decode(new byte[32]).size()).isEqualTo(1);
        assertThatThrownBy(() -> CounterPoints.decode(new byte[15])).hasMessageContaining("corrupt: 15 bytes");
        assertThatThrownBy(() -> CounterPoints.decode(new byte[17])).hasMessageContaining("corrupt: 17 bytes");
    }

    @Test
    void theSketchTracksFiniteValuesUpToItsLargestMagnitude() {
        assertThat(Sketches.tracks(Sketches.MAX_TRACKED)).isTrue();
        assertThat(Sketches.tracks(-Sketches.MAX_TRACKED)).isTrue();
        assertThat(Sketches.tracks(0)).isTrue();
        assertThat(Sketches.tracks(Math.nextUp(Sketches.MAX_TRACKED))).isFalse();
        assertThat(Sketches.tracks(Double.NaN)).isFalse();
        assertThat(Sketches.tracks(Double.POSITIVE_INFINITY)).isFalse();
    }
}
