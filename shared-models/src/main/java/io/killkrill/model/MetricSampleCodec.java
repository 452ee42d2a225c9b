package io.killkrill.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.Iterator;
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
 */
public final class MetricSampleCodec {
    public static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    public static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    public static final int MAX_LABELS = 32;

    private MetricSampleCodec() {
    }

    /** Validates one sample as a client sent it; every field error is reported. */
    public static Validated<MetricSample> fromInput(JsonNode node, IngestContext context) {
        if (node == null || !node.isObject()) {
            return Validated.invalid(List.of(new FieldError("", "must be a JSON object")));
        }
        FieldReader reader = new FieldReader(node);
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
        json.put("timestamp", DateTimeFormatter.ISO_INSTANT.format(sample.timestamp()));
        json.put("type", sample.type().wireName());
        json.put("received_at", DateTimeFormatter.ISO_INSTANT.format(sample.receivedAt()));
        ObjectNode source = json.putObject("source");
        source.put("type", sample.source().kind().wireName());
        sample.source().peer().ifPresent(peer -> source.put("peer", peer));
        return json;
    }

    public static Map<String, String> toEntry(MetricSample sample) {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put(StreamEntry.SCHEMA_VERSION, StreamEntry.CURRENT_SCHEMA_VERSION);
        fields.put(StreamEntry.EVENT_ID, sample.eventId());
        fields.put(StreamEntry.DATA, Json.write(toJson(sample)));
        return fields;
    }

    /** Decodes and re-validates an entry read from the metrics stream. */
    public static EntryDecoding<MetricSample> fromEntry(Map<String, String> entry) {
        EntryEnvelope.Opened opened = EntryEnvelope.open(entry);
        if (opened instanceof EntryEnvelope.Unreadable unreadable) {
            return unreadable.asDecoding();
        }
        FieldReader reader = new FieldReader(((EntryEnvelope.Readable) opened).data());
        EntryEnvelope.Header header = EntryEnvelope.readHeader(reader);
        Fields fields = readSampleFields(reader);
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

    private record Fields(String name, double value, SortedMap<String, String> labels,
                          Optional<Instant> timestamp, Optional<MetricType> type) {
    }

    private static Fields readSampleFields(FieldReader reader) {
        String name = reader.requiredString("name");
        if (name != null && !METRIC_NAME.matcher(name).matches()) {
            reader.error("name", "must match the Prometheus metric name pattern [a-zA-Z_:][a-zA-Z0-9_:]*");
        }
        double value = 0;
        JsonNode valueNode = reader.node("value");
        if (valueNode == null) {
            reader.error("value", "is required");
        } else if (!valueNode.isNumber() || !Double.isFinite(valueNode.doubleValue())) {
            reader.error("value", "must be a finite number");
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
                reader.error("type", "must be counter or gauge, got '" + FieldReader.abbreviate(typeText.get()) + "'");
            }
        }
        return new Fields(name, value, labels, timestamp, type);
    }

    private static SortedMap<String, String> readLabels(FieldReader reader) {
        SortedMap<String, String> labels = new TreeMap<>();
        JsonNode node = reader.node("labels");
        if (node == null) {
            return labels;
        }
        if (!node.isObject()) {
            reader.error("labels", "must be an object of label name to string value");
            return labels;
        }
        if (node.size() > MAX_LABELS) {
            reader.error("labels", "must have at most " + MAX_LABELS + " labels, got " + node.size());
            return labels;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> label = it.next();
            String key = label.getKey();
            if (!LABEL_NAME.matcher(key).matches() || key.startsWith("__")) {
                reader.error("labels." + key,
                        "label names must match [a-zA-Z_][a-zA-Z0-9_]* and not start with '__'");
            } else if (!label.getValue().isTextual()) {
                reader.error("labels." + key, "must be a string");
            } else {
                labels.put(key, label.getValue().textValue());
            }
        }
        return labels;
    }
}
