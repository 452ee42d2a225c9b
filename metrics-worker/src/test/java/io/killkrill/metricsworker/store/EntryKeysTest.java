package io.killkrill.metricsworker.store;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.BigInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The applied-entries ledger's keys: stream entry IDs as one number that orders like the IDs. */
class EntryKeysTest {
    private static final BigInteger TWO_TO_64 = BigInteger.ONE.shiftLeft(64);

    @Test
    void anIdIsMillisecondsTimesTwoToThe64PlusTheSequenceAndBack() {
        assertThat(EntryKeys.of("0-0")).isEqualTo(BigDecimal.ZERO);
        assertThat(EntryKeys.of("1-5")).isEqualTo(new BigDecimal(TWO_TO_64.add(BigInteger.valueOf(5))));
        String largest = "18446744073709551615-18446744073709551615";
        assertThat(EntryKeys.toEntryId(EntryKeys.of(largest))).isEqualTo(largest);
        assertThat(EntryKeys.toEntryId(EntryKeys.of("1700000000000-42"))).isEqualTo("1700000000000-42");
    }

    @Test
    void keysOrderLikeTheIds() {
        assertThat(EntryKeys.of("5-18446744073709551615")).isLessThan(EntryKeys.of("6-0"));
        assertThat(EntryKeys.of("6-0")).isLessThan(EntryKeys.of("6-1"));
    }

    @Test
    void theKeysOfTwoShardsNeverMeetAndShardZeroKeepsTheIdsOwnNumbers() {
        String largest = "18446744073709551615-18446744073709551615";
        assertThat(EntryKeys.of(0, "1-5")).isEqualTo(EntryKeys.of("1-5"));
        assertThat(EntryKeys.of(0, largest)).isLessThan(EntryKeys.of(1, "0-0"));
        assertThat(EntryKeys.of(1, "0-0")).isEqualTo(EntryKeys.shardBase(1));
        assertThat(EntryKeys.of(255, largest)).isLessThan(EntryKeys.shardBase(256));
        assertThat(EntryKeys.toEntryId(EntryKeys.of(3, "1700000000000-42"))).isEqualTo("1700000000000-42");
        assertThat(EntryKeys.of(255, largest).precision()).as("fits numeric(45, 0) of V6").isLessThanOrEqualTo(45);
        assertThatThrownBy(() -> EntryKeys.shardBase(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void whatIsNotAStreamEntryIdIsRefused() {
        for (String bad : new String[] {"-1", "1-", "12", "18446744073709551616-0", "0-18446744073709551616"}) {
            assertThatThrownBy(() -> EntryKeys.of(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("not a stream entry ID: " + bad);
        }
        assertThatThrownBy(() -> EntryKeys.of("1--1")).hasMessageContaining("not a stream entry ID: 1--1");
    }
}
