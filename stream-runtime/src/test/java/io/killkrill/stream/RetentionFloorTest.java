package io.killkrill.stream;

import org.junit.jupiter.api.Test;
import redis.clients.jedis.StreamEntryID;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The trimming floor of {@link RetentionTrimmer}: the oldest entry a group may still need. Guards row aa of the
 * break-one-guard table at unit level (a floor that ignores pending entries trims entries not yet acknowledged).
 */
class RetentionFloorTest {
    private static RetentionTrimmer.GroupState group(String lastDelivered, String oldestPending) {
        return new RetentionTrimmer.GroupState("g", oldestPending == null ? 0 : 1, new StreamEntryID(lastDelivered),
                Optional.ofNullable(oldestPending).map(StreamEntryID::new), 0);
    }

    @Test
    void withNothingPendingTheFloorIsTheEntryAfterTheLastDelivered() {
        assertThat(group("5-3", null).oldestNeeded()).isEqualTo(new StreamEntryID(5, 4));
    }

    @Test
    void aPendingEntryBelowTheLastDeliveredHoldsTheFloorDown() {
        assertThat(group("9-0", "4-7").oldestNeeded()).isEqualTo(new StreamEntryID(4, 7));
    }

    @Test
    void thePendingEntryThatIsTheLastDeliveredHoldsTheFloorAtItself() {
        assertThat(group("9-0", "9-0").oldestNeeded()).isEqualTo(new StreamEntryID(9, 0));
    }

    /** XGROUP SETID can move a group's last-delivered ID below entries still pending: the floor is the lower one. */
    @Test
    void aGroupRewoundBelowItsPendingEntriesNeedsEverythingAfterItsNewLastDelivered() {
        assertThat(group("3-0", "9-0").oldestNeeded()).isEqualTo(new StreamEntryID(3, 1));
    }

    @Test
    void theNextIdAfterTheLargestSequenceIsTheNextMillisecond() {
        assertThat(RetentionTrimmer.next(new StreamEntryID(7, 0))).isEqualTo(new StreamEntryID(7, 1));
        assertThat(RetentionTrimmer.next(new StreamEntryID(7, Long.MAX_VALUE))).isEqualTo(new StreamEntryID(8, 0));
    }
}
