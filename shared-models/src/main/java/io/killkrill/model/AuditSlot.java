package io.killkrill.model;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Where one accepted item counts in the audit ({@code killkrill audit}): a minute and, for log events, the
 * service. The receivers add 1 to {@code <stream>:audit:<minute>} field {@code <service>} in the same atomic
 * Redis step that stores the item; the audit derives the same slot from what it finds indexed, stored,
 * dead-lettered or pending, and compares.
 *
 * <ul>
 *   <li>a log event: the minute it was received ({@code received_at}) and its {@code service};</li>
 *   <li>a metric sample: the minute of its timestamp (the window rows are keyed by it), service {@value #NONE};</li>
 *   <li>a dead letter the receivers write themselves (a syslog message they could not parse or that was too
 *       large: accepted, never a stream entry): the minute it failed, service {@value #NONE}.</li>
 * </ul>
 *
 * @param epochMinute minutes since the epoch
 */
public record AuditSlot(long epochMinute, String service) {
    /** The service field of items that have none. */
    public static final String NONE = "-";

    /** How long the receivers keep a minute's counts (a key's TTL, renewed while the minute gets items). */
    public static final Duration RETENTION = Duration.ofDays(8);

    public AuditSlot {
        Objects.requireNonNull(service, "service");
    }

    /** The hash of {@code stream}'s counts for one minute. */
    public static String key(String stream, long epochMinute) {
        return stream + ":audit:" + epochMinute;
    }

    public String key(String stream) {
        return key(stream, epochMinute);
    }

    public static long minuteOf(Instant instant) {
        return Math.floorDiv(instant.getEpochSecond(), 60);
    }

    public static Instant startOf(long epochMinute) {
        return Instant.ofEpochSecond(epochMinute * 60);
    }

    public static AuditSlot of(LogEvent event) {
        return new AuditSlot(minuteOf(event.receivedAt()), event.service());
    }

    public static AuditSlot of(MetricSample sample) {
        return new AuditSlot(minuteOf(sample.timestamp()), NONE);
    }

    /** The slot of a dead letter the receivers write for input that never became an entry. */
    public static AuditSlot ofIntakeLetter(DeadLetter letter) {
        return new AuditSlot(minuteOf(letter.failedAt()), NONE);
    }

    /** The slot of a logs-stream entry; none for an entry no receiver wrote (it does not decode). */
    public static Optional<AuditSlot> ofLogEntry(java.util.Map<String, String> fields) {
        return LogEventCodec.fromEntry(fields) instanceof EntryDecoding.Decoded<LogEvent> d
                ? Optional.of(of(d.value())) : Optional.empty();
    }

    /** The slot of a metrics-stream entry; none for an entry no receiver wrote (it does not decode). */
    public static Optional<AuditSlot> ofMetricEntry(java.util.Map<String, String> fields) {
        return MetricSampleCodec.fromEntry(fields) instanceof EntryDecoding.Decoded<MetricSample> d
                ? Optional.of(of(d.value())) : Optional.empty();
    }

    /**
     * The slot of a letter in a logs or metrics dead-letter stream: that of its original entry, or, for a
     * letter the receivers wrote at intake (no entry), {@link #ofIntakeLetter}; none for a letter of an entry
     * no receiver wrote.
     */
    public static Optional<AuditSlot> ofLetter(DeadLetter letter, boolean logs) {
        if (letter.entryId().isEmpty()) {
            return Optional.of(ofIntakeLetter(letter));
        }
        return logs ? ofLogEntry(letter.original()) : ofMetricEntry(letter.original());
    }
}
