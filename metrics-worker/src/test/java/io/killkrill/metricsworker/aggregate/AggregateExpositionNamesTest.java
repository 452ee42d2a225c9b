package io.killkrill.metricsworker.aggregate;

import io.killkrill.metricsworker.store.entity.WindowAggregate;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The exposition's names: a counter's family, the window label, and that a window without samples is not exported. */
class AggregateExpositionNamesTest {
    @Test
    void aTotalsNameIsTheFamilyWithoutItsSuffix() {
        assertThat(AggregateExposition.counterFamily("http_requests_total")).isEqualTo("http_requests");
        assertThat(AggregateExposition.counterFamily("_total")).as("nothing would be left").isEqualTo("_total");
        assertThat(AggregateExposition.counterFamily("x_total")).isEqualTo("x");
        assertThat(AggregateExposition.counterFamily("requests")).isEqualTo("requests");
        assertThat(AggregateExposition.windowLabel(60)).isEqualTo("60s");
    }

    @Test
    void aWindowNoSampleReachedIsNotExported() {
        WindowAggregate empty = new WindowAggregate("up", "", 60, Instant.parse("2026-01-01T00:00:00Z"));

        assertThat(AggregateExposition.format(List.of(empty))).doesNotContain("up");
        assertThat(AggregateExposition.format(List.of())).isEqualTo(AggregateExposition.format(List.of(empty)));
    }
}
