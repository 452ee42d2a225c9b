package io.killkrill.stream;

import io.killkrill.model.DeadLetterReason;
import io.killkrill.model.Stage;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The runtime's meters are named after the worker running them and tagged with its stream and group. */
class StreamMetricsTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @Test
    void everyMeterIsNamedAfterTheServiceAndTaggedWithStreamAndGroup() {
        StreamMetrics metrics = new StreamMetrics(registry, "log-worker", "logs", "log-workers");
        metrics.delivered.increment(3);
        metrics.lag.set(7);
        metrics.length.set(11);
        metrics.pending.set(4);
        metrics.deadLetterLength.set(2);
        metrics.oldestPendingAgeMillis.set(2500);
        metrics.batchSize.record(3);

        assertThat(registry.get("killkrill.log_worker.stream.delivered").tag("stream", "logs")
                .tag("group", "log-workers").counter().count()).isEqualTo(3);
        assertThat(registry.get("killkrill.log_worker.stream.lag").gauge().value()).isEqualTo(7);
        assertThat(registry.get("killkrill.log_worker.stream.length").gauge().value()).isEqualTo(11);
        assertThat(registry.get("killkrill.log_worker.stream.pending").gauge().value()).isEqualTo(4);
        assertThat(registry.get("killkrill.log_worker.stream.dead_letter_length").gauge().value()).isEqualTo(2);
        assertThat(registry.get("killkrill.log_worker.stream.oldest.pending.age").gauge().value()).isEqualTo(2.5);
        assertThat(registry.get("killkrill.log_worker.stream.batch.size").summary().count()).isEqualTo(1);
        assertThat(registry.getMeters()).allSatisfy(m -> {
            assertThat(m.getId().getName()).startsWith("killkrill.log_worker.stream.");
            assertThat(m.getId().getTag("stream")).isEqualTo("logs");
        });
    }

    @Test
    void deadLettersAreCountedByReasonAndStage() {
        StreamMetrics metrics = new StreamMetrics(registry, "metrics-worker", "metrics", "metrics-workers");

        metrics.deadLettered(DeadLetterReason.MAX_DELIVERIES_EXCEEDED, Stage.PERSIST, 2);
        metrics.deadLettered(DeadLetterReason.MAX_DELIVERIES_EXCEEDED, Stage.PERSIST, 1);

        assertThat(registry.get("killkrill.metrics_worker.stream.dead_lettered")
                .tag("reason", DeadLetterReason.MAX_DELIVERIES_EXCEEDED.code())
                .tag("stage", Stage.PERSIST.wireName()).counter().count()).isEqualTo(3);
    }

    @Test
    void aServiceNameThatIsNotLowerCaseWordsIsRefused() {
        assertThatThrownBy(() -> new StreamMetrics(registry, "Log Worker", "logs", "g"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'Log Worker'");
    }
}
