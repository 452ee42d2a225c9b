package io.killkrill.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** The hand-written fast path for canonical UTC timestamps agrees with the formatter, or declines. */
class FieldReaderTimestampTest {

    @Test
    void canonicalTimestampsParseExactlyAsTheFormatterDoes() {
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < 20_000; i++) {
            Instant instant = Instant.ofEpochSecond(random.nextLong(-62_135_596_800L, 253_402_300_799L),
                    random.nextInt(4) == 0 ? 0 : random.nextInt(1_000_000_000));
            String text = DateTimeFormatter.ISO_INSTANT.format(instant);
            assertThat(FieldReader.parseCanonicalUtc(text)).as(text).isEqualTo(instant)
                    .isEqualTo(OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"2026-11-25T17:54:51+01:00", "2026-11-25 17:54:51Z", "2026-11-25t17:54:51z",
            "2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z", "2026-11-25T24:00:00Z", "2026-11-25T23:60:00Z",
            "2026-11-25T23:59:60Z", "2026-11-25T23:59:59.Z", "2026-11-25T23:59:59.1234567891Z",
            "2026-11-25T23:59:5xZ", "+2026-11-25T23:59:59Z", "2026-11-25T23:59:59,5Z", ""})
    void anythingElseIsLeftToTheFormatter(String text) {
        assertThat(FieldReader.parseCanonicalUtc(text)).isNull();
    }
}
