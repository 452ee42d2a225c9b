package io.killkrill.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Encodes dead letters as stream entries: {@code schema_version}, {@code reason}, {@code stage} (for
 * filtering without parsing JSON) and the whole record as JSON in {@code data}.
 */
public final class DeadLetterCodec {
    public static final String REASON = "reason";
    public static final String STAGE = "stage";

    private DeadLetterCodec() {
    }

    public static ObjectNode toJson(DeadLetter letter) {
        ObjectNode json = Json.MAPPER.createObjectNode();
        ObjectNode original = json.putObject("original");
        letter.original().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> original.put(e.getKey(), e.getValue()));
        letter.stream().ifPresent(s -> json.put("stream", s));
        letter.entryId().ifPresent(id -> json.put("entry_id", id));
        json.put("stage", letter.stage().wireName());
        json.put("reason", letter.reason().code());
        json.put("message", letter.message());
        json.put("attempts", letter.attempts());
        json.put("service", letter.service());
        json.put("failed_at", DateTimeFormatter.ISO_INSTANT.format(letter.failedAt()));
        if (!letter.details().isEmpty()) {
            ObjectNode details = json.putObject("details");
            letter.details().entrySet().stream().sorted(Map.Entry.comparingByKey())
                    .forEach(e -> details.put(e.getKey(), e.getValue()));
        }
        return json;
    }

    public static Map<String, String> toEntry(DeadLetter letter) {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put(StreamEntry.SCHEMA_VERSION, StreamEntry.CURRENT_SCHEMA_VERSION);
        fields.put(REASON, letter.reason().code());
        fields.put(STAGE, letter.stage().wireName());
        fields.put(StreamEntry.DATA, Json.write(toJson(letter)));
        String audit = letter.original().get(StreamEntry.AUDIT);
        if (audit != null) {
            fields.put(StreamEntry.AUDIT, audit); // the audit reads it here, without the letter's data
        }
        return fields;
    }

    /**
     * The entry of a letter the receivers write for input that never became a stream entry (accepted, so counted
     * in the audit at {@link AuditSlot#ofIntakeLetter}).
     */
    public static Map<String, String> toIntakeEntry(DeadLetter letter) {
        Map<String, String> fields = toEntry(letter);
        fields.put(StreamEntry.AUDIT, AuditSlot.ofIntakeLetter(letter).wire());
        return fields;
    }

    /** Reads a dead-letter entry back, for listing and replay tools. */
    public static DeadLetter fromEntry(Map<String, String> entry) {
        String data = entry.get(StreamEntry.DATA);
        if (data == null) {
            throw new IllegalArgumentException("not a KillKrill dead-letter entry: it has no " + StreamEntry.DATA
                    + " field");
        }
        try {
            JsonNode json = Json.MAPPER.readTree(data);
            return new DeadLetter(
                    strings(json.get("original")),
                    Optional.ofNullable(json.get("stream")).map(JsonNode::asText),
                    Optional.ofNullable(json.get("entry_id")).map(JsonNode::asText),
                    Stage.parse(json.get("stage").asText()),
                    DeadLetterReason.parse(json.get("reason").asText()).orElseThrow(
                            () -> new IllegalArgumentException("unknown reason " + json.get("reason"))),
                    json.get("message").asText(),
                    json.get("attempts").asInt(),
                    json.get("service").asText(),
                    Instant.parse(json.get("failed_at").asText()),
                    strings(json.get("details")));
        } catch (JsonProcessingException | NullPointerException e) {
            throw new IllegalArgumentException("not a KillKrill dead-letter entry: " + e.getMessage(), e);
        }
    }

    private static Map<String, String> strings(JsonNode node) {
        Map<String, String> map = new LinkedHashMap<>();
        if (node != null) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                map.put(e.getKey(), e.getValue().asText());
            }
        }
        return map;
    }
}
