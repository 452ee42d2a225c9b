package io.killkrill.model;

import com.fasterxml.jackson.databind.JsonNode;

import java.math.BigInteger;
import java.time.OffsetDateTime;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The members of one JSON object by name, as plain values: what {@link FieldReader} validates, whether the
 * object came as a tree (an HTTP body item), as text read token by token ({@link EntryEnvelope}, a stream
 * entry's data) or as a receiver's own typed fields ({@link LogEventFields}, a syslog message). One form, so
 * every rule of the contract has one implementation whatever the input.
 *
 * <p>A value is null when the member is absent or JSON {@code null}. Otherwise it is a {@link String}, a
 * {@link Boolean}, a {@link Long} (an integer in long range), a {@link BigInteger} (an integer beyond it), a
 * {@link Double} (any other number), a {@code Map<String, Object>} for an object (its members in the same form,
 * in the order they first appear, the last of duplicate keys winning, a JSON {@code null} member as a null
 * value), or {@link #NESTED} for an array, or for an object or array inside a member object: nothing the
 * contract reads as such. Typed input adds an {@link OffsetDateTime} (a time the receiver parsed itself) and a
 * {@link Level}.
 */
interface JsonFields {
    /** An array, or a structure below the first level: a value of the wrong type for every field. */
    Object NESTED = new Object() {
        @Override
        public String toString() {
            return "NESTED";
        }
    };

    /** The member's value, or null when it is absent or {@code null}. */
    Object get(String name);

    static JsonFields of(Map<String, Object> members) {
        return members::get;
    }

    /** An object of a tree, read lazily: each member is converted when a rule asks for it. */
    static JsonFields ofTree(JsonNode object) {
        return name -> member(object.get(name));
    }

    /** A member of an object of the first level: objects become maps of their members. */
    private static Object member(JsonNode node) {
        if (node != null && node.isObject()) {
            Map<String, Object> members = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> member = it.next();
                members.put(member.getKey(), scalar(member.getValue()));
            }
            return members;
        }
        return scalar(node);
    }

    private static Object scalar(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isTextual()) {
            return node.textValue();
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        if (node.isIntegralNumber()) {
            return node.canConvertToLong() ? (Object) node.longValue() : node.bigIntegerValue();
        }
        if (node.isNumber()) {
            return node.doubleValue();
        }
        return NESTED;
    }
}
