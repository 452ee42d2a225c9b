package io.killkrill.model;

import java.time.Instant;
import java.util.Collections;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A validated metric sample as it travels on the metrics stream. Built only through {@link MetricSampleCodec}.
 *
 * @param eventId    time-ordered unique ID (UUIDv7) assigned by the receiver; makes aggregation idempotent
 * @param labels     sorted by label name, so equal label sets compare and print equal
 */
public record MetricSample(String eventId,
                           String name,
                           double value,
                           SortedMap<String, String> labels,
                           Instant timestamp,
                           MetricType type,
                           Instant receivedAt,
                           Source source) {
    public MetricSample {
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(timestamp, "timestamp");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(receivedAt, "receivedAt");
        Objects.requireNonNull(source, "source");
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("value must be finite, got " + value);
        }
        labels = Collections.unmodifiableSortedMap(new TreeMap<>(labels));
    }
}
