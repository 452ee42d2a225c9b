package io.killkrill.metricsworker.stream;

import java.util.Map;
import java.util.Objects;

/** One stream entry as read: its ID in the stream and its untouched fields. */
public record SourceEntry(String id, Map<String, String> fields) {
    public SourceEntry {
        Objects.requireNonNull(id, "id");
        fields = Map.copyOf(fields);
    }
}
