package io.killkrill.metricsworker;

import com.datadoghq.sketch.ddsketch.DDSketch;
import io.killkrill.metricsworker.aggregate.BatchAggregation;
import io.killkrill.metricsworker.aggregate.CardinalityGuard;
import io.killkrill.metricsworker.aggregate.LabelSets;
import io.killkrill.metricsworker.aggregate.SeriesWindow;
import io.killkrill.metricsworker.aggregate.Sketches;
import io.killkrill.metricsworker.aggregate.WindowAccumulator;
import io.killkrill.metricsworker.aggregate.WindowTotals;
import io.killkrill.metricsworker.http.AggregateQuery;
import io.killkrill.model.EventIds;
import io.killkrill.model.MetricSample;
import io.killkrill.model.MetricType;
import io.killkrill.model.Source;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class AggregationUnitsTest {

    @Test
    void windowsAreAlignedToTheEpoch() {
        assertThat(SeriesWindow.windowStart(Instant.parse("2024-05-01T10:17:42.5Z"), 60))
                .isEqualTo(Instant.parse("2024-05-01T10:17:00Z"));
        assertThat(SeriesWindow.windowStart(Instant.parse("2024-05-01T10:17:42.5Z"), 3600))
                .isEqualTo(Instant.parse("2024-05-01T10:00:00Z"));
        assertThat(SeriesWindow.windowStart(Instant.ofEpochMilli(-1), 10)).isEqualTo(Instant.ofEpochSecond(-10));
    }

    @Test
    void aBatchFoldsIntoOneAccumulatorPerSeriesAndWindowSize() {
        Instant t = Instant.parse("2024-05-01T10:17:00Z");
        List<MetricSample> samples = List.of(sample(100, Map.of("a", "1"), t.plusSeconds(1)),
                sample(104, Map.of("a", "1"), t.plusSeconds(2)), sample(1, Map.of("a", "2"), t.plusSeconds(3)));
        var windows = BatchAggregation.aggregate(samples, List.of(10, 60));
        assertThat(windows).hasSize(4);
        WindowAccumulator a = windows.get(new SeriesWindow("m", "{\"a\":\"1\"}", 60, t));
        assertThat(a.count()).isEqualTo(2);
        assertThat(a.sum()).isEqualTo(204.0);
        assertThat(a.min()).isEqualTo(100.0);
        assertThat(a.max()).isEqualTo(104.0);
        assertThat(a.last()).isEqualTo(104.0);
    }

    @Test
    void storedTotalsMergeAPartialByTheMergeRule() {
        Instant t = Instant.parse("2024-05-01T10:17:00Z");
        WindowAccumulator first = new WindowAccumulator();
        first.add(10, t.plusSeconds(5));
        first.add(30, t.plusSeconds(1));
        WindowTotals stored = WindowTotals.empty().merge(first).totals();
        assertThat(stored.count()).isEqualTo(2);
        assertThat(stored.last()).isEqualTo(10.0);
        assertThat(stored.first()).isEqualTo(30.0);
        WindowAccumulator earlier = new WindowAccumulator();
        earlier.add(2, t.plusSeconds(3));
        WindowTotals merged = stored.merge(earlier).totals();
        assertThat(merged.count()).isEqualTo(3);
        assertThat(merged.sum()).isEqualTo(42.0);
        assertThat(merged.min()).isEqualTo(2.0);
        assertThat(merged.max()).isEqualTo(30.0);
        assertThat(merged.last()).as("an earlier partial does not replace the last value").isEqualTo(10.0);
        assertThat(merged.lastAt()).isEqualTo(t.plusSeconds(5));
        assertThat(merged.first()).as("a partial after the first value does not replace it").isEqualTo(30.0);
        assertThat(merged.firstAt()).isEqualTo(t.plusSeconds(1));
        assertThat(Sketches.decode(merged.sketch()).getCount()).isEqualTo(3.0);
    }

    @Test
    void sketchesSurviveEncodingAndMerge() {
        DDSketch one = Sketches.empty();
        DDSketch two = Sketches.empty();
        for (int i = 1; i <= 50; i++) {
            one.accept(i);
            two.accept(50 + i);
        }
        DDSketch stored = Sketches.decode(Sketches.encode(one));
        stored.mergeWith(Sketches.decode(Sketches.encode(two)));
        assertThat(stored.getCount()).isEqualTo(100.0);
        assertThat(stored.getValueAtQuantile(0.5)).isCloseTo(50.0, within(1.0));
        assertThat(stored.getValueAtQuantile(0.99)).isCloseTo(99.0, within(1.5));
        assertThat(Sketches.decode(new byte[0]).isEmpty()).isTrue();
    }

    @Test
    void labelSetsHaveOneCanonicalForm() {
        assertThat(LabelSets.canonical(Map.of("b", "2", "a", "x\"y"))).isEqualTo("{\"a\":\"x\\\"y\",\"b\":\"2\"}");
        assertThat(LabelSets.parse(LabelSets.canonical(Map.of("b", "2", "a", "1")))).containsExactly(
                Map.entry("a", "1"), Map.entry("b", "2"));
    }

    @Test
    void theCardinalityGuardCountsStoredAndNewSeries() {
        CardinalityGuard guard = new CardinalityGuard(2, name -> Set.of("{\"u\":\"stored\"}"));
        assertThat(guard.admit("m", "{\"u\":\"stored\"}")).isTrue();
        assertThat(guard.admit("m", "{\"u\":\"new\"}")).isTrue();
        assertThat(guard.admit("m", "{\"u\":\"third\"}")).isFalse();
        assertThat(guard.admit("m", "{\"u\":\"new\"}")).isTrue();
        assertThat(guard.admit("other", "{\"u\":\"x\"}")).isTrue();
    }

    @Test
    void queryParametersAreValidatedAllAtOnce() {
        Instant now = Instant.parse("2024-05-01T10:00:00Z");
        var bad = AggregateQuery.parse(Map.of("labels", "nope", "from", "x", "window", "5y"), now);
        assertThat(bad.query()).isEmpty();
        assertThat(bad.problems()).hasSize(4);
        var good = AggregateQuery.parse(Map.of("name", "m", "labels", "a=1,b=2", "from", "1714550000",
                "to", "2024-05-01T11:00:00Z", "window", "1m"), now).query().orElseThrow();
        assertThat(good.labels()).containsExactly(Map.entry("a", "1"), Map.entry("b", "2"));
        assertThat(good.from()).isEqualTo(Instant.ofEpochSecond(1714550000));
        assertThat(good.windowSeconds()).contains(60);
        assertThat(good.labelsJson()).isEqualTo("{\"a\":\"1\",\"b\":\"2\"}");
        assertThat(AggregateQuery.parse(Map.of("name", "m", "labels", "{\"a\":\"1\"}"), now).query()
                .orElseThrow().labels()).containsExactly(Map.entry("a", "1"));
    }

    @Test
    void settingsParseWindowListsAndRejectFractions() {
        var env = Map.of("KILLKRILL_METRICS_WORKER_WINDOWS", "1h, 10s", "KILLKRILL_FAULT_INJECTION", "crash_after_commit");
        MetricsWorkerConfig config = MetricsWorkerConfig.from(MetricsWorkerSettings.DEFINITION.parse(env));
        assertThat(config.windows()).extracting(d -> d.toSeconds()).containsExactly(10L, 3600L);
        assertThat(config.faultInjection()).isEqualTo(MetricsWorkerSettings.FaultInjection.CRASH_AFTER_COMMIT);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> MetricsWorkerSettings.DEFINITION.parse(
                Map.of("KILLKRILL_METRICS_WORKER_WINDOWS", "1500ms"))).hasMessageContaining("KILLKRILL_METRICS_WORKER_WINDOWS");
    }

    private static MetricSample sample(double value, Map<String, String> labels, Instant at) {
        return new MetricSample(EventIds.next(), "m", value, new TreeMap<>(labels), at, MetricType.GAUGE, at,
                Source.http(null));
    }
}
