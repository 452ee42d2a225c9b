package io.killkrill.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The oracle of {@link StreamingEntryEquivalenceTest}: the stream-entry decoders as they were before entries were
 * read with a streaming parser ({@code Json.MAPPER.readTree}, then rules over the {@link JsonNode} tree), kept
 * verbatim in test code only. Whatever the streaming decoders answer, this answers too.
 */
final class TreeEntryDecoder {
    private TreeEntryDecoder() {
    }

    static Object open(Map<String, String> entry) {
        String version = entry.get(StreamEntry.SCHEMA_VERSION);
        if (!StreamEntry.CURRENT_SCHEMA_VERSION.equals(version)) {
            return new EntryDecoding.Undecodable<Object>(DeadLetterReason.UNSUPPORTED_SCHEMA_VERSION,
                    "schema_version must be " + StreamEntry.CURRENT_SCHEMA_VERSION + ", got "
                            + (version == null ? "none" : "'" + FieldReader.abbreviate(version) + "'"));
        }
        String data = entry.get(StreamEntry.DATA);
        if (data == null) {
            return new EntryDecoding.Undecodable<Object>(DeadLetterReason.INVALID_JSON, "entry has no 'data' field");
        }
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(data);
        } catch (JsonProcessingException e) {
            return new EntryDecoding.Undecodable<Object>(DeadLetterReason.INVALID_JSON, "'data' is not valid JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            return new EntryDecoding.Undecodable<Object>(DeadLetterReason.INVALID_JSON, "'data' must be a JSON object");
        }
        return node;
    }

    static EntryEnvelope.Header readHeader(TreeFieldReader reader) {
        String eventId = reader.requiredString("event_id");
        if (eventId != null && !EventIds.isValid(eventId)) {
            reader.error("event_id", "must be a UUIDv7 in canonical lower-case form");
        }
        Optional<Instant> receivedAt = reader.timestampSecondsMillisOrRfc3339("received_at");
        if (receivedAt.isEmpty() && reader.node("received_at") == null) {
            reader.error("received_at", "is required");
        }
        return new EntryEnvelope.Header(eventId, receivedAt, readSource(reader));
    }

    private static Source readSource(TreeFieldReader reader) {
        JsonNode node = reader.node("source");
        if (node == null || !node.isObject()) {
            reader.error("source", "is required and must be an object with 'type' (http or syslog)");
            return Source.http(null);
        }
        TreeFieldReader sourceReader = new TreeFieldReader(node, "source.", reader.errors());
        String type = sourceReader.requiredString("type");
        Optional<String> peer = sourceReader.optionalString("peer");
        Optional<SourceKind> kind = type == null ? Optional.empty() : SourceKind.parse(type);
        if (type != null && kind.isEmpty()) {
            sourceReader.error("type", "must be http or syslog");
        }
        return new Source(kind.orElse(SourceKind.HTTP), peer);
    }    static EntryDecoding<LogEvent> logEvent(Map<String, String> entry) {
        Object opened = open(entry);
        if (opened instanceof EntryDecoding.Undecodable<?> unreadable) {
            return new EntryDecoding.Undecodable<>(unreadable.reason(), unreadable.message());
        }
        TreeFieldReader reader = new TreeFieldReader((JsonNode) opened);
        EntryEnvelope.Header header = readHeader(reader);
        Optional<SyslogMetadata> syslog = readSyslog(reader);
        LogFields fields = readEventFields(reader);
        if (fields.timestamp.isEmpty() && reader.node("timestamp") == null) {
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

    private record LogFields(String message, String service, Optional<OffsetDateTime> timestamp, Optional<Level> level,
                          Optional<String> host, Optional<String> traceId, Optional<String> spanId,
                          Map<String, Object> attributes) {
    }

    private static LogFields readEventFields(TreeFieldReader reader) {
        String message = reader.requiredString("message");
        String service = reader.requiredString("service");
        if (service != null && !LogEventCodec.isServiceName(service)) {
            reader.error("service", "must be 1-" + LogEventCodec.MAX_SERVICE_LENGTH + " characters of A-Z, a-z, 0-9, '.', '_' or '-'");
        }
        Optional<OffsetDateTime> timestamp = reader.timestampRfc3339OrMillis("timestamp");
        Optional<Level> level = Optional.empty();
        Optional<String> levelText = reader.optionalString("level");
        if (levelText.isPresent()) {
            level = Level.parse(levelText.get());
            if (level.isEmpty()) {
                reader.error("level", "must be one of " + Level.ACCEPTED + " (any case), got '"
                        + FieldReader.abbreviate(levelText.get()) + "'");
            }
        }
        Optional<String> host = reader.optionalString("host", LogEventCodec.MAX_HOST_LENGTH);
        Optional<String> traceId = reader.optionalString("trace_id", LogEventCodec.MAX_TRACE_ID_LENGTH);
        Optional<String> spanId = reader.optionalString("span_id", LogEventCodec.MAX_SPAN_ID_LENGTH);
        Map<String, Object> attributes = readAttributes(reader);
        return new LogFields(message, service, timestamp, level, host, traceId, spanId, attributes);
    }

    private static Map<String, Object> readAttributes(TreeFieldReader reader) {
        JsonNode node = reader.node("attributes");
        if (node == null) {
            return Map.of();
        }
        if (!node.isObject()) {
            reader.error("attributes", "must be an object of string to string, number or boolean");
            return Map.of();
        }
        if (node.size() > LogEventCodec.MAX_ATTRIBUTES) {
            reader.error("attributes", "must have at most " + LogEventCodec.MAX_ATTRIBUTES + " entries, got " + node.size());
            return Map.of();
        }
        Map<String, Object> attributes = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String key = field.getKey();
            JsonNode value = field.getValue();
            if (key.isEmpty()) {
                reader.error("attributes", "keys must not be empty");
            } else if (key.length() > LogEventCodec.MAX_ATTRIBUTE_KEY_LENGTH) {
                reader.error("attributes." + FieldReader.abbreviate(key),
                        "keys must be at most " + LogEventCodec.MAX_ATTRIBUTE_KEY_LENGTH + " characters, got " + key.length());
            } else if (value.isTextual()) {
                if (value.textValue().length() > LogEventCodec.MAX_ATTRIBUTE_VALUE_LENGTH) {
                    reader.error("attributes." + key,
                            FieldReader.tooLong(LogEventCodec.MAX_ATTRIBUTE_VALUE_LENGTH, value.textValue().length()));
                } else {
                    attributes.put(key, value.textValue());
                }
            } else if (value.isBoolean()) {
                attributes.put(key, value.booleanValue());
            } else if (value.isIntegralNumber() && value.canConvertToLong()) {
                attributes.put(key, value.longValue());
            } else if (value.isNumber() && Double.isFinite(value.doubleValue())) {
                attributes.put(key, value.doubleValue());
            } else {
                reader.error("attributes." + key, "must be a string, number or boolean");
            }
        }
        return attributes;
    }

    private static Optional<SyslogMetadata> readSyslog(TreeFieldReader reader) {
        JsonNode node = reader.node("syslog");
        if (node == null) {
            return Optional.empty();
        }
        if (!node.isObject()) {
            reader.error("syslog", "must be an object");
            return Optional.empty();
        }
        TreeFieldReader sys = new TreeFieldReader(node, "syslog.", reader.errors());
        String format = sys.requiredString("format");
        if (format != null && !format.equals(SyslogMetadata.RFC5424) && !format.equals(SyslogMetadata.RFC3164)) {
            sys.error("format", "must be rfc5424 or rfc3164");
        }
        int facility = integer(sys, "facility", 0, 23);
        int severity = integer(sys, "severity", 0, 7);
        Optional<String> appName = sys.optionalString("app_name", LogEventCodec.MAX_SYSLOG_APP_NAME_LENGTH);
        Optional<String> procId = sys.optionalString("proc_id", LogEventCodec.MAX_SYSLOG_PROC_ID_LENGTH);
        Optional<String> msgId = sys.optionalString("msg_id", LogEventCodec.MAX_SYSLOG_MSG_ID_LENGTH);
        List<FieldError> before = new ArrayList<>(reader.errors());
        if (before.stream().anyMatch(e -> e.field().startsWith("syslog"))) {
            return Optional.empty();
        }
        return Optional.of(new SyslogMetadata(format, facility, severity, appName, procId, msgId));
    }

    private static int integer(TreeFieldReader reader, String field, int min, int max) {
        JsonNode node = reader.node(field);
        if (node == null || !node.isIntegralNumber() || node.intValue() < min || node.intValue() > max) {
            reader.error(field, "must be an integer from " + min + " to " + max);
            return min;
        }
        return node.intValue();
    }

    static EntryDecoding<MetricSample> metricSample(Map<String, String> entry) {
        Object opened = open(entry);
        if (opened instanceof EntryDecoding.Undecodable<?> unreadable) {
            return new EntryDecoding.Undecodable<>(unreadable.reason(), unreadable.message());
        }
        TreeFieldReader reader = new TreeFieldReader((JsonNode) opened);
        EntryEnvelope.Header header = readHeader(reader);
        SampleFields fields = readSampleFields(reader);
        if (fields.timestamp.isEmpty() && reader.node("timestamp") == null) {
            reader.error("timestamp", "is required in a stream entry");
        }
        if (!reader.errors().isEmpty()) {
            return new EntryDecoding.Undecodable<>(DeadLetterReason.INVALID_EVENT,
                    new Validated.Invalid<MetricSample>(reader.errors()).summary());
        }
        return new EntryDecoding.Decoded<>(new MetricSample(header.eventId(), fields.name, fields.value, fields.labels,
                fields.timestamp.orElseThrow(), fields.type.orElse(MetricType.GAUGE), header.receivedAt().orElseThrow(),
                header.source()));
    }

    private record SampleFields(String name, double value, SortedMap<String, String> labels,
                          Optional<Instant> timestamp, Optional<MetricType> type) {
    }

    private static SampleFields readSampleFields(TreeFieldReader reader) {
        String name = reader.requiredString("name");
        if (name != null && !MetricSampleCodec.METRIC_NAME.matcher(name).matches()) {
            reader.error("name", "must match the Prometheus metric name pattern [a-zA-Z_:][a-zA-Z0-9_:]*");
        } else if (name != null && name.length() > MetricSampleCodec.MAX_NAME_LENGTH) {
            reader.error("name", FieldReader.tooLong(MetricSampleCodec.MAX_NAME_LENGTH, name.length()));
        }
        double value = 0;
        JsonNode valueNode = reader.node("value");
        if (valueNode == null) {
            reader.error("value", "is required");
        } else if (!valueNode.isNumber() || !Double.isFinite(valueNode.doubleValue())) {
            reader.error("value", "must be a finite number");
        } else if (Math.abs(valueNode.doubleValue()) > MetricSampleCodec.MAX_ABS_VALUE) {
            reader.error("value", "must be from -" + MetricSampleCodec.MAX_ABS_VALUE + " to " + MetricSampleCodec.MAX_ABS_VALUE
                    + " (the range the quantile sketch tracks), got " + valueNode.doubleValue());
        } else {
            value = valueNode.doubleValue();
        }
        SortedMap<String, String> labels = readLabels(reader);
        Optional<Instant> timestamp = reader.timestampSecondsMillisOrRfc3339("timestamp");
        Optional<MetricType> type = Optional.empty();
        Optional<String> typeText = reader.optionalString("type");
        if (typeText.isPresent()) {
            type = MetricType.parse(typeText.get());
            if (type.isEmpty()) {
                reader.error("type", "must be counter, delta or gauge, got '" + FieldReader.abbreviate(typeText.get()) + "'");
            }
        }
        return new SampleFields(name, value, labels, timestamp, type);
    }

    private static SortedMap<String, String> readLabels(TreeFieldReader reader) {
        SortedMap<String, String> labels = new TreeMap<>();
        JsonNode node = reader.node("labels");
        if (node == null) {
            return labels;
        }
        if (!node.isObject()) {
            reader.error("labels", "must be an object of label name to string value");
            return labels;
        }
        if (node.size() > MetricSampleCodec.MAX_LABELS) {
            reader.error("labels", "must have at most " + MetricSampleCodec.MAX_LABELS + " labels, got " + node.size());
            return labels;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> label = it.next();
            String key = label.getKey();
            if (!MetricSampleCodec.LABEL_NAME.matcher(key).matches() || key.startsWith("__")) {
                reader.error("labels." + FieldReader.abbreviate(key),
                        "label names must match [a-zA-Z_][a-zA-Z0-9_]* and not start with '__'");
            } else if (key.length() > MetricSampleCodec.MAX_LABEL_NAME_LENGTH) {
                reader.error("labels." + FieldReader.abbreviate(key), "label names must be at most "
                        + MetricSampleCodec.MAX_LABEL_NAME_LENGTH + " characters, got " + key.length());
            } else if (!label.getValue().isTextual()) {
                reader.error("labels." + key, "must be a string");
            } else if (label.getValue().textValue().length() > MetricSampleCodec.MAX_LABEL_VALUE_LENGTH) {
                reader.error("labels." + key,
                        FieldReader.tooLong(MetricSampleCodec.MAX_LABEL_VALUE_LENGTH, label.getValue().textValue().length()));
            } else {
                labels.put(key, label.getValue().textValue());
            }
        }
        if (!labels.isEmpty() && labels.size() == node.size()) {
            int bytes = MetricSampleCodec.utf8Length(MetricSampleCodec.canonicalLabels(labels));
            if (bytes > MetricSampleCodec.MAX_LABEL_SET_BYTES) {
                reader.error("labels", "must take at most " + MetricSampleCodec.MAX_LABEL_SET_BYTES
                        + " bytes as canonical JSON text (UTF-8, keys sorted), got " + bytes);
            }
        }
        return labels;
    }
    /** The old FieldReader over a tree. */
    static final class TreeFieldReader {
        static final long MAX_EPOCH_MILLIS = FieldReader.MAX_EPOCH_MILLIS;
        private static final String TIMESTAMP_RANGE = "must be from 0000-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z"
                + " (a four-digit year, as written and in UTC)";
        private static final double SECONDS_MILLIS_BOUNDARY = 100_000_000_000d;

        private final JsonNode object;
        private final String prefix;
        private final List<FieldError> errors;

        TreeFieldReader(JsonNode object, String prefix, List<FieldError> errors) {
            this.object = object;
            this.prefix = prefix;
            this.errors = errors;
        }

        TreeFieldReader(JsonNode object) {
            this(object, "", new ArrayList<>());
        }

        List<FieldError> errors() {
            return errors;
        }

        void error(String field, String reason) {
            errors.add(new FieldError(prefix + field, reason));
        }

        JsonNode node(String field) {
            JsonNode node = object.get(field);
            return node == null || node.isNull() ? null : node;
        }

        Optional<String> optionalString(String field) {
            JsonNode node = node(field);
            if (node == null) {
                return Optional.empty();
            }
            if (!node.isTextual()) {
                error(field, "must be a string");
                return Optional.empty();
            }
            return Optional.of(node.textValue());
        }

        /** An optional string of at most {@code maxLength} UTF-16 code units. */
        Optional<String> optionalString(String field, int maxLength) {
            Optional<String> value = optionalString(field);
            if (value.isPresent() && value.get().length() > maxLength) {
                error(field, FieldReader.tooLong(maxLength, value.get().length()));
                return Optional.empty();
            }
            return value;
        }

        /** A required string; an absent, non-string or blank value is an error. */
        String requiredString(String field) {
            JsonNode node = node(field);
            if (node == null) {
                error(field, "is required");
                return null;
            }
            if (!node.isTextual()) {
                error(field, "must be a string");
                return null;
            }
            if (node.textValue().isBlank()) {
                error(field, "must not be empty");
                return null;
            }
            return node.textValue();
        }

        /** RFC 3339 text keeping its offset, or an integral count of epoch milliseconds (UTC). */
        Optional<OffsetDateTime> timestampRfc3339OrMillis(String field) {
            JsonNode node = node(field);
            if (node == null) {
                return Optional.empty();
            }
            if (node.isTextual()) {
                return parseRfc3339(field, node.textValue());
            }
            if (node.isIntegralNumber() && node.canConvertToLong()
                    && node.longValue() >= 0 && node.longValue() <= MAX_EPOCH_MILLIS) {
                return Optional.of(Instant.ofEpochMilli(node.longValue()).atOffset(ZoneOffset.UTC));
            }
            error(field, "must be an RFC 3339 date-time or a non-negative integer of epoch milliseconds");
            return Optional.empty();
        }

        /** RFC 3339 text, or a number of epoch seconds (fractions allowed) or epoch milliseconds (from 1e11 on). */
        Optional<Instant> timestampSecondsMillisOrRfc3339(String field) {
            JsonNode node = node(field);
            if (node == null) {
                return Optional.empty();
            }
            if (node.isTextual()) {
                Instant canonical = FieldReader.parseCanonicalUtc(node.textValue());
                if (canonical != null) {
                    return Optional.of(canonical);
                }
                return parseRfc3339(field, node.textValue()).map(OffsetDateTime::toInstant);
            }
            if (node.isNumber()) {
                double number = node.doubleValue();
                if (Double.isFinite(number) && number >= 0) {
                    long millis = number < SECONDS_MILLIS_BOUNDARY ? Math.round(number * 1000d) : Math.round(number);
                    if (millis <= MAX_EPOCH_MILLIS) {
                        return Optional.of(Instant.ofEpochMilli(millis));
                    }
                }
            }
            error(field, "must be an RFC 3339 date-time or a non-negative number of epoch seconds or milliseconds");
            return Optional.empty();
        }

        private Optional<OffsetDateTime> parseRfc3339(String field, String text) {
            try {
                String normalized = text.trim().toUpperCase(Locale.ROOT);
                if (normalized.length() > 10 && normalized.charAt(10) == ' ') {
                    normalized = normalized.substring(0, 10) + 'T' + normalized.substring(11);
                }
                OffsetDateTime time = Rfc3339.parse(normalized);
                if (!FieldReader.inRange(time)) {
                    error(field, TIMESTAMP_RANGE + ", got '" + FieldReader.abbreviate(text) + "'");
                    return Optional.empty();
                }
                return Optional.of(time);
            } catch (DateTimeParseException e) {
                error(field, "must be an RFC 3339 date-time such as 2026-11-25T17:54:51.123Z, got '" + FieldReader.abbreviate(text) + "'");
                return Optional.empty();
            }
        }

    }
}
