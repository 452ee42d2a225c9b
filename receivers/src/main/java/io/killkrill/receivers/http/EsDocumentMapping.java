package io.killkrill.receivers.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.killkrill.model.EventIds;
import io.killkrill.model.Json;
import io.killkrill.model.LogEventCodec;
import io.killkrill.model.Rfc3339;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * An Elasticsearch document as a shipper sends it (ECS field names, nested or dotted) turned into the contract's
 * log input, which {@code LogEventCodec.fromInput} then validates like any other item. The mapping
 * (docs/receivers.md, <em>Elasticsearch bulk API</em>):
 * <ul>
 *   <li>{@code message} -> {@code message};</li>
 *   <li>{@code @timestamp}, else {@code timestamp} -> {@code timestamp};</li>
 *   <li>{@code service.name}, else a string {@code service}, else the bulk {@code _index} when it is a valid
 *   service name -> {@code service};</li>
 *   <li>{@code log.level}, else {@code level} -> {@code level};</li>
 *   <li>{@code host.name}, else a string {@code host} -> {@code host};</li>
 *   <li>{@code trace.id} / {@code span.id}, else {@code trace_id} / {@code span_id};</li>
 *   <li>the action's {@code _id} when it is a UUIDv7; another {@code _id} with the document's own RFC 3339 time
 *   of the last week, the UUIDv7 {@link #derivedEventId} makes of both; else {@code event_id} -> {@code event_id};</li>
 *   <li>every other leaf -> an attribute named by its dotted path ({@code http.response.status_code}); the
 *   entries of a top-level {@code attributes} object keep their own names; an array becomes its JSON text;
 *   {@code null} is left out.</li>
 * </ul>
 * "Else" is only taken when the first field is absent; a first field of the wrong type is passed on for the
 * contract to refuse, naming it.
 */
final class EsDocumentMapping {
    private EsDocumentMapping() {
    }

    /**
     * @param index the action's {@code _index}, else the path's; the service when the document names none
     * @param id    the action's {@code _id}
     */
    static ObjectNode toLogInput(ObjectNode document, Optional<String> index, Optional<String> id) {
        ObjectNode input = Json.MAPPER.createObjectNode();
        ObjectNode attributes = Json.MAPPER.createObjectNode();
        ObjectNode leaves = Json.MAPPER.createObjectNode();
        flatten("", document, leaves, attributes);
        Set<String> used = new HashSet<>();
        take(leaves, used, input, "message", "message");
        take(leaves, used, input, "timestamp", "@timestamp", "timestamp");
        take(leaves, used, input, "level", "log.level", "level");
        take(leaves, used, input, "host", "host.name", "host");
        take(leaves, used, input, "trace_id", "trace.id", "trace_id");
        take(leaves, used, input, "span_id", "span.id", "span_id");
        if (!take(leaves, used, input, "service", "service.name", "service")
                && index.filter(EsDocumentMapping::isServiceName).isPresent()) {
            input.put("service", index.get());
        }
        Optional<String> eventId = id.map(i -> i.toLowerCase(Locale.ROOT)).filter(EventIds::isValid)
                .or(() -> id.flatMap(i -> derivedEventId(index.orElse("") + "/" + i, input.get("timestamp"),
                        Instant.now())));
        if (eventId.isPresent()) {
            input.put("event_id", eventId.get());
        } else {
            take(leaves, used, input, "event_id", "event_id");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = leaves.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> leaf = it.next();
            if (!used.contains(leaf.getKey())) {
                attributes.set(leaf.getKey(), leaf.getValue());
            }
        }
        if (!attributes.isEmpty()) {
            input.set("attributes", attributes);
        }
        return input;
    }

    /** How far inside the contract's bounds on a client's event ID a derived one must be (clocks move on). */
    private static final Duration DERIVED_ID_MARGIN = Duration.ofMinutes(1);

    /**
     * The event ID of a document whose {@code _id} is not a UUIDv7 ({@link EventIds#derived}: the document's time
     * and a hash of {@code key}, its index and {@code _id}), so that a shipper resending it gets one document. Only
     * when the document carries its own RFC 3339 time, for the same resend to give the same ID, and that time lies
     * well within the age the contract allows a client's event ID; otherwise none, and the receiver assigns one.
     */
    static Optional<String> derivedEventId(String key, JsonNode timestamp, Instant now) {
        if (timestamp == null || !timestamp.isTextual()) {
            return Optional.empty();
        }
        Instant time;
        try {
            time = Rfc3339.parse(timestamp.textValue().trim()).toInstant();
        } catch (DateTimeException e) {
            return Optional.empty(); // the codec names the bad timestamp
        }
        Instant oldest = now.minus(LogEventCodec.MAX_CLIENT_EVENT_ID_AGE).plus(DERIVED_ID_MARGIN);
        Instant newest = now.plus(LogEventCodec.MAX_CLIENT_EVENT_ID_LEAD).minus(DERIVED_ID_MARGIN);
        if (time.isBefore(oldest) || time.isAfter(newest)) {
            return Optional.empty();
        }
        return Optional.of(EventIds.derived(key, time.toEpochMilli()));
    }

    /** Leaves of {@code node} by dotted path into {@code leaves}; a top-level {@code attributes} object as is. */
    private static void flatten(String prefix, JsonNode node, ObjectNode leaves, ObjectNode attributes) {
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String path = prefix + field.getKey();
            JsonNode value = field.getValue();
            if (prefix.isEmpty() && field.getKey().equals("attributes") && value.isObject()) {
                attributes.setAll((ObjectNode) value);
            } else if (value.isObject()) {
                flatten(path + ".", value, leaves, attributes);
            } else if (value.isArray()) {
                leaves.put(path, Json.write(value));
            } else if (!value.isNull()) {
                leaves.set(path, value);
            }
        }
    }

    /** The first of {@code fields} present among the leaves becomes {@code as}; false when none is. */
    private static boolean take(ObjectNode leaves, Set<String> used, ObjectNode input, String as, String... fields) {
        for (String field : fields) {
            JsonNode value = leaves.get(field);
            if (value != null) {
                input.set(as, value);
                used.add(field);
                return true;
            }
        }
        return false;
    }

    private static boolean isServiceName(String name) {
        return LogEventCodec.SERVICE.matcher(name).matches();
    }
}
