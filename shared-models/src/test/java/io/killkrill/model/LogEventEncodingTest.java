package io.killkrill.model;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The stream JSON written straight to a generator is, byte for byte, what the former tree-building encoder
 * (kept here as the reference) wrote, for random events of every shape.
 */
class LogEventEncodingTest {

    @Test
    void streamedJsonEqualsTheTreeEncoding() {
        SplittableRandom random = new SplittableRandom(11);
        for (int i = 0; i < 20_000; i++) {
            LogEvent event = randomEvent(random);
            String expected = Json.write(referenceTree(event));

            assertThat(LogEventCodec.toJsonText(event)).isEqualTo(expected);
            assertThat(LogEventCodec.toEntry(event)).containsExactly(
                    Map.entry(StreamEntry.SCHEMA_VERSION, StreamEntry.CURRENT_SCHEMA_VERSION),
                    Map.entry(StreamEntry.EVENT_ID, event.eventId()), Map.entry(StreamEntry.DATA, expected),
                    Map.entry(StreamEntry.AUDIT, AuditSlot.minuteOf(event.receivedAt()) + " " + event.service()));
        }
    }

    @Test
    void streamedJsonDecodesToTheSameEvent() {
        SplittableRandom random = new SplittableRandom(12);
        for (int i = 0; i < 2_000; i++) {
            LogEvent event = randomEvent(random);
            if (event.message().isBlank() || !LogEventCodec.isServiceName(event.service())
                    || !withinStoredLimits(event)) {
                continue;
            }
            assertThat(LogEventCodec.fromEntry(LogEventCodec.toEntry(event)))
                    .isEqualTo(new EntryDecoding.Decoded<>(event));
        }
    }

    /** The random shapes go beyond the limits of the stored form (years, syslog IDs); those are refused. */
    private static boolean withinStoredLimits(LogEvent event) {
        return FieldReader.inRange(event.timestamp()) && event.syslog().map(s ->
                s.appName().map(String::length).orElse(0) <= LogEventCodec.MAX_SYSLOG_APP_NAME_LENGTH
                        && s.procId().map(String::length).orElse(0) <= LogEventCodec.MAX_SYSLOG_PROC_ID_LENGTH
                        && s.msgId().map(String::length).orElse(0) <= LogEventCodec.MAX_SYSLOG_MSG_ID_LENGTH)
                .orElse(true);
    }

    @Test
    void serviceCheckAgreesWithThePattern() {
        SplittableRandom random = new SplittableRandom(13);
        String alphabet = "aZ09._-/ üé\t";
        for (int i = 0; i < 50_000; i++) {
            StringBuilder name = new StringBuilder();
            for (int n = random.nextInt(70); n > 0; n--) {
                name.append(random.nextInt(8) == 0 ? alphabet.charAt(random.nextInt(alphabet.length()))
                        : alphabet.charAt(random.nextInt(6)));
            }
            String text = name.toString();
            assertThat(LogEventCodec.isServiceName(text)).as(text)
                    .isEqualTo(LogEventCodec.SERVICE.matcher(text).matches());
        }
    }

    /** The encoder as it was before it wrote to a generator: a tree, then {@link Json#write(com.fasterxml.jackson.databind.JsonNode)}. */
    private static ObjectNode referenceTree(LogEvent event) {
        ObjectNode json = Json.MAPPER.createObjectNode();
        json.put("event_id", event.eventId());
        json.put("timestamp", DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(event.timestamp()));
        json.put("received_at", DateTimeFormatter.ISO_INSTANT.format(event.receivedAt()));
        json.put("level", event.level().wireName());
        json.put("service", event.service());
        json.put("message", event.message());
        event.host().ifPresent(host -> json.put("host", host));
        event.traceId().ifPresent(id -> json.put("trace_id", id));
        event.spanId().ifPresent(id -> json.put("span_id", id));
        if (!event.attributes().isEmpty()) {
            ObjectNode attributes = json.putObject("attributes");
            event.attributes().forEach((key, value) -> {
                if (value instanceof String s) {
                    attributes.put(key, s);
                } else if (value instanceof Boolean b) {
                    attributes.put(key, b);
                } else if (value instanceof Long l) {
                    attributes.put(key, l);
                } else {
                    attributes.put(key, (Double) value);
                }
            });
        }
        ObjectNode source = json.putObject("source");
        source.put("type", event.source().kind().wireName());
        event.source().peer().ifPresent(peer -> source.put("peer", peer));
        event.syslog().ifPresent(syslog -> {
            ObjectNode sys = json.putObject("syslog");
            sys.put("format", syslog.format());
            sys.put("facility", syslog.facility());
            sys.put("severity", syslog.severity());
            syslog.appName().ifPresent(v -> sys.put("app_name", v));
            syslog.procId().ifPresent(v -> sys.put("proc_id", v));
            syslog.msgId().ifPresent(v -> sys.put("msg_id", v));
        });
        return json;
    }

    private static LogEvent randomEvent(SplittableRandom random) {
        Instant received = Instant.ofEpochSecond(random.nextLong(0, 4_102_444_800L), random.nextInt(1_000_000_000));
        OffsetDateTime timestamp = Instant.ofEpochSecond(random.nextLong(-62_167_219_200L, 253_402_300_799L),
                        random.nextInt(3) == 0 ? 0 : random.nextInt(1_000_000_000))
                .atOffset(ZoneOffset.ofTotalSeconds(random.nextInt(4) == 0
                        ? random.nextInt(-18 * 3600, 18 * 3600 + 1) : random.nextInt(-72, 73) * 15 * 60));
        Map<String, Object> attributes = new LinkedHashMap<>();
        for (int n = random.nextInt(4) == 0 ? random.nextInt(6) : 0; n > 0; n--) {
            String key = text(random, 1);
            switch (random.nextInt(4)) {
                case 0 -> attributes.put(key, text(random, 0));
                case 1 -> attributes.put(key, random.nextBoolean());
                case 2 -> attributes.put(key, random.nextLong());
                default -> attributes.put(key, random.nextBoolean() ? random.nextDouble() * 1e6
                        : Double.longBitsToDouble(random.nextLong() & 0x7fefffffffffffffL));
            }
        }
        Optional<SyslogMetadata> syslog = random.nextBoolean() ? Optional.empty()
                : Optional.of(new SyslogMetadata(random.nextBoolean() ? SyslogMetadata.RFC5424 : SyslogMetadata.RFC3164,
                random.nextInt(24), random.nextInt(8), optional(random), optional(random), optional(random)));
        Source source = random.nextBoolean() ? Source.http(random.nextBoolean() ? "10.0.0.1:5000" : null)
                : Source.syslog("[::1]:514");
        String service = random.nextInt(10) == 0 ? text(random, 1) : "service-" + random.nextInt(100);
        return new LogEvent(EventIds.next(), timestamp, received, Level.values()[random.nextInt(Level.values().length)],
                service, text(random, 0), optional(random), optional(random), optional(random), attributes, source,
                syslog);
    }

    private static Optional<String> optional(SplittableRandom random) {
        return random.nextBoolean() ? Optional.empty() : Optional.of(text(random, 0));
    }

    /** ASCII mostly, with quotes, backslashes, control characters, non-ASCII, emoji and lone surrogates. */
    private static String text(SplittableRandom random, int minLength) {
        String specials = "\"\\/\n\r\t\u0000\u001f\u007fé€\u2028\ud83d\ude00\ud800\udc00";
        StringBuilder out = new StringBuilder();
        for (int n = minLength + random.nextInt(40); n > 0; n--) {
            out.append(random.nextInt(6) == 0 ? specials.charAt(random.nextInt(specials.length()))
                    : (char) random.nextInt(' ', '~' + 1));
        }
        return out.toString();
    }
}
