package io.killkrill.model;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An entry KillKrill gave up on, with everything needed to understand and replay it.
 *
 * @param original    the original stream entry's fields, untouched; for input that never became an entry
 *                    (an unparseable syslog message) the raw bytes as {@code raw_base64} and the {@code peer}
 * @param stream      the stream the entry was read from, when it was one
 * @param entryId     the entry's ID in that stream, when it was one
 * @param attempts    how many times processing was tried
 * @param service     the KillKrill service that gave up ({@code receivers}, {@code log-worker}, ...)
 * @param details     extra machine-readable facts, such as Elasticsearch's {@code error_type}
 */
public record DeadLetter(Map<String, String> original,
                         Optional<String> stream,
                         Optional<String> entryId,
                         Stage stage,
                         DeadLetterReason reason,
                         String message,
                         int attempts,
                         String service,
                         Instant failedAt,
                         Map<String, String> details) {
    public DeadLetter {
        original = Map.copyOf(original);
        Objects.requireNonNull(stream, "stream");
        Objects.requireNonNull(entryId, "entryId");
        Objects.requireNonNull(stage, "stage");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(failedAt, "failedAt");
        details = Map.copyOf(details);
        if (attempts < 1) {
            throw new IllegalArgumentException("attempts must be at least 1, got " + attempts);
        }
    }

    /** A dead letter for an entry read from {@code stream} under {@code entryId}. */
    public static DeadLetter ofEntry(String stream, String entryId, Map<String, String> original, Stage stage,
                                     DeadLetterReason reason, String message, int attempts, String service) {
        return new DeadLetter(original, Optional.of(stream), Optional.of(entryId), stage, reason, message, attempts,
                service, Instant.now(), Map.of());
    }

    public DeadLetter withDetails(Map<String, String> extra) {
        return new DeadLetter(original, stream, entryId, stage, reason, message, attempts, service, failedAt, extra);
    }
}
