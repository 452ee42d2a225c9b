package io.killkrill.stream;

import org.junit.jupiter.api.Test;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.resps.StreamPendingEntry;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The delivery limit at unit level (row k of the break-one-guard table: an entry never treated as exhausted
 * poisons its workers for ever): exhausted at exactly {@code maxDeliveries}, back with its batch when delivered
 * once, alone when delivered more often.
 */
class RedeliveryTest {
    private static StreamPendingEntry pending(String id, long deliveries) {
        return new StreamPendingEntry(new StreamEntryID(id), "c1", 60_000, deliveries);
    }

    @Test
    void eachEntryGoesByHowOftenItWasDeliveredBefore() {
        Redelivery redelivery = Redelivery.of(List.of(pending("1-0", 1), pending("1-1", 2), pending("1-2", 4),
                pending("1-3", 5), pending("1-4", 9), pending("1-5", 1)), 5);

        assertThat(redelivery.exhausted()).containsExactly("1-3", "1-4");
        assertThat(redelivery.once()).containsExactly("1-0", "1-5");
        assertThat(redelivery.suspects()).containsExactly("1-1", "1-2");
        assertThat(redelivery.deliveries()).containsExactlyInAnyOrderEntriesOf(Map.of("1-0", 1L, "1-1", 2L,
                "1-2", 4L, "1-3", 5L, "1-4", 9L, "1-5", 1L));
    }

    @Test
    void withALimitOfOneEveryEntryDeliveredOnceIsExhausted() {
        Redelivery redelivery = Redelivery.of(List.of(pending("2-0", 1)), 1);

        assertThat(redelivery.exhausted()).containsExactly("2-0");
        assertThat(redelivery.once()).isEmpty();
    }

    @Test
    void withALimitOfTwoAnEntryDeliveredOnceGoesBackWithItsBatch() {
        Redelivery redelivery = Redelivery.of(List.of(pending("3-0", 1), pending("3-1", 2)), 2);

        assertThat(redelivery.once()).containsExactly("3-0");
        assertThat(redelivery.exhausted()).containsExactly("3-1");
        assertThat(redelivery.suspects()).isEmpty();
    }
}
