package io.killkrill.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Validates metric samples and encodes them into, and decodes them from, stream entries.
 * Names and label names follow the Prometheus data model.
 *
 * <p>The {@code MAX_}/{@code MIN_} constants are the limits of the stored form: an accepted sample always fits
 * the metrics-worker's PostgreSQL row and its quantile sketch. docs/contract.md lists each with the store figure
 * it comes from.
 */
public final class MetricSampleCodec {
    public static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    public static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    /** {@code window_aggregate.metric_name varchar(255)}; names are ASCII, so also 255 bytes. */
    public static final int MAX_NAME_LENGTH = 255;
    public static final int MAX_LABELS = 32;
    public static final int MAX_LABEL_NAME_LENGTH = 128;
    public static final int MAX_LABEL_VALUE_LENGTH = 1024;
    /**
     * UTF-8 bytes of the {@link #canonicalLabels canonical label text}. The binding figure is not the column
     * ({@code labels varchar(65535)}) but the unique index on (metric_name, labels, window_seconds,
     * window_start): a btree entry is at most 2704 bytes, and with a 255-byte name an incompressible label text
     * of more than 2420 bytes makes the insert fail ({@code index row size ... exceeds btree version 4 maximum
     * 2704}). 2048 leaves room for the entry's headers and alignment.
     */
    public static final int MAX_LABEL_SET_BYTES = 2048;
    /**
     * The largest magnitude the metrics-worker's DDSketch (1% relative accuracy, cubically interpolated
     * mapping) can index: {@code IndexMapping.maxIndexableValue()}; beyond it {@code accept} throws. Smaller
     * magnitudes down to 0 are all accepted (below {@code minIndexableValue}, 2.27e-308, into the zero bucket).
     */
    public static final double MAX_ABS_VALUE = 1.7798941929329858E308;
    /** As for log events: RFC 3339's four-digit years. PostgreSQL's timestamptz holds 4713 BC to 294276 AD. */
    public static final Instant MIN_TIMESTAMP = FieldReader.MIN_TIMESTAMP;
    public static final Instant MAX_TIMESTAMP = FieldReader.MAX_TIMESTAMP;

    /** The members the codec reads: the envelope's, then the sample's. */
    static final FieldSlots.Names FIELDS = EntryEnvelope.HEADER.with(List.of("name", "value", "labels", "timestamp",
            "type"));

    private MetricSampleCodec() {
    }

    /** Validates one sample as a client sent it; every field error is reported. */
    public static Validated<MetricSample> fromInput(JsonNode node, IngestContext context) {
        if (node == null || !node.isObject()) {
            return Validated.invalid(List.of(new FieldError("", "must be a JSON object")));
        }
        FieldReader reader = new FieldReader(JsonFields.ofTree(node));
        Fields fields = readSampleFields(reader);
        if (!reader.errors().isEmpty()) {
            return Validated.invalid(reader.errors());
        }
        return Validated.valid(new MetricSample(context.eventId(), fields.name, fields.value, fields.labels,
                fields.timestamp.orElse(context.receivedAt()), fields.type.orElse(MetricType.GAUGE),
                context.receivedAt(), context.source()));
    }

    public static ObjectNode toJson(MetricSample sample) {
        ObjectNode json = Json.MAPPER.createObjectNode();
        json.put("event_id", sample.eventId());
        json.put("name", sample.name());
        json.put("value", sample.value());
        ObjectNode labels = json.putObject("labels");
        sample.labels().forEach(labels::put);
        json.put("timestamp", Rfc3339.format(sample.timestamp()));
        json.put("type", sample.type().wireName());
        json.put("received_at", Rfc3339.format(sample.receivedAt()));
        ObjectNode source = json.putObject("source");
        source.put("type", sample.source().kind().wireName());
        sample.source().peer().ifPresent(peer -> source.put("peer", peer));
        return json;
    }

    /**
     * The stored form of a label set: a JSON object with keys in sorted order, so equal label sets always give
     * the same text (the metrics-worker keys its aggregates by it).
     */
    public static String canonicalLabels(Map<String, String> labels) {
        ObjectNode json = Json.MAPPER.createObjectNode();
        new TreeMap<>(labels).forEach(json::put);
        return Json.write(json);
    }

    /** UTF-8 length of a text; an unpaired surrogate counts as 3 bytes (the most an encoder may write for it). */
    static int utf8Length(String text) {
        int bytes = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                bytes += 1;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < text.length()
                    && Character.isLowSurrogate(text.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }

    public static Map<String, String> toEntry(MetricSample sample) {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put(StreamEntry.SCHEMA_VERSION, StreamEntry.CURRENT_SCHEMA_VERSION);
        fields.put(StreamEntry.EVENT_ID, sample.eventId());
        fields.put(StreamEntry.DATA, Json.write(toJson(sample)));
        fields.put(StreamEntry.AUDIT, AuditSlot.of(sample).wire());
        return fields;
    }

    /** Decodes and re-validates an entry read from the metrics stream. */
    public static EntryDecoding<MetricSample> fromEntry(Map<String, String> entry) {
        EntryEnvelope.Opened opened = EntryEnvelope.open(entry, FIELDS);
        if (opened instanceof EntryEnvelope.Unreadable unreadable) {
            return unreadable.asDecoding();
        }
        FieldReader reader = new FieldReader(((EntryEnvelope.Readable) opened).data());
        EntryEnvelope.Header header = EntryEnvelope.readHeader(reader);
        Fields fields = readSampleFields(reader);
        if (fields.timestamp.isEmpty() && reader.value("timestamp") == null) {
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

    private record Fields(String name, double value, SortedMap<String, String> labels,
                          Optional<Instant> timestamp, Optional<MetricType> type) {
    }

    private static Fields readSampleFields(FieldReader reader) {
        String name = reader.requiredString("name");
        if (name != null && !METRIC_NAME.matcher(name).matches()) {
            reader.error("name", "must match the Prometheus metric name pattern [a-zA-Z_:][a-zA-Z0-9_:]*");
        } else if (name != null && name.length() > MAX_NAME_LENGTH) {
            reader.error("name", FieldReader.tooLong(MAX_NAME_LENGTH, name.length()));
        }
        double value = 0;
        Object valueMember = reader.value("value");
        if (valueMember == null) {
            reader.error("value", "is required");
        } else if (!(valueMember instanceof Number number) || !Double.isFinite(number.doubleValue())) {
            reader.error("value", "must be a finite number");
        } else if (Math.abs(number.doubleValue()) > MAX_ABS_VALUE) {
            reader.error("value", "must be from -" + MAX_ABS_VALUE + " to " + MAX_ABS_VALUE
                    + " (the range the quantile sketch tracks), got " + number.doubleValue());
        } else {
            value = number.doubleValue();
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
        return new Fields(name, value, labels, timestamp, type);
    }

    private static SortedMap<String, String> readLabels(FieldReader reader) {
        SortedMap<String, String> labels = new TreeMap<>();
        Object value = reader.value("labels");
        if (value == null) {
            return labels;
        }
        Map<String, Object> members = FieldReader.members(value);
        if (members == null) {
            reader.error("labels", "must be an object of label name to string value");
            return labels;
        }
        if (members.size() > MAX_LABELS) {
            reader.error("labels", "must have at most " + MAX_LABELS + " labels, got " + members.size());
            return labels;
        }
        for (Map.Entry<String, Object> label : members.entrySet()) {
            String key = label.getKey();
            if (!LABEL_NAME.matcher(key).matches() || key.startsWith("__")) {
                reader.error("labels." + FieldReader.abbreviate(key),
                        "label names must match [a-zA-Z_][a-zA-Z0-9_]* and not start with '__'");
            } else if (key.length() > MAX_LABEL_NAME_LENGTH) {
                reader.error("labels." + FieldReader.abbreviate(key), "label names must be at most "
                        + MAX_LABEL_NAME_LENGTH + " characters, got " + key.length());
            } else if (!(label.getValue() instanceof String text)) {
                reader.error("labels." + key, "must be a string");
            } else if (text.length() > MAX_LABEL_VALUE_LENGTH) {
                reader.error("labels." + key, FieldReader.tooLong(MAX_LABEL_VALUE_LENGTH, text.length()));
            } else {
                labels.put(key, text);
            }
        }
        if (!labels.isEmpty() && labels.size() == members.size()) {
            int bytes = utf8Length(canonicalLabels(labels));
            if (bytes > MAX_LABEL_SET_BYTES) {
                reader.error("labels", "must take at most " + MAX_LABEL_SET_BYTES
                        + " bytes as canonical JSON text (UTF-8, keys sorted), got " + bytes);
            }
        }
        return labels;
    }
}
