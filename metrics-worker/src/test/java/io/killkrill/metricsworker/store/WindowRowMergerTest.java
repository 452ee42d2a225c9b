package io.killkrill.metricsworker.store;

import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** How the row merger hands instants to PostgreSQL: exact epoch microseconds, the nanoseconds below them dropped. */
class WindowRowMergerTest {
    @Test
    void anInstantIsItsEpochMicroseconds() {
        assertThat(WindowRowMerger.micros(Instant.parse("2026-01-01T00:00:00Z"))).isEqualTo(1_767_225_600_000_000L);
        assertThat(WindowRowMerger.micros(Instant.parse("2026-01-01T00:00:00.123456789Z")))
                .as("sub-second part in microseconds, truncated").isEqualTo(1_767_225_600_123_456L);
        assertThat(WindowRowMerger.micros(Instant.EPOCH.minusNanos(1_000))).isEqualTo(-1L);
        assertThatThrownBy(() -> WindowRowMerger.micros(Instant.MAX)).isInstanceOf(ArithmeticException.class);
    }
}
