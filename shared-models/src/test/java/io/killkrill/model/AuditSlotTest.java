package io.killkrill.model;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The audit slot every entry carries, and the letters that keep it outside their data. */
class AuditSlotTest {

    @Test
    void theSlotTravelsAsMinuteAndServiceAndAnythingElseIsNoSlot() {
        AuditSlot slot = new AuditSlot(AuditSlot.minuteOf(Instant.parse("2026-12-01T10:30:59.999Z")), "checkout");
        assertThat(slot.wire()).isEqualTo(Instant.parse("2026-12-01T10:30:00Z").getEpochSecond() / 60 + " checkout");
        assertThat(AuditSlot.parse(slot.wire())).contains(slot);
        assertThat(AuditSlot.parse(null)).isEmpty();
        assertThat(AuditSlot.parse("")).isEmpty();
        assertThat(AuditSlot.parse("12")).isEmpty();
        assertThat(AuditSlot.parse("12 ")).isEmpty();
        assertThat(AuditSlot.parse("x12 svc")).isEmpty();
        assertThat(AuditSlot.key("logs-stream", 7)).isEqualTo("logs-stream:audit:7");
    }

    @Test
    void aDeadLetterKeepsItsEntrysSlotAndAnIntakeLetterGetsTheMinuteItFailed() {
        Instant failed = Instant.parse("2026-12-01T10:31:05Z");
        DeadLetter ofEntry = new DeadLetter(Map.of(StreamEntry.DATA, "{}", StreamEntry.AUDIT, "29000000 api"),
                Optional.of("logs"), Optional.of("1-0"), Stage.BULK_INDEX, DeadLetterReason.INDEX_REJECTED, "no",
                1, "log-worker", failed, Map.of());
        assertThat(DeadLetterCodec.toEntry(ofEntry)).containsEntry(StreamEntry.AUDIT, "29000000 api");
        DeadLetter intake = new DeadLetter(Map.of("raw_base64", "eA=="), Optional.empty(), Optional.empty(),
                Stage.DECODE, DeadLetterReason.SYSLOG_PARSE_ERROR, "no", 1, "receivers", failed, Map.of());
        assertThat(DeadLetterCodec.toEntry(intake)).doesNotContainKey(StreamEntry.AUDIT);
        assertThat(DeadLetterCodec.toIntakeEntry(intake)).containsEntry(StreamEntry.AUDIT,
                AuditSlot.minuteOf(failed) + " -");
    }
}
