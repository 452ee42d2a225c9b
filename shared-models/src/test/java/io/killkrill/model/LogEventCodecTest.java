package io.killkrill.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class LogEventCodecTest {
    private static final Instant RECEIVED = Instant.parse("2026-11-25T12:00:00Z");
    private static final IngestContext CONTEXT =
            new IngestContext(EventIds.next(), RECEIVED, Source.http("10.0.0.1:5000"), Optional.empty());

    static JsonNode json(String text) throws Exception {
        return Json.MAPPER.readTree(text);
    }

    static LogEvent valid(String text) throws Exception {
        Validated<LogEvent> result = LogEventCodec.fromInput(json(text), CONTEXT);
        assertThat(result).isInstanceOf(Validated.Valid.class);
        return ((Validated.Valid<LogEvent>) result).value();
    }

    static List<FieldError> errors(String text) throws Exception {
        Validated<LogEvent> result = LogEventCodec.fromInput(json(text), CONTEXT);
        assertThat(result).isInstanceOf(Validated.Invalid.class);
        return ((Validated.Invalid<LogEvent>) result).errors();
    }

    @Test
    void minimalEventTakesDefaults() throws Exception {
        LogEvent event = valid("{\"message\":\"hello\",\"service\":\"api\"}");

        assertThat(event.level()).isEqualTo(Level.INFO);
        assertThat(event.timestamp()).isEqualTo(RECEIVED.atOffset(ZoneOffset.UTC));
        assertThat(event.eventId()).isEqualTo(CONTEXT.eventId());
        assertThat(event.host()).isEmpty();
        assertThat(event.attributes()).isEmpty();
    }

    @Test
    void fullEventRoundTripsThroughAStreamEntry() throws Exception {
        LogEvent event = valid("""
                {"message":"disk full","service":"storage-1.eu_west","timestamp":"2026-11-25T13:14:15.123+02:00",
                 "level":"WARNING","host":"db-7","trace_id":"abc","span_id":"def",
                 "attributes":{"disk":"/dev/sda","used_pct":99.5,"retries":3,"critical":true}}""");
        LogEvent withSyslog = new LogEvent(event.eventId(), event.timestamp(), event.receivedAt(), event.level(),
                event.service(), event.message(), event.host(), event.traceId(), event.spanId(), event.attributes(),
                Source.syslog("10.1.1.1:514"), Optional.of(new SyslogMetadata(SyslogMetadata.RFC5424, 4, 4,
                Optional.of("storage"), Optional.of("42"), Optional.of("ID47"))));

        Map<String, String> entry = LogEventCodec.toEntry(withSyslog);
        EntryDecoding<LogEvent> decoded = LogEventCodec.fromEntry(entry);

        assertThat(entry).containsEntry(StreamEntry.SCHEMA_VERSION, "1")
                .containsEntry(StreamEntry.EVENT_ID, event.eventId());
        assertThat(decoded).isEqualTo(new EntryDecoding.Decoded<>(withSyslog));
        assertThat(withSyslog.level()).isEqualTo(Level.WARN);
        assertThat(withSyslog.timestamp().getOffset()).isEqualTo(ZoneOffset.ofHours(2));
        assertThat(withSyslog.attributes()).containsEntry("used_pct", 99.5).containsEntry("retries", 3L)
                .containsEntry("critical", true);
    }

    @Test
    void everyFieldErrorIsReportedAtOnce() throws Exception {
        List<FieldError> errors = errors("""
                {"message":"","service":"has space","timestamp":"yesterday","level":"loud","host":7,
                 "attributes":{"nested":{"a":1}}}""");

        assertThat(errors).extracting(FieldError::field)
                .containsExactlyInAnyOrder("message", "service", "timestamp", "level", "host", "attributes.nested");
    }

    @ParameterizedTest
    @ValueSource(strings = {"api", "A.b_c-9", "x", "a234567890123456789012345678901234567890123456789012345678901234"})
    void serviceAcceptsTheAllowedCharactersUpTo64(String service) throws Exception {
        assertThat(valid("{\"message\":\"m\",\"service\":\"" + service + "\"}").service()).isEqualTo(service);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "has space", "slash/name", "ümlaut",
            "a2345678901234567890123456789012345678901234567890123456789012345"})
    void serviceRejectsOtherCharactersAndLength(String service) throws Exception {
        assertThat(errors("{\"message\":\"m\",\"service\":\"" + service + "\"}"))
                .extracting(FieldError::field).containsExactly("service");
    }

    @Test
    void messageAndServiceAreRequired() throws Exception {
        assertThat(errors("{}")).extracting(FieldError::field).containsExactlyInAnyOrder("message", "service");
        assertThat(errors("{\"message\":\"  \",\"service\":\"s\"}")).extracting(FieldError::reason)
                .containsExactly("must not be empty");
        assertThat(errors("{\"message\":5,\"service\":\"s\"}")).extracting(FieldError::reason)
                .containsExactly("must be a string");
    }

    @Test
    void aNonObjectIsRejectedAsAWhole() throws Exception {
        assertThat(errors("[1,2]")).containsExactly(new FieldError("", "must be a JSON object"));
    }

    @ParameterizedTest
    @CsvSource({
            "'\"2026-11-25T13:14:15Z\"', 2026-11-25T13:14:15Z",
            "'\"2026-11-25T13:14:15.5-05:00\"', 2026-11-25T13:14:15.5-05:00",
            "'\"2026-11-25 13:14:15z\"', 2026-11-25T13:14:15Z",
            "1764076455123, 2025-11-25T13:14:15.123Z"})
    void timestampAcceptsRfc3339AndEpochMillis(String json, String expected) throws Exception {
        LogEvent event = valid("{\"message\":\"m\",\"service\":\"s\",\"timestamp\":" + json + "}");
        assertThat(event.timestamp()).isEqualTo(OffsetDateTime.parse(expected));
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"2026-13-01T00:00:00Z\"", "\"2026-11-25T13:14:15\"", "\"tomorrow\"", "-1", "1.5",
            "true", "{}"})
    void timestampRejectsEverythingElse(String json) throws Exception {
        assertThat(errors("{\"message\":\"m\",\"service\":\"s\",\"timestamp\":" + json + "}"))
                .extracting(FieldError::field).containsExactly("timestamp");
    }

    @ParameterizedTest
    @CsvSource({"trace,TRACE", "DEBUG,DEBUG", "Info,INFO", "notice,NOTICE", "warn,WARN", "Warning,WARN",
            "error,ERROR", "critical,CRITICAL", "alert,ALERT", "emergency,EMERGENCY", "FATAL,FATAL"})
    void levelIsCaseInsensitiveAndNormalized(String given, Level expected) throws Exception {
        assertThat(valid("{\"message\":\"m\",\"service\":\"s\",\"level\":\"" + given + "\"}").level())
                .isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"verbose\"", "\"\"", "3"})
    void levelRejectsUnknownNames(String json) throws Exception {
        assertThat(errors("{\"message\":\"m\",\"service\":\"s\",\"level\":" + json + "}"))
                .extracting(FieldError::field).containsExactly("level");
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"host\"", "\"trace_id\"", "\"span_id\""})
    void optionalStringsMustBeStrings(String field) throws Exception {
        assertThat(valid("{\"message\":\"m\",\"service\":\"s\"," + field + ":\"x\"}")).isNotNull();
        assertThat(errors("{\"message\":\"m\",\"service\":\"s\"," + field + ":[1]}"))
                .extracting(FieldError::field).containsExactly(field.replace("\"", ""));
    }

    @Test
    void attributesMustBeAnObjectOfScalars() throws Exception {
        assertThat(valid("{\"message\":\"m\",\"service\":\"s\",\"attributes\":{\"a\":\"b\",\"n\":1.5,\"t\":false}}")
                .attributes()).hasSize(3);
        assertThat(errors("{\"message\":\"m\",\"service\":\"s\",\"attributes\":[1]}"))
                .extracting(FieldError::field).containsExactly("attributes");
        assertThat(errors("{\"message\":\"m\",\"service\":\"s\",\"attributes\":{\"a\":[1],\"b\":null}}"))
                .extracting(FieldError::field).containsExactlyInAnyOrder("attributes.a", "attributes.b");
    }

    @Test
    void undecodableEntriesSayWhy() {
        Map<String, String> noVersion = Map.of(StreamEntry.DATA, "{}");
        Map<String, String> notJson = Map.of(StreamEntry.SCHEMA_VERSION, "1", StreamEntry.DATA, "{oops");
        Map<String, String> missingFields = Map.of(StreamEntry.SCHEMA_VERSION, "1", StreamEntry.DATA,
                "{\"message\":\"m\"}");

        assertThat(LogEventCodec.fromEntry(noVersion)).isInstanceOfSatisfying(EntryDecoding.Undecodable.class,
                u -> assertThat(u.reason()).isEqualTo(DeadLetterReason.UNSUPPORTED_SCHEMA_VERSION));
        assertThat(LogEventCodec.fromEntry(notJson)).isInstanceOfSatisfying(EntryDecoding.Undecodable.class,
                u -> assertThat(u.reason()).isEqualTo(DeadLetterReason.INVALID_JSON));
        assertThat(LogEventCodec.fromEntry(missingFields)).isInstanceOfSatisfying(EntryDecoding.Undecodable.class,
                u -> {
                    assertThat(u.reason()).isEqualTo(DeadLetterReason.INVALID_EVENT);
                    assertThat(u.message()).contains("event_id", "received_at", "source", "service", "timestamp");
                });
    }

    @Test
    void entryWithABadEventIdIsInvalid() throws Exception {
        LogEvent event = valid("{\"message\":\"m\",\"service\":\"s\"}");
        ObjectNode json = LogEventCodec.toJson(event);
        json.put("event_id", "not-a-uuid");
        Map<String, String> entry = new LinkedHashMap<>(LogEventCodec.toEntry(event));
        entry.put(StreamEntry.DATA, Json.write(json));

        assertThat(LogEventCodec.fromEntry(entry)).isInstanceOfSatisfying(EntryDecoding.Undecodable.class,
                u -> assertThat(u.message()).contains("event_id"));
    }

    /** A UUIDv7 whose time is {@code at}. */
    private static String idMadeAt(Instant at) {
        long millis = at.toEpochMilli();
        return String.format("%08x-%04x-7abc-9def-0123456789ab", millis >>> 16, millis & 0xffff);
    }

    /** Issue 13: a client's own event_id (UUIDv7, any case) is the event's ID, lower-cased. */
    @Test
    void aClientsOwnEventIdBecomesTheEventId() throws Exception {
        String id = idMadeAt(RECEIVED.minusSeconds(3600));
        LogEvent event = valid(event("\"event_id\":\"" + id.toUpperCase(java.util.Locale.ROOT) + "\""));

        assertThat(event.eventId()).isEqualTo(id);
        assertThat(LogEventCodec.fromEntry(LogEventCodec.toEntry(event)))
                .isInstanceOfSatisfying(EntryDecoding.Decoded.class, d -> assertThat(((LogEvent) d.value()).eventId())
                        .isEqualTo(id));
    }

    /** Issue 13: an event_id that is not a UUIDv7, or made outside [receipt - 7 days, receipt + 5 min], is an item error. */
    @ParameterizedTest
    @ValueSource(strings = {"\"not-a-uuid\"", "\"9b2f3c0e-4d5a-4b6c-8d7e-0f1a2b3c4d5e\"", "42", "\"\"",
            "\"019abbd6-1f6e-7c3a-9a51-52f1f0e1f4a2x\""})
    void aMalformedClientEventIdIsRejected(String value) throws Exception {
        assertThat(errors(event("\"event_id\":" + value))).extracting(FieldError::field).containsExactly("event_id");
    }

    @Test
    void aClientEventIdMadeOutsideTheWindowIsRejected() throws Exception {
        assertThat(valid(event("\"event_id\":\"" + idMadeAt(RECEIVED.minus(Duration.ofDays(7)).plusSeconds(1))
                + "\"")).eventId()).as("just inside: a week old").isNotEqualTo(CONTEXT.eventId());
        assertThat(valid(event("\"event_id\":\"" + idMadeAt(RECEIVED.plus(Duration.ofMinutes(5))) + "\"")).eventId())
                .as("just inside: five minutes ahead").isNotEqualTo(CONTEXT.eventId());
        for (Instant made : new Instant[] {RECEIVED.minus(Duration.ofDays(7)).minusSeconds(1),
                RECEIVED.plus(Duration.ofMinutes(5)).plusMillis(1), Instant.EPOCH}) {
            assertThat(errors(event("\"event_id\":\"" + idMadeAt(made) + "\""))).as("made %s", made)
                    .singleElement().satisfies(e -> assertThat(e.reason()).contains("UUIDv7 time"));
        }
    }

    // ---------------------------------------------------------------- limits of the stored form (issue 12)

    private static String event(String extra) {
        return "{\"message\":\"m\",\"service\":\"s\"," + extra + "}";
    }

    private static String quoted(String text) {
        return Json.write(Json.MAPPER.getNodeFactory().textNode(text));
    }

    @ParameterizedTest
    @CsvSource({"host, 255", "trace_id, 128", "span_id, 128"})
    void keywordStringsAreBoundedAtTheirLimit(String field, int limit) throws Exception {
        assertThat(valid(event("\"" + field + "\":" + quoted("h".repeat(limit))))).isNotNull();
        assertThat(errors(event("\"" + field + "\":" + quoted("h".repeat(limit + 1)))))
                .containsExactly(new FieldError(field, "must be at most " + limit + " characters, got " + (limit + 1)));
    }

    @Test
    void attributeKeysAndStringValuesAreBounded() throws Exception {
        String longestKey = "k".repeat(LogEventCodec.MAX_ATTRIBUTE_KEY_LENGTH);
        String longestValue = "\u20ac".repeat(LogEventCodec.MAX_ATTRIBUTE_VALUE_LENGTH);
        assertThat(valid(event("\"attributes\":{" + quoted(longestKey) + ":" + quoted(longestValue) + "}"))
                .attributes()).containsEntry(longestKey, longestValue);

        assertThat(errors(event("\"attributes\":{" + quoted(longestKey + "k") + ":1,\"v\":"
                + quoted(longestValue + "x") + "}")))
                .extracting(FieldError::field).containsExactly("attributes." + FieldReader.abbreviate(longestKey + "k"),
                        "attributes.v");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z", "9999-12-31T23:59:59+00:00",
            "0000-01-01T00:00:00-01:00"})
    void timestampsOfFourDigitYearsAreAccepted(String text) throws Exception {
        assertThat(valid(event("\"timestamp\":\"" + text + "\"")).timestamp())
                .isEqualTo(OffsetDateTime.parse(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"+10000-01-01T00:00:00Z", "-0001-12-31T23:59:59Z", "9999-12-31T23:00:00-05:00",
            "0000-01-01T00:00:00+01:00", "+10000-01-01T05:00:00+18:00"})
    void timestampsBeyondFourDigitYearsAsWrittenOrInUtcAreRejected(String text) throws Exception {
        assertThat(errors(event("\"timestamp\":\"" + text + "\"")))
                .singleElement().satisfies(e -> {
                    assertThat(e.field()).isEqualTo("timestamp");
                    assertThat(e.reason()).startsWith("must be from 0000-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z");
                });
    }

    @Test
    void syslogMetadataFromAReceiverIsBoundedLikeOnTheStream() throws Exception {
        IngestContext syslog = new IngestContext(EventIds.next(), RECEIVED, Source.syslog("10.1.1.1:514"),
                Optional.of(new SyslogMetadata(SyslogMetadata.RFC5424, 1, 6, Optional.of("a".repeat(65)),
                        Optional.of("p".repeat(129)), Optional.of("m".repeat(33)))));
        Validated<LogEvent> result = LogEventCodec.fromInput(json(event("\"level\":\"info\"")), syslog);

        assertThat(result).isInstanceOfSatisfying(Validated.Invalid.class, invalid -> assertThat(invalid.errors())
                .extracting(e -> ((FieldError) e).field())
                .containsExactly("syslog.app_name", "syslog.proc_id", "syslog.msg_id"));
        IngestContext atTheLimits = new IngestContext(EventIds.next(), RECEIVED, Source.syslog("10.1.1.1:514"),
                Optional.of(new SyslogMetadata(SyslogMetadata.RFC5424, 1, 6, Optional.of("a".repeat(64)),
                        Optional.of("p".repeat(128)), Optional.of("m".repeat(32)))));
        Validated<LogEvent> stored = LogEventCodec.fromInput(json(event("\"level\":\"info\"")), atTheLimits);
        assertThat(stored).isInstanceOf(Validated.Valid.class);
        LogEvent accepted = ((Validated.Valid<LogEvent>) stored).value();
        assertThat(LogEventCodec.fromEntry(LogEventCodec.toEntry(accepted))).isEqualTo(new EntryDecoding.Decoded<>(accepted));
    }
}
