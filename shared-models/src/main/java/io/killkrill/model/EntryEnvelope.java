package io.killkrill.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * What every KillKrill stream entry shares, whatever it carries: the schema version, the JSON object in
 * {@code data}, and in that object the receiver's {@code event_id}, {@code received_at} and {@code source}.
 */
final class EntryEnvelope {
    private EntryEnvelope() {
    }

    /** The entry's data as a JSON object, or why it cannot be read at all. */
    sealed interface Opened {
    }

    record Readable(JsonNode data) implements Opened {
    }

    record Unreadable(DeadLetterReason reason, String message) implements Opened {
        <T> EntryDecoding<T> asDecoding() {
            return new EntryDecoding.Undecodable<>(reason, message);
        }
    }

    static Opened open(Map<String, String> entry) {
        String version = entry.get(StreamEntry.SCHEMA_VERSION);
        if (!StreamEntry.CURRENT_SCHEMA_VERSION.equals(version)) {
            return new Unreadable(DeadLetterReason.UNSUPPORTED_SCHEMA_VERSION,
                    "schema_version must be " + StreamEntry.CURRENT_SCHEMA_VERSION + ", got "
                            + (version == null ? "none" : "'" + FieldReader.abbreviate(version) + "'"));
        }
        String data = entry.get(StreamEntry.DATA);
        if (data == null) {
            return new Unreadable(DeadLetterReason.INVALID_JSON, "entry has no 'data' field");
        }
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(data);
        } catch (JsonProcessingException e) {
            return new Unreadable(DeadLetterReason.INVALID_JSON, "'data' is not valid JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            return new Unreadable(DeadLetterReason.INVALID_JSON, "'data' must be a JSON object");
        }
        return new Readable(node);
    }

    /** The fields the receiver adds to every event; missing or malformed ones are recorded as errors. */
    record Header(String eventId, Optional<Instant> receivedAt, Source source) {
    }

    static Header readHeader(FieldReader reader) {
        String eventId = reader.requiredString("event_id");
        if (eventId != null && !EventIds.isValid(eventId)) {
            reader.error("event_id", "must be a UUIDv7 in canonical lower-case form");
        }
        Optional<Instant> receivedAt = reader.timestampSecondsMillisOrRfc3339("received_at");
        if (receivedAt.isEmpty() && reader.node("received_at") == null) {
            reader.error("received_at", "is required");
        }
        return new Header(eventId, receivedAt, readSource(reader));
    }

    private static Source readSource(FieldReader reader) {
        JsonNode node = reader.node("source");
        if (node == null || !node.isObject()) {
            reader.error("source", "is required and must be an object with 'type' (http or syslog)");
            return Source.http(null);
        }
        FieldReader sourceReader = new FieldReader(node, "source.", reader.errors());
        String type = sourceReader.requiredString("type");
        Optional<String> peer = sourceReader.optionalString("peer");
        Optional<SourceKind> kind = type == null ? Optional.empty() : SourceKind.parse(type);
        if (type != null && kind.isEmpty()) {
            sourceReader.error("type", "must be http or syslog");
        }
        return new Source(kind.orElse(SourceKind.HTTP), peer);
    }
}
