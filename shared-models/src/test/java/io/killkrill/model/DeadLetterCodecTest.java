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

    @Test
    void anUnknownReasonIsRefusedNamingIt() {
        DeadLetter letter = DeadLetter.ofEntry("logs", "1-0", Map.of("data", "{}"), Stage.VALIDATE,
                DeadLetterReason.INVALID_JSON, "m", 1, "log-worker");
        Map<String, String> entry = new java.util.HashMap<>(DeadLetterCodec.toEntry(letter));
        entry.put("data", entry.get("data").replace("\"invalid_json\"", "\"no_such_reason\""));

        assertThatThrownBy(() -> DeadLetterCodec.fromEntry(entry))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown reason \"no_such_reason\"");
    }

    @Test
    void aLetterOfAnEntryNamesItsStreamAndIdAndDetailsAreAddedWithoutChangingTheRest() {
        Instant before = Instant.now();
        DeadLetter letter = DeadLetter.ofEntry("metrics", "7-3", Map.of("data", "x"), Stage.PERSIST,
                DeadLetterReason.PERSIST_REJECTED, "refused", 2, "metrics-worker");

        assertThat(letter.stream()).contains("metrics");
        assertThat(letter.entryId()).contains("7-3");
        assertThat(letter.attempts()).isEqualTo(2);
        assertThat(letter.failedAt()).isAfterOrEqualTo(before);
        assertThat(letter.details()).isEmpty();

        DeadLetter detailed = letter.withDetails(Map.of("sqlstate", "23505"));

        assertThat(detailed.details()).containsExactly(Map.entry("sqlstate", "23505"));
        assertThat(detailed).usingRecursiveComparison().ignoringFields("details").isEqualTo(letter);
    }

    @Test
    void everyReasonSaysWhatItMeans() {
        assertThat(DeadLetterReason.values()).allSatisfy(r -> assertThat(r.description()).isNotBlank());
        assertThat(DeadLetterReason.parse("not_a_reason")).isEmpty();
    }
}
