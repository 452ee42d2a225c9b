package io.killkrill.stream;

import io.killkrill.model.Stage;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A consumer's settings: the bounds it refuses and how often it re-claims what it holds. */
class ConsumerSettingsTest {
    private static ConsumerSettings settings(int batchSize, Duration claimIdle, int maxDeliveries, long dlqMax) {
        return new ConsumerSettings("log-worker", Stage.BULK_INDEX, "logs", "log-workers", "logs-dlq", "c1",
                batchSize, Duration.ofMillis(500), claimIdle, maxDeliveries, dlqMax, true);
    }

    @Test
    void theHeartbeatComesThreeTimesPerClaimIdleTimeAndNeverMoreOftenThanEvery20Ms() {
        assertThat(settings(10, Duration.ofSeconds(30), 5, 100).heartbeat()).isEqualTo(Duration.ofSeconds(10));
        assertThat(settings(10, Duration.ofMillis(90), 5, 100).heartbeat()).isEqualTo(Duration.ofMillis(30));
        assertThat(settings(10, Duration.ofMillis(30), 5, 100).heartbeat()).isEqualTo(Duration.ofMillis(20));
    }

    @Test
    void withConsumerChangesOnlyTheConsumerName() {
        ConsumerSettings original = settings(10, Duration.ofSeconds(30), 5, 100);

        ConsumerSettings renamed = original.withConsumer("c2");

        assertThat(renamed.consumer()).isEqualTo("c2");
        assertThat(renamed).usingRecursiveComparison().ignoringFields("consumer").isEqualTo(original);
    }

    @Test
    void eachBoundMustBePositive() {
        assertThat(settings(1, Duration.ofSeconds(1), 1, 1).batchSize()).isEqualTo(1);
        assertThatThrownBy(() -> settings(0, Duration.ofSeconds(1), 1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> settings(1, Duration.ofSeconds(1), 0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> settings(1, Duration.ofSeconds(1), 1, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aStreamRecordIsDeliveredAtLeastOnceAndKeepsACopyOfItsFields() {
        assertThat(new StreamRecord("1-0", Map.of("a", "b"), 1).deliveries()).isEqualTo(1);
        assertThatThrownBy(() -> new StreamRecord("1-0", Map.of(), 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("got 0");
    }
}
