package io.killkrill.stream.audit;

import io.killkrill.config.SettingType;
import io.killkrill.model.AuditSlot;
import io.killkrill.model.Rfc3339;

import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The one command line of {@code killkrill audit} ({@code --since 1h [--until ...] [--service ...]}), shared by
 * the log audit (log-worker jar: Elasticsearch) and the metrics audit (metrics-worker jar: PostgreSQL).
 *
 * <p>Exit status: 0 every minute reconciled; 1 a minute does not; 2 a usage error (one line naming the option);
 * 3 a store could not be read.
 */
public final class AuditCommand {
    public static final int EXIT_RECONCILED = 0;
    public static final int EXIT_UNRECONCILED = 1;
    public static final int EXIT_USAGE = 2;
    public static final int EXIT_STORE_FAILED = 3;
    private static final SettingType<Duration> AGO = SettingType.duration(Duration.ofMinutes(1), Duration.ofDays(8));

    /** What the command line asks: minutes [fromMinute, toMinute), optionally of one service. */
    public record Range(long fromMinute, long toMinute, Optional<String> service) {
    }

    /** What an audit does once its range is known. */
    @FunctionalInterface
    public interface Audit {
        AuditTable run(Range range) throws Exception;
    }

    private AuditCommand() {
    }

    /**
     * Parses {@code --since} (a duration back from now such as {@code 1h}, or an RFC 3339 time; required),
     * {@code --until} (the same, default now; the minute holding it is included) and {@code --service}.
     */
    public static Range parse(String[] args, Clock clock) {
        Instant now = clock.instant();
        Instant since = null;
        Instant until = now;
        Optional<String> service = Optional.empty();
        for (int i = 0; i < args.length; i++) {
            String option = args[i];
            if (option.equals("--help") || option.equals("-h")) {
                throw new IllegalArgumentException("usage: killkrill audit --since 1h [--until 10m|2024-05-01T10:00:00Z]"
                        + " [--service NAME] [--stream logs|metrics]");
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(option + " needs a value");
            }
            String value = args[++i];
            switch (option) {
                case "--since" -> since = time(option, value, now);
                case "--until" -> until = time(option, value, now);
                case "--service" -> service = Optional.of(value);
                case "--stream" -> {
                    if (!value.equals("logs") && !value.equals("metrics")) {
                        throw new IllegalArgumentException("--stream must be logs or metrics, got '" + value + "'");
                    }
                }
                default -> throw new IllegalArgumentException("unknown option " + option);
            }
        }
        if (since == null) {
            throw new IllegalArgumentException("--since is required (e.g. --since 1h)");
        }
        if (!since.isBefore(until)) {
            throw new IllegalArgumentException("--since must be before --until");
        }
        return new Range(AuditSlot.minuteOf(since), AuditSlot.minuteOf(until) + 1, service);
    }

    private static Instant time(String option, String value, Instant now) {
        try {
            return now.minus(AGO.parse(value));
        } catch (IllegalArgumentException notADuration) {
            try {
                return Rfc3339.parse(value).toInstant();
            } catch (RuntimeException notATime) {
                throw new IllegalArgumentException(option + " must be a duration back from now (30m, 1h, 2d) or an"
                        + " RFC 3339 time, got '" + value + "'");
            }
        }
    }

    /** Runs an audit for a command line: prints its table (or the failure) and returns the exit status. */
    public static int run(String name, String[] args, Clock clock, Audit audit, PrintStream out, PrintStream err) {
        Range range;
        try {
            range = parse(args, clock);
        } catch (IllegalArgumentException e) {
            err.println(name + ": " + e.getMessage());
            return EXIT_USAGE;
        }
        AuditTable table;
        try {
            table = audit.run(range);
        } catch (IllegalArgumentException e) {
            err.println(name + ": " + e.getMessage());
            return EXIT_USAGE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println(name + ": interrupted");
            return EXIT_STORE_FAILED;
        } catch (Exception e) {
            err.println(name + ": could not read a store: " + e);
            return EXIT_STORE_FAILED;
        }
        out.print(table.render());
        if (table.reconciled()) {
            return EXIT_RECONCILED;
        }
        out.println("  to find the missing event IDs of a minute, see docs/operations.md (Audit)");
        return EXIT_UNRECONCILED;
    }
}
