package io.killkrill.model;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A validated log event as it travels on the logs stream. Built only through
 * {@link LogEventCodec}, which enforces the contract rules (see docs/contract.md).
 *
 * @param eventId    time-ordered unique ID (UUIDv7) assigned by the receiver; the Elasticsearch {@code _id}
 * @param timestamp  event time, keeping the zone offset it was given in
 * @param receivedAt when the receiver accepted it
 * @param attributes values are {@link String}, {@link Boolean}, {@link Long} or {@link Double}
 * @param syslog     present for events received over syslog
 */
public record LogEvent(String eventId,
                       OffsetDateTime timestamp,
                       Instant receivedAt,
                       Level level,
                       String service,
                       String message,
                       Optional<String> host,
                       Optional<String> traceId,
                       Optional<String> spanId,
                       Map<String, Object> attributes,
                       Source source,
                       Optional<SyslogMetadata> syslog) {
    public LogEvent {
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(timestamp, "timestamp");
        Objects.requireNonNull(receivedAt, "receivedAt");
        Objects.requireNonNull(level, "level");
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(traceId, "traceId");
        Objects.requireNonNull(spanId, "spanId");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(syslog, "syslog");
        // in the client's order: Map.copyOf's order changes from one JVM to the next, and with it the stream JSON
        attributes.forEach((key, value) -> Objects.requireNonNull(value, () -> "attribute " + key));
        attributes = attributes.isEmpty() ? Map.of()
                : Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
    }
}
