package io.killkrill.stream;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What a batch in flight tells a sink that must not apply an entry twice: which entries it still holds, and since when. */
class BatchTest {
    private static StreamRecord record(String id, long deliveries) {
        return new StreamRecord(id, Map.of("payload", id), deliveries);
    }

    @Test
    void aNewBatchHoldsAllItsEntriesAsOfItsCreation() {
        Batch batch = new Batch(List.of(record("1-0", 1), record("1-1", 1), record("2-0", 1)), true);

        assertThat(batch.size()).isEqualTo(3);
        assertThat(batch.isEmpty()).isFalse();
        assertThat(batch.contiguous()).isTrue();
        assertThat(batch.records()).extracting(StreamRecord::id).containsExactly("1-0", "1-1", "2-0");
        assertThat(batch.heldWithin(Duration.ofMinutes(1))).hasValue(Set.of("1-0", "1-1", "2-0"));
    }

    @Test
    void aRedeliveredBatchIsNotContiguousAndAnEmptyOneIsEmpty() {
        assertThat(new Batch(List.of(record("5-0", 2)), false).contiguous()).isFalse();
        Batch empty = new Batch(List.of(), true);
        assertThat(empty.isEmpty()).isTrue();
        assertThat(empty.size()).isZero();
    }

    @Test
    void theRecordsAreACopyTheCallerCannotChangeAfterwards() {
        List<StreamRecord> records = new ArrayList<>(List.of(record("1-0", 1)));
        Batch batch = new Batch(records, true);
        records.add(record("1-1", 1));

        assertThat(batch.size()).isEqualTo(1);
        assertThatThrownBy(() -> batch.records().add(record("9-9", 1))).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void aHeartbeatReplacesWhatIsHeldAndWhenItWasConfirmed() {
        Batch batch = new Batch(List.of(record("1-0", 1), record("1-1", 1)), true);

        batch.confirmHeld(Set.of("1-1"), System.nanoTime());

        assertThat(batch.heldWithin(Duration.ofMinutes(1))).as("1-0 was acknowledged by someone else")
                .hasValue(Set.of("1-1"));
    }

    /** A sink must not rely on a confirmation older than it allows (Redis unreachable: no heartbeat got through). */
    @Test
    void aConfirmationOlderThanTheAllowedAgeConfirmsNothing() {
        Batch batch = new Batch(List.of(record("1-0", 1)), true);

        batch.confirmHeld(Set.of("1-0"), System.nanoTime() - Duration.ofSeconds(10).toNanos());

        assertThat(batch.heldWithin(Duration.ofSeconds(5))).isEmpty();
        assertThat(batch.heldWithin(Duration.ofSeconds(60))).hasValue(Set.of("1-0"));
    }
}
