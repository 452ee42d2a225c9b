package io.killkrill.model;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A receiver's typed fields ({@link LogEventCodec#fromFields}) are validated by the rules of a JSON item: the same
 * event, or the same errors, as {@link LogEventCodec#fromInput} of the JSON with those fields (what the syslog
 * receiver built before it passed typed fields).
 */
class LogEventFieldsTest {
    private static final Instant RECEIVED = Instant.parse("2026-11-25T12:00:00.123Z");

    @Test
    void typedFieldsGiveWhatTheirJsonGives() {
        SplittableRandom random = new SplittableRandom(5424);
        int invalid = 0;
        for (int i = 0; i < 20_000; i++) {
            LogEventFields fields = new LogEventFields();
            ObjectNode json = Json.MAPPER.createObjectNode();
            if (random.nextInt(20) > 0) {
                String message = pick(random, "hello", "", " ", "\t", "caf\u00e9 \uD83D\uDE00", "x".repeat(9000));
                fields.message(message);
                json.put("message", message);
            }
            if (random.nextInt(20) > 0) {
                String service = pick(random, "sshd", "", "a b", "unknown", "s".repeat(64), "s".repeat(65), "k\u00e9");
                fields.service(service);
                json.put("service", service);
            }
            if (random.nextBoolean()) {
                Level level = Level.values()[random.nextInt(Level.values().length)];
                fields.level(level);
                json.put("level", level.wireName());
            }
            if (random.nextInt(4) > 0) {
                OffsetDateTime timestamp = timestamp(random);
                fields.timestamp(timestamp);
                json.put("timestamp", Rfc3339.format(timestamp));
            }
            if (random.nextBoolean()) {
                String host = "h".repeat(random.nextInt(250, 260));
                fields.host(host);
                json.put("host", host);
            }
            if (random.nextBoolean()) {
                Map<String, String> attributes = attributes(random);
                fields.attributes(attributes);
                ObjectNode node = json.putObject("attributes");
                attributes.forEach(node::put);
            }
            IngestContext context = new IngestContext(EventIds.next(), RECEIVED, Source.syslog("10.0.0.2:514"),
                    Optional.of(new SyslogMetadata(SyslogMetadata.RFC5424, 1, 6,
                            Optional.of("a".repeat(random.nextInt(60, 70))), Optional.empty(), Optional.of("ID"))));

            Validated<LogEvent> typed = LogEventCodec.fromFields(fields, context);

            assertThat(typed).as("%s", json).isEqualTo(LogEventCodec.fromInput(json, context));
            invalid += typed.isValid() ? 0 : 1;
        }
        assertThat(invalid).as("both outcomes are compared").isBetween(1, 19_999);
    }

    /** Mostly ordinary times; also years and offsets beyond what the contract stores. */
    private static OffsetDateTime timestamp(SplittableRandom random) {
        int year = switch (random.nextInt(8)) {
            case 0 -> 0;
            case 1 -> 9999;
            case 2 -> random.nextBoolean() ? -1 : 10_000;
            default -> random.nextInt(1970, 2100);
        };
        int offsetSeconds = switch (random.nextInt(4)) {
            case 0 -> 0;
            case 1 -> random.nextInt(-18, 19) * 3600;
            case 2 -> random.nextInt(-64_800, 64_801);
            default -> random.nextInt(-18, 19) * 1800;
        };
        LocalDateTime local = LocalDateTime.of(year, 1 + random.nextInt(12), 1 + random.nextInt(28),
                random.nextInt(24), random.nextInt(60), random.nextInt(60),
                random.nextBoolean() ? 0 : random.nextInt(1_000_000_000));
        return local.atOffset(ZoneOffset.ofTotalSeconds(offsetSeconds));
    }

    private static Map<String, String> attributes(SplittableRandom random) {
        Map<String, String> attributes = new LinkedHashMap<>();
        int count = random.nextInt(10) == 0 ? random.nextInt(126, 131) : random.nextInt(4);
        for (int i = 0; i < count; i++) {
            String key = switch (random.nextInt(12)) {
                case 0 -> "";
                case 1 -> "k".repeat(257);
                default -> "sd@1.param" + i;
            };
            attributes.put(key, random.nextInt(12) == 0 ? "v".repeat(8192) : "value " + i);
        }
        return attributes;
    }

    @SafeVarargs
    private static <T> T pick(SplittableRandom random, T... choices) {
        return choices[random.nextInt(choices.length)];
    }
}
