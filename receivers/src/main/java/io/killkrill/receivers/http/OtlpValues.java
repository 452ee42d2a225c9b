package io.killkrill.receivers.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.killkrill.model.Json;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;

import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * OTLP's values in the contract's terms, shared by the log and the metric mapping: an {@code AnyValue} as JSON,
 * as text, or flattened into dotted keys; a {@code fixed64} of Unix nanoseconds as an RFC 3339 timestamp; trace
 * and span IDs as lower-case hex.
 */
final class OtlpValues {
    private static final JsonNodeFactory NODES = Json.MAPPER.getNodeFactory();

    private OtlpValues() {
    }

    /**
     * An AnyValue as JSON: a string, boolean, integer or double as itself, bytes as a base64 string, an array as
     * an array, a kvlist as an object (a repeated key: the last wins), an unset value (or a profiles-only
     * {@code string_value_strindex}) as {@code null}.
     */
    static JsonNode json(AnyValue value) {
        return switch (value.getValueCase()) {
            case STRING_VALUE -> NODES.textNode(value.getStringValue());
            case BOOL_VALUE -> NODES.booleanNode(value.getBoolValue());
            case INT_VALUE -> NODES.numberNode(value.getIntValue());
            case DOUBLE_VALUE -> NODES.numberNode(value.getDoubleValue());
            case BYTES_VALUE -> NODES.textNode(Base64.getEncoder().encodeToString(value.getBytesValue().toByteArray()));
            case ARRAY_VALUE -> {
                ArrayNode array = NODES.arrayNode();
                value.getArrayValue().getValuesList().forEach(v -> array.add(json(v)));
                yield array;
            }
            case KVLIST_VALUE -> {
                ObjectNode object = NODES.objectNode();
                value.getKvlistValue().getValuesList().forEach(kv -> object.set(kv.getKey(), json(kv.getValue())));
                yield object;
            }
            // an index into a profile's string table: meaningless outside the profiles signal, so as unset
            case STRING_VALUE_STRINDEX, VALUE_NOT_SET -> NODES.nullNode();
        };
    }

    /** An AnyValue as text: a string as itself, anything else as its {@link #json} text; empty when unset. */
    static Optional<String> text(AnyValue value) {
        if (value.getValueCase() == AnyValue.ValueCase.VALUE_NOT_SET
                || value.getValueCase() == AnyValue.ValueCase.STRING_VALUE_STRINDEX) {
            return Optional.empty();
        }
        return Optional.of(value.hasStringValue() ? value.getStringValue() : Json.write(json(value)));
    }

    /**
     * Attributes into {@code out} as the contract's attribute values (string, number, boolean), each key after
     * {@code prefix}: a kvlist is flattened into {@code key.subkey} (dots kept), an array written as its JSON
     * text, bytes as base64, an unset value left out. A key already in {@code out} is overwritten.
     */
    static void flatten(String prefix, List<KeyValue> attributes, ObjectNode out) {
        for (KeyValue kv : attributes) {
            String key = prefix + kv.getKey();
            AnyValue value = kv.getValue();
            switch (value.getValueCase()) {
                case KVLIST_VALUE -> flatten(key + ".", value.getKvlistValue().getValuesList(), out);
                case ARRAY_VALUE -> out.put(key, Json.write(json(value)));
                case VALUE_NOT_SET, STRING_VALUE_STRINDEX -> { }
                default -> out.set(key, json(value));
            }
        }
    }

    /** Unix nanoseconds ({@code fixed64}, unsigned) as RFC 3339 with nanoseconds; empty for 0 (unknown). */
    static Optional<String> timestamp(long unixNanos) {
        if (unixNanos == 0) {
            return Optional.empty();
        }
        Instant instant = Instant.ofEpochSecond(Long.divideUnsigned(unixNanos, 1_000_000_000L),
                Long.remainderUnsigned(unixNanos, 1_000_000_000L));
        return Optional.of(instant.toString());
    }

    /** Trace or span ID bytes as lower-case hex; empty when absent (zero length). */
    static Optional<String> hexId(com.google.protobuf.ByteString id) {
        return id.isEmpty() ? Optional.empty() : Optional.of(HexFormat.of().formatHex(id.toByteArray()));
    }
}
