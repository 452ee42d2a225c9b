package io.killkrill.model;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What every KillKrill stream entry shares, whatever it carries: the schema version, the JSON object in
 * {@code data}, and in that object the receiver's {@code event_id}, {@code received_at} and {@code source}.
 *
 * <p>{@code data} is read with a streaming parser straight into the members the codec knows
 * ({@link FieldSlots}), not into a tree: this runs for every entry a worker takes. What it accepts and how it
 * fails are a tree's ({@code ObjectMapper.readTree}): a {@code null} member is absent, of duplicate keys the last
 * wins, members of other names are skipped (still checked to be JSON), and text after the object is not read.
 */
final class EntryEnvelope {
    /** The members of {@code data} every entry has; a codec's {@link FieldSlots.Names} start with them. */
    static final FieldSlots.Names HEADER = new FieldSlots.Names(List.of("event_id", "received_at", "source"));

    private EntryEnvelope() {
    }

    /** The entry's data as the members of a JSON object, or why it cannot be read at all. */
    sealed interface Opened {
    }

    record Readable(JsonFields data) implements Opened {
    }

    record Unreadable(DeadLetterReason reason, String message) implements Opened {
        <T> EntryDecoding<T> asDecoding() {
            return new EntryDecoding.Undecodable<>(reason, message);
        }
    }

    /** Reads {@code data}, keeping the members of the given names (the {@link #HEADER}'s and the codec's own). */
    static Opened open(Map<String, String> entry, FieldSlots.Names names) {
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
        try (JsonParser json = Json.MAPPER.createParser(data)) {
            if (json.nextToken() != JsonToken.START_OBJECT) {
                readValue(json, false); // not an object, but as a tree would, tell malformed JSON apart
                return new Unreadable(DeadLetterReason.INVALID_JSON, "'data' must be a JSON object");
            }
            FieldSlots members = new FieldSlots(names);
            for (String name = json.nextFieldName(); name != null; name = json.nextFieldName()) {
                int slot = members.slot(name);
                json.nextToken();
                Object value = readValue(json, slot >= 0);
                if (slot >= 0) {
                    members.set(slot, value);
                }
            }
            return new Readable(members);
        } catch (JsonProcessingException e) {
            return new Unreadable(DeadLetterReason.INVALID_JSON, "'data' is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException("reading JSON from a string cannot fail", e);
        }
    }

    /*
     * The value at the parser's current token, in the form of JsonFields. A value nobody reads (a member of
     * another name, anything below a member object) is still read through, with the parser calls Jackson's tree
     * deserializer makes (nextFieldName in objects, nextToken in arrays, every string's text, every number's
     * type): the parser words the same syntax error differently from skipChildren, and a dead letter's message
     * must not change with the reader.
     */
    private static Object readValue(JsonParser json, boolean member) throws IOException {
        JsonToken token = json.currentToken();
        if (token == null) {
            return null;
        }
        return switch (token) {
            case VALUE_STRING -> json.getText();
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            case VALUE_NULL -> null;
            case VALUE_NUMBER_INT -> json.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                    ? json.getBigIntegerValue() : (Object) json.getLongValue();
            case VALUE_NUMBER_FLOAT -> json.getDoubleValue();
            case START_OBJECT -> readMembers(json, member);
            case START_ARRAY -> readElements(json);
            default -> JsonFields.NESTED;
        };
    }

    /** A member object's members, or for an object below that {@link JsonFields#NESTED}, read through. */
    private static Object readMembers(JsonParser json, boolean keep) throws IOException {
        Map<String, Object> members = keep ? new LinkedHashMap<>() : null;
        for (String name = json.nextFieldName(); name != null; name = json.nextFieldName()) {
            json.nextToken();
            Object value = readValue(json, false);
            if (keep) {
                members.put(name, value);
            }
        }
        return keep ? members : JsonFields.NESTED;
    }

    private static Object readElements(JsonParser json) throws IOException {
        for (JsonToken token = json.nextToken(); token != JsonToken.END_ARRAY && token != null;
             token = json.nextToken()) {
            readValue(json, false);
        }
        return JsonFields.NESTED;
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
        if (receivedAt.isEmpty() && reader.value("received_at") == null) {
            reader.error("received_at", "is required");
        }
        return new Header(eventId, receivedAt, readSource(reader));
    }

    private static Source readSource(FieldReader reader) {
        Map<String, Object> members = FieldReader.members(reader.value("source"));
        if (members == null) {
            reader.error("source", "is required and must be an object with 'type' (http or syslog)");
            return Source.http(null);
        }
        FieldReader sourceReader = reader.member(members, "source.");
        String type = sourceReader.requiredString("type");
        Optional<String> peer = sourceReader.optionalString("peer");
        Optional<SourceKind> kind = type == null ? Optional.empty() : SourceKind.parse(type);
        if (type != null && kind.isEmpty()) {
            sourceReader.error("type", "must be http or syslog");
        }
        return new Source(kind.orElse(SourceKind.HTTP), peer);
    }
}
