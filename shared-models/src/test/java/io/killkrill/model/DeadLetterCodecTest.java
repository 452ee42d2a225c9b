package io.killkrill.model;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DeadLetterCodecTest {

    @Test
    void deadLetterRoundTripsWithTheOriginalEntryUntouched() {
        Map<String, String> original = Map.of("schema_version", "1", "data", "{\"message\":\"héllo\"}");
        DeadLetter letter = new DeadLetter(original, Optional.of("logs-stream"), Optional.of("1700000000000-0"),
                Stage.BULK_INDEX, DeadLetterReason.INDEX_REJECTED, "mapper_parsing_exception: failed to parse",
                1, "log-worker", Instant.parse("2026-11-25T12:00:00Z"),
                Map.of("error_type", "mapper_parsing_exception"));

        Map<String, String> entry = DeadLetterCodec.toEntry(letter);

        assertThat(entry).containsEntry("reason", "index_rejected").containsEntry("stage", "bulk_index");
        assertThat(DeadLetterCodec.fromEntry(entry)).isEqualTo(letter);
    }

    @Test
    void receiverDeadLettersHaveNoStreamOrigin() {
        DeadLetter letter = new DeadLetter(Map.of("raw_base64", "PDM0Pm9vcHM=", "peer", "127.0.0.1:4444"),
                Optional.empty(), Optional.empty(), Stage.DECODE, DeadLetterReason.SYSLOG_PARSE_ERROR,
                "no PRI", 1, "receivers", Instant.parse("2026-11-25T12:00:00Z"), Map.of());

        assertThat(DeadLetterCodec.fromEntry(DeadLetterCodec.toEntry(letter))).isEqualTo(letter);
    }

    @Test
    void reasonCodesAreUniqueLowerCaseAndParseBack() {
        assertThat(Arrays.stream(DeadLetterReason.values()).map(DeadLetterReason::code))
                .doesNotHaveDuplicates().allMatch(code -> code.matches("[a-z_]+"));
        for (DeadLetterReason reason : DeadLetterReason.values()) {
            assertThat(DeadLetterReason.parse(reason.code())).contains(reason);
        }
    }

    @Test
    void attemptsStartAtOne() {
        assertThatThrownBy(() -> DeadLetter.ofEntry("s", "1-0", Map.of(), Stage.VALIDATE,
                DeadLetterReason.INVALID_JSON, "m", 0, "log-worker"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("attempts");
    }

    @Test
    void aForeignEntryIsRefusedClearly() {
        assertThatThrownBy(() -> DeadLetterCodec.fromEntry(Map.of("data", "{}")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a KillKrill dead-letter");
    }
}
