package io.killkrill.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The fast paths agree with {@link DateTimeFormatter#ISO_OFFSET_DATE_TIME} and {@link DateTimeFormatter#ISO_INSTANT}. */
class Rfc3339Test {
    private static final long MIN_SECOND = -62_167_219_200L; // 0000-01-01T00:00:00Z
    private static final long MAX_SECOND = 253_402_300_799L; // 9999-12-31T23:59:59Z

    @Test
    void formatsAndParsesRandomTimesExactlyAsTheFormatterDoes() {
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < 100_000; i++) {
            OffsetDateTime time = Instant.ofEpochSecond(random.nextLong(MIN_SECOND - 86_400L, MAX_SECOND + 86_400L),
                    nanos(random)).atOffset(offset(random));
            String expected = DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(time);

            assertThat(Rfc3339.format(time)).isEqualTo(expected);
            assertThat(Rfc3339.parse(expected)).as(expected)
                    .isEqualTo(OffsetDateTime.parse(expected, DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        }
    }

    @Test
    void formatsInstantsExactlyAsTheFormatterDoes() {
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 100_000; i++) {
            Instant instant = Instant.ofEpochSecond(random.nextLong(MIN_SECOND - 86_400L, MAX_SECOND + 86_400L),
                    nanos(random));
            assertThat(Rfc3339.format(instant)).isEqualTo(DateTimeFormatter.ISO_INSTANT.format(instant));
        }
        for (Instant edge : new Instant[]{Instant.EPOCH, Instant.ofEpochSecond(MIN_SECOND),
                Instant.ofEpochSecond(MAX_SECOND, 999_999_999), Instant.ofEpochSecond(MAX_SECOND + 1),
                Instant.ofEpochSecond(MIN_SECOND - 1), Instant.MIN, Instant.MAX, Instant.ofEpochSecond(0, 1),
                Instant.ofEpochSecond(0, 1000), Instant.ofEpochSecond(0, 1_000_000), Instant.ofEpochSecond(0, 100)}) {
            assertThat(Rfc3339.format(edge)).isEqualTo(DateTimeFormatter.ISO_INSTANT.format(edge));
        }
    }

    @Test
    void theFastPathTakesTheCommonShapes() {
        assertThat(Rfc3339.parseCommon("2026-11-25T17:54:51.123Z"))
                .isEqualTo(OffsetDateTime.of(2026, 11, 25, 17, 54, 51, 123_000_000, ZoneOffset.UTC));
        assertThat(Rfc3339.parseCommon("2026-11-25T17:54:51-05:30"))
                .isEqualTo(OffsetDateTime.of(2026, 11, 25, 17, 54, 51, 0, ZoneOffset.ofHoursMinutes(-5, -30)));
        assertThat(Rfc3339.parseCommon("2024-02-29T00:00:00.000000001+18:00")).isNotNull();
        assertThat(Rfc3339.parseCommon("2026-11-25T17:54:51-00:00").getOffset()).isEqualTo(ZoneOffset.UTC);
    }

    /** Every one of these is declined by the fast path and then accepted or refused by the formatter. */
    @ParameterizedTest
    @ValueSource(strings = {"2026-11-25t17:54:51z", "2026-11-25T17:54:51z", "2026-11-25 17:54:51Z",
            "2026-02-29T00:00:00Z", "2024-02-30T00:00:00Z", "2026-04-31T00:00:00Z", "2026-13-01T00:00:00Z",
            "2026-00-01T00:00:00Z", "2026-01-00T00:00:00Z", "2026-11-25T24:00:00Z", "2026-11-25T23:60:00Z",
            "2026-11-25T23:59:60Z", "2026-11-25T23:59:59.Z", "2026-11-25T23:59:59.1234567891Z",
            "2026-11-25T23:59:59.12345678912Z", "2026-11-25T23:59:5xZ", "+2026-11-25T23:59:59Z",
            "+12026-11-25T23:59:59Z", "-0001-11-25T23:59:59Z", "2026-11-25T23:59:59,5Z", "2026-11-25T23:59:59",
            "2026-11-25T23:59:59+0100", "2026-11-25T23:59:59+01", "2026-11-25T23:59:59+01:00:30",
            "2026-11-25T23:59:59+18:01", "2026-11-25T23:59:59+19:00", "2026-11-25T23:59:59-18:00",
            "2026-11-25T23:59:59+01:60", "2026-11-25T23:59:59+1:00", "2026-11-25T23:59:59 Z",
            "2026-11-25T23:59:59Zjunk", "2026-11-25T23:59", "2026-11-25T23:59Z", "2026-11-25", "", "tomorrow",
            "２０２６-11-25T23:59:59Z", "2026-11-25T23:59:59.١Z", "2026-11-25T23:59:59+0١:00"})
    void unusualTextIsLeftToTheFormatter(String text) {
        OffsetDateTime expected;
        try {
            expected = OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME);
        } catch (DateTimeParseException e) {
            assertThatThrownBy(() -> Rfc3339.parse(text)).isInstanceOf(DateTimeParseException.class)
                    .hasMessage(e.getMessage());
            return;
        }
        assertThat(Rfc3339.parse(text)).isEqualTo(expected);
    }

    @Test
    void randomMutationsOfValidTextParseAsTheFormatterDoes() {
        SplittableRandom random = new SplittableRandom(3);
        String alphabet = "0123456789-:.TZtz+ 5";
        for (int i = 0; i < 100_000; i++) {
            OffsetDateTime time = Instant.ofEpochSecond(random.nextLong(MIN_SECOND, MAX_SECOND), nanos(random))
                    .atOffset(offset(random));
            StringBuilder text = new StringBuilder(DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(time));
            for (int m = random.nextInt(1, 3); m > 0; m--) {
                int at = random.nextInt(text.length());
                switch (random.nextInt(3)) {
                    case 0 -> text.setCharAt(at, alphabet.charAt(random.nextInt(alphabet.length())));
                    case 1 -> text.deleteCharAt(at);
                    default -> text.insert(at, alphabet.charAt(random.nextInt(alphabet.length())));
                }
            }
            String mutated = text.toString();
            OffsetDateTime expected = null;
            try {
                expected = OffsetDateTime.parse(mutated, DateTimeFormatter.ISO_OFFSET_DATE_TIME);
            } catch (DateTimeParseException e) {
                assertThat(Rfc3339.parseCommon(mutated)).as(mutated).isNull();
                continue;
            }
            assertThat(Rfc3339.parse(mutated)).as(mutated).isEqualTo(expected);
        }
    }

    private static int nanos(SplittableRandom random) {
        return switch (random.nextInt(5)) {
            case 0 -> 0;
            case 1 -> random.nextInt(1000) * 1_000_000;
            case 2 -> random.nextInt(1_000_000) * 1000;
            case 3 -> random.nextInt(10) * 100_000_000;
            default -> random.nextInt(1_000_000_000);
        };
    }

    private static ZoneOffset offset(SplittableRandom random) {
        return switch (random.nextInt(4)) {
            case 0 -> ZoneOffset.UTC;
            case 1 -> ZoneOffset.ofTotalSeconds(random.nextInt(-18 * 3600, 18 * 3600 + 1));
            default -> ZoneOffset.ofTotalSeconds(random.nextInt(-18 * 4, 18 * 4 + 1) * 15 * 60);
        };
    }
}
