package io.killkrill.model;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Validates log events and encodes them into, and decodes them from, stream entries.
 * The rules are written down in docs/contract.md; this class is their only implementation.
 *
 * <p>The {@code MAX_}/{@code MIN_} constants are the limits of the stored form: each keeps an accepted event
 * within what the Elasticsearch index template holds (a {@code keyword} term is at most 32 766 UTF-8 bytes, a
 * {@code flattened} key and value together too; {@code date} parses four-digit years only). docs/contract.md
 * lists each with the store figure it comes from; lengths are in UTF-16 code units ({@link String#length()},
 * at most 3 UTF-8 bytes each).
 */
public final class LogEventCodec {
    public static final int MAX_SERVICE_LENGTH = 64;
    public static final Pattern SERVICE = Pattern.compile("[A-Za-z0-9._-]{1," + MAX_SERVICE_LENGTH + "}");
    /** RFC 5424's HOSTNAME (and DNS names, 253) fit; far below a keyword term's 32 766 bytes. */
    public static final int MAX_HOST_LENGTH = 255;
    /** W3C trace context IDs are 32 and 16 hex digits; room for other schemes, far below a keyword term. */
    public static final int MAX_TRACE_ID_LENGTH = 128;
    public static final int MAX_SPAN_ID_LENGTH = 128;
    public static final int MAX_ATTRIBUTES = 128;
    /**
     * A {@code flattened} field indexes {@code key \0 value} as one term of at most 32 766 bytes; with a value of
     * at most {@link #MAX_ATTRIBUTE_VALUE_LENGTH} code units (24 573 bytes) a key of 256 (768 bytes) always fits.
     */
    public static final int MAX_ATTRIBUTE_KEY_LENGTH = 256;
    /** The template's {@code ignore_above} of {@code attributes}: a longer value would be kept but not searchable. */
    public static final int MAX_ATTRIBUTE_VALUE_LENGTH = 8191;
    /** Syslog metadata, keyword fields: APP-NAME as the TAG the RFC 3164 parser keeps (63) and the service (64). */
    public static final int MAX_SYSLOG_APP_NAME_LENGTH = 64;
    /** RFC 5424 section 6: PROCID 1-128, MSGID 1-32 printable characters. */
    public static final int MAX_SYSLOG_PROC_ID_LENGTH = 128;
    public static final int MAX_SYSLOG_MSG_ID_LENGTH = 32;
    /** Elasticsearch {@code date} parses years 0000-9999 only (a five-digit year is a mapping error). */
    public static final Instant MIN_TIMESTAMP = FieldReader.MIN_TIMESTAMP;
    public static final Instant MAX_TIMESTAMP = FieldReader.MAX_TIMESTAMP;

    /** How old (by its UUIDv7 time) a client's own {@code event_id} may be when it is received. */
    public static final Duration MAX_CLIENT_EVENT_ID_AGE = Duration.ofDays(7);
    /** How far ahead of the receiver's clock a client's own {@code event_id} may be. */
    public static final Duration MAX_CLIENT_EVENT_ID_LEAD = Duration.ofMinutes(5);

    /** The members the codec reads: the envelope's, then the event's. */
    static final FieldSlots.Names FIELDS = EntryEnvelope.HEADER.with(List.of("timestamp", "level", "service",
            "message", "host", "trace_id", "span_id", "attributes", "syslog"));

    private LogEventCodec() {
    }

    /**
     * Validates one log event as a client sent it (an HTTP body item). Every field error is reported, not only
     * the first.
     */
    public static Validated<LogEvent> fromInput(JsonNode node, IngestContext context) {
        if (node == null || !node.isObject()) {
            return Validated.invalid(List.of(new FieldError("", "must be a JSON object")));
        }
        return validate(JsonFields.ofTree(node), context);
    }

    /**
     * Validates one log event a receiver parsed from its own wire format (a syslog message), by the same rules
     * and with the same errors as the JSON item with these fields.
     */
    public static Validated<LogEvent> fromFields(LogEventFields fields, IngestContext context) {
        return validate(fields.slots(), context);
    }

    private static Validated<LogEvent> validate(JsonFields input, IngestContext context) {
        FieldReader reader = new FieldReader(input);
        Fields fields = readEventFields(reader);
        Optional<String> eventId = readClientEventId(reader, context.receivedAt());
        context.syslog().ifPresent(syslog -> checkSyslogLengths(reader, syslog));
        if (!reader.errors().isEmpty()) {
            return Validated.invalid(reader.errors());
        }
        OffsetDateTime timestamp = fields.timestamp.orElseGet(() -> context.receivedAt().atOffset(ZoneOffset.UTC));
        return Validated.valid(new LogEvent(eventId.orElse(context.eventId()), timestamp, context.receivedAt(),
                fields.level.orElse(Level.INFO), fields.service, fields.message, fields.host, fields.traceId,
                fields.spanId, fields.attributes, context.source(), context.syslog()));
    }

    /** The stream JSON of an event as a tree (for tests and tools; {@link #toEntry} writes it directly). */
    public static ObjectNode toJson(LogEvent event) {
        try {
            return (ObjectNode) Json.MAPPER.readTree(toJsonText(event));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the stream JSON of an event is always readable", e);
        }
    }

    /** The stream JSON of an event: the input fields plus what the receiver added. */
    public static String toJsonText(LogEvent event) {
        return Json.write(json -> write(event, json));
    }

    private static void write(LogEvent event, JsonGenerator json) throws IOException {
        json.writeStartObject();
        writeFields(event, "timestamp", json);
        json.writeEndObject();
    }

    /**
     * The one writer of an event's fields as JSON, into an object the caller has started and ends: the stream
     * entry's data (the event time as {@code timestamp}) and the log-worker's Elasticsearch document (as
     * {@code @timestamp}, followed by the worker's own fields).
     */
    public static void writeFields(LogEvent event, String timestampField, JsonGenerator json) throws IOException {
        json.writeStringField("event_id", event.eventId());
        json.writeStringField(timestampField, Rfc3339.format(event.timestamp()));
        json.writeStringField("received_at", Rfc3339.format(event.receivedAt()));
        json.writeStringField("level", event.level().wireName());
        json.writeStringField("service", event.service());
        json.writeStringField("message", event.message());
        writeOptional(json, "host", event.host());
        writeOptional(json, "trace_id", event.traceId());
        writeOptional(json, "span_id", event.spanId());
        if (!event.attributes().isEmpty()) {
            json.writeObjectFieldStart("attributes");
            for (Map.Entry<String, Object> attribute : event.attributes().entrySet()) {
                writeScalar(json, attribute.getKey(), attribute.getValue());
            }
            json.writeEndObject();
        }
        json.writeObjectFieldStart("source");
        json.writeStringField("type", event.source().kind().wireName());
        writeOptional(json, "peer", event.source().peer());
        json.writeEndObject();
        if (event.syslog().isPresent()) {
            SyslogMetadata syslog = event.syslog().get();
            json.writeObjectFieldStart("syslog");
            json.writeStringField("format", syslog.format());
            json.writeNumberField("facility", syslog.facility());
            json.writeNumberField("severity", syslog.severity());
            writeOptional(json, "app_name", syslog.appName());
            writeOptional(json, "proc_id", syslog.procId());
            writeOptional(json, "msg_id", syslog.msgId());
            json.writeEndObject();
        }
    }

    private static void writeOptional(JsonGenerator json, String field, Optional<String> value) throws IOException {
        if (value.isPresent()) {
            json.writeStringField(field, value.get());
        }
    }

    /** The fields of the stream entry that carries this event. */
    public static Map<String, String> toEntry(LogEvent event) {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put(StreamEntry.SCHEMA_VERSION, StreamEntry.CURRENT_SCHEMA_VERSION);
        fields.put(StreamEntry.EVENT_ID, event.eventId());
        fields.put(StreamEntry.DATA, toJsonText(event));
        fields.put(StreamEntry.AUDIT, AuditSlot.of(event).wire());
        return fields;
    }

    /** Decodes and re-validates an entry read from the logs stream. */
    public static EntryDecoding<LogEvent> fromEntry(Map<String, String> entry) {
        EntryEnvelope.Opened opened = EntryEnvelope.open(entry, FIELDS);
        if (opened instanceof EntryEnvelope.Unreadable unreadable) {
            return unreadable.asDecoding();
        }
        FieldReader reader = new FieldReader(((EntryEnvelope.Readable) opened).data());
        EntryEnvelope.Header header = EntryEnvelope.readHeader(reader);
        Optional<SyslogMetadata> syslog = readSyslog(reader);
        Fields fields = readEventFields(reader);
        if (fields.timestamp.isEmpty() && reader.value("timestamp") == null) {
            reader.error("timestamp", "is required in a stream entry");
        }
        if (!reader.errors().isEmpty()) {
            return new EntryDecoding.Undecodable<>(DeadLetterReason.INVALID_EVENT,
                    new Validated.Invalid<LogEvent>(reader.errors()).summary());
        }
        return new EntryDecoding.Decoded<>(new LogEvent(header.eventId(), fields.timestamp.orElseThrow(),
                header.receivedAt().orElseThrow(), fields.level.orElse(Level.INFO), fields.service, fields.message,
                fields.host, fields.traceId, fields.spanId, fields.attributes, header.source(), syslog));
    }

    private record Fields(String message, String service, Optional<OffsetDateTime> timestamp, Optional<Level> level,
                          Optional<String> host, Optional<String> traceId, Optional<String> spanId,
                          Map<String, Object> attributes) {
    }

    private static Fields readEventFields(FieldReader reader) {
        String message = reader.requiredString("message");
        String service = reader.requiredString("service");
        if (service != null && !isServiceName(service)) {
            reader.error("service", "must be 1-" + MAX_SERVICE_LENGTH + " characters of A-Z, a-z, 0-9, '.', '_' or '-'");
        }
        Optional<OffsetDateTime> timestamp = reader.timestampRfc3339OrMillis("timestamp");
        Optional<Level> level = readLevel(reader);
        Optional<String> host = reader.optionalString("host", MAX_HOST_LENGTH);
        Optional<String> traceId = reader.optionalString("trace_id", MAX_TRACE_ID_LENGTH);
        Optional<String> spanId = reader.optionalString("span_id", MAX_SPAN_ID_LENGTH);
        Map<String, Object> attributes = readAttributes(reader);
        return new Fields(message, service, timestamp, level, host, traceId, spanId, attributes);
    }

    /** A level name (any case, {@code warning} for warn), or from a receiver's typed fields a {@link Level}. */
    private static Optional<Level> readLevel(FieldReader reader) {
        if (reader.value("level") instanceof Level typed) {
            return Optional.of(typed);
        }
        Optional<String> text = reader.optionalString("level");
        if (text.isEmpty()) {
            return Optional.empty();
        }
        Optional<Level> level = Level.parse(text.get());
        if (level.isEmpty()) {
            reader.error("level", "must be one of " + Level.ACCEPTED + " (any case), got '"
                    + FieldReader.abbreviate(text.get()) + "'");
        }
        return level;
    }

    /**
     * A client's own {@code event_id}: a UUIDv7 in canonical form (any case; stored lower-case), created at most
     * {@link #MAX_CLIENT_EVENT_ID_AGE} before and {@link #MAX_CLIENT_EVENT_ID_LEAD} after it is received. It becomes
     * the event's ID, so an event a client sends twice (in two requests, over two transports) is one document:
     * the ID is the document's {@code _id}, and its UUIDv7 time picks the daily index. The window bounds the days
     * clients can make indices for.
     */
    private static Optional<String> readClientEventId(FieldReader reader, Instant receivedAt) {
        Optional<String> text = reader.optionalString("event_id", 36);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        String id = text.get().toLowerCase(Locale.ROOT);
        if (!EventIds.isValid(id)) {
            reader.error("event_id", "must be a UUIDv7 (RFC 9562) in canonical form, got '"
                    + FieldReader.abbreviate(text.get()) + "'");
            return Optional.empty();
        }
        Instant created = Instant.ofEpochMilli(EventIds.epochMillis(id));
        if (created.isBefore(receivedAt.minus(MAX_CLIENT_EVENT_ID_AGE))
                || created.isAfter(receivedAt.plus(MAX_CLIENT_EVENT_ID_LEAD))) {
            reader.error("event_id", "its UUIDv7 time (" + created + ") must be at most "
                    + MAX_CLIENT_EVENT_ID_AGE.toDays() + " days before and " + MAX_CLIENT_EVENT_ID_LEAD.toMinutes()
                    + " minutes after the time it is received");
            return Optional.empty();
        }
        return Optional.of(id);
    }

    /** Whether {@link #SERVICE} matches, checked without a regex: this runs for every event. */
    static boolean isServiceName(String service) {
        int length = service.length();
        if (length < 1 || length > MAX_SERVICE_LENGTH) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            char c = service.charAt(i);
            boolean allowed = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || c == '.' || c == '_' || c == '-';
            if (!allowed) {
                return false;
            }
        }
        return true;
    }

    private static Map<String, Object> readAttributes(FieldReader reader) {
        Object value = reader.value("attributes");
        if (value == null) {
            return Map.of();
        }
        Map<String, Object> members = FieldReader.members(value);
        if (members == null) {
            reader.error("attributes", "must be an object of string to string, number or boolean");
            return Map.of();
        }
        if (members.size() > MAX_ATTRIBUTES) {
            reader.error("attributes", "must have at most " + MAX_ATTRIBUTES + " entries, got " + members.size());
            return Map.of();
        }
        Map<String, Object> attributes = new LinkedHashMap<>();
        for (Map.Entry<String, Object> member : members.entrySet()) {
            String key = member.getKey();
            Object attribute = member.getValue();
            if (key.isEmpty()) {
                reader.error("attributes", "keys must not be empty");
            } else if (key.length() > MAX_ATTRIBUTE_KEY_LENGTH) {
                reader.error("attributes." + FieldReader.abbreviate(key),
                        "keys must be at most " + MAX_ATTRIBUTE_KEY_LENGTH + " characters, got " + key.length());
            } else if (attribute instanceof String text) {
                if (text.length() > MAX_ATTRIBUTE_VALUE_LENGTH) {
                    reader.error("attributes." + key, FieldReader.tooLong(MAX_ATTRIBUTE_VALUE_LENGTH, text.length()));
                } else {
                    attributes.put(key, text);
                }
            } else if (attribute instanceof Boolean || attribute instanceof Long) {
                attributes.put(key, attribute);
            } else if (attribute instanceof Number number && Double.isFinite(number.doubleValue())) {
                attributes.put(key, number.doubleValue());
            } else {
                reader.error("attributes." + key, "must be a string, number or boolean");
            }
        }
        return attributes;
    }

    private static Optional<SyslogMetadata> readSyslog(FieldReader reader) {
        Object value = reader.value("syslog");
        if (value == null) {
            return Optional.empty();
        }
        Map<String, Object> members = FieldReader.members(value);
        if (members == null) {
            reader.error("syslog", "must be an object");
            return Optional.empty();
        }
        FieldReader sys = reader.member(members, "syslog.");
        String format = sys.requiredString("format");
        if (format != null && !format.equals(SyslogMetadata.RFC5424) && !format.equals(SyslogMetadata.RFC3164)) {
            sys.error("format", "must be rfc5424 or rfc3164");
        }
        int facility = integer(sys, "facility", 0, 23);
        int severity = integer(sys, "severity", 0, 7);
        Optional<String> appName = sys.optionalString("app_name", MAX_SYSLOG_APP_NAME_LENGTH);
        Optional<String> procId = sys.optionalString("proc_id", MAX_SYSLOG_PROC_ID_LENGTH);
        Optional<String> msgId = sys.optionalString("msg_id", MAX_SYSLOG_MSG_ID_LENGTH);
        List<FieldError> before = new ArrayList<>(reader.errors());
        if (before.stream().anyMatch(e -> e.field().startsWith("syslog"))) {
            return Optional.empty();
        }
        return Optional.of(new SyslogMetadata(format, facility, severity, appName, procId, msgId));
    }

    /** The syslog metadata a receiver parsed goes to keyword fields: the same limits as on the stream. */
    private static void checkSyslogLengths(FieldReader reader, SyslogMetadata syslog) {
        checkLength(reader, "syslog.app_name", syslog.appName(), MAX_SYSLOG_APP_NAME_LENGTH);
        checkLength(reader, "syslog.proc_id", syslog.procId(), MAX_SYSLOG_PROC_ID_LENGTH);
        checkLength(reader, "syslog.msg_id", syslog.msgId(), MAX_SYSLOG_MSG_ID_LENGTH);
    }

    private static void checkLength(FieldReader reader, String field, Optional<String> value, int maxLength) {
        if (value.isPresent() && value.get().length() > maxLength) {
            reader.error(field, FieldReader.tooLong(maxLength, value.get().length()));
        }
    }

    /** As a tree's {@code intValue()}: an integer beyond int range is taken modulo 2^32, as it always was. */
    private static int integer(FieldReader reader, String field, int min, int max) {
        Object value = reader.value(field);
        boolean integral = value instanceof Long || value instanceof BigInteger;
        if (!integral || ((Number) value).intValue() < min || ((Number) value).intValue() > max) {
            reader.error(field, "must be an integer from " + min + " to " + max);
            return min;
        }
        return ((Number) value).intValue();
    }

    private static void writeScalar(JsonGenerator json, String key, Object value) throws IOException {
        json.writeFieldName(key);
        if (value instanceof String s) {
            json.writeString(s);
        } else if (value instanceof Boolean b) {
            json.writeBoolean(b);
        } else if (value instanceof Long l) {
            json.writeNumber(l);
        } else if (value instanceof Double d) {
            json.writeNumber(d);
        } else {
            throw new IllegalArgumentException("attribute " + key + " has unsupported type " + value.getClass());
        }
    }
}
