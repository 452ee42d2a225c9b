package io.killkrill.config;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ReplicaAcksTest {
    private static final ConfigDef DEFINITION = ConfigDef.of("test", CommonSettings.ALL);

    @Test
    void byDefaultNoReplicaIsWaitedFor() {
        ReplicaAcks acks = CommonSettings.replicaAcks(DEFINITION.parse(Map.of()));
        assertThat(acks).isEqualTo(new ReplicaAcks(0, Duration.ofSeconds(1)));
        assertThat(acks.required()).isFalse();
        assertThat(acks.replyAllowance()).isZero();
        assertThat(acks.shortfall(0)).as("0 acknowledgements are enough for 0").isNull();
    }

    @Test
    void aShortfallNamesWhatWasAcknowledgedOfWhatIsRequiredWithinTheTimeout() {
        ReplicaAcks acks = CommonSettings.replicaAcks(DEFINITION.parse(Map.of(
                "KILLKRILL_REDIS_MIN_REPLICA_ACKS", "2", "KILLKRILL_REDIS_REPLICA_ACK_TIMEOUT", "250ms")));
        assertThat(acks.required()).isTrue();
        assertThat(acks.replyAllowance()).isEqualTo(Duration.ofMillis(250));
        assertThat(acks.shortfall(2)).isNull();
        assertThat(acks.shortfall(3)).isNull();
        assertThat(acks.shortfall(1)).isEqualTo("NOREPLICAS 1 of the 2 Redis replicas required "
                + "(KILLKRILL_REDIS_MIN_REPLICA_ACKS) acknowledged within 250 ms");
    }

    @Test
    void outOfRangeValuesAreRefusedAtStartUp() {
        assertThatThrownBy(() -> DEFINITION.parse(Map.of("KILLKRILL_REDIS_MIN_REPLICA_ACKS", "-1")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("KILLKRILL_REDIS_MIN_REPLICA_ACKS");
        assertThatThrownBy(() -> DEFINITION.parse(Map.of("KILLKRILL_REDIS_REPLICA_ACK_TIMEOUT", "20s")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("KILLKRILL_REDIS_REPLICA_ACK_TIMEOUT");
        assertThatThrownBy(() -> new ReplicaAcks(1, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }
}
