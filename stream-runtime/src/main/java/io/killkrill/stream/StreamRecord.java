package io.killkrill.stream;

import java.util.Map;
import java.util.Objects;

/**
 * One entry read from a stream through a consumer group.
 *
 * @param id         the stream entry ID, what XACK and the dead letter refer to
 * @param fields     the entry's fields, untouched
 * @param deliveries how many times the entry has been handed to a sink, this time included (1 for a new entry)
 */
public record StreamRecord(String id, Map<String, String> fields, long deliveries) {
    public StreamRecord {
        Objects.requireNonNull(id, "id");
        fields = Map.copyOf(fields);
        if (deliveries < 1) {
            throw new IllegalArgumentException("deliveries must be at least 1, got " + deliveries);
        }
    }
}
