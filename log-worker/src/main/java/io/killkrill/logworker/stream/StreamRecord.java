package io.killkrill.logworker.stream;

import java.util.Map;
import java.util.Objects;

/**
 * One entry read from a stream through a consumer group.
 *
 * @param id     the stream entry ID, what XACK and the dead letter refer to
 * @param fields the entry's fields, untouched
 */
public record StreamRecord(String id, Map<String, String> fields) {
    public StreamRecord {
        Objects.requireNonNull(id, "id");
        fields = Map.copyOf(fields);
    }
}
