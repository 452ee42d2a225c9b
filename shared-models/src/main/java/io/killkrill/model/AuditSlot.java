package io.killkrill.model;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Where one accepted item counts in the audit ({@code killkrill audit}): a minute and, for log events, the
 * service. Every entry the contract writes carries it ({@link StreamEntry#AUDIT}), and so does the dead letter
 * of an entry; the receivers add 1 to {@code <stream>:audit:<minute>} field {@code <service>} for every entry
 * they store with it, in the same atomic Redis step. The audit reads the slot of what is dead-lettered or
 * pending from that field, inside Redis (never loading an entry), and compares with what is indexed or stored.
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

    /** The entry field's form ({@link StreamEntry#AUDIT}): {@code <epoch minute> <service>}. */
    public String wire() {
        return epochMinute + " " + service;
    }

    /** Reads {@link #wire()}; empty for anything else (an entry no receiver wrote). */
    public static Optional<AuditSlot> parse(String wire) {
        if (wire == null) {
            return Optional.empty();
        }
        int space = wire.indexOf(' ');
        if (space <= 0 || space == wire.length() - 1) {
            return Optional.empty();
        }
        try {
            return Optional.of(new AuditSlot(Long.parseLong(wire.substring(0, space)), wire.substring(space + 1)));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
