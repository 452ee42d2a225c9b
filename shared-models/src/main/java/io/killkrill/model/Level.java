package io.killkrill.model;

import java.util.Locale;
import java.util.Optional;

/** Normalized log level. The wire form is {@link #wireName()}: lower case, {@code warning} folded into {@code warn}. */
public enum Level {
    TRACE, DEBUG, INFO, NOTICE, WARN, ERROR, CRITICAL, ALERT, EMERGENCY, FATAL;

    /** The level names accepted on input, case-insensitively. */
    public static final String ACCEPTED =
            "trace, debug, info, notice, warn, warning, error, critical, alert, emergency, fatal";

    private final String wireName = name().toLowerCase(Locale.ROOT);

    public String wireName() {
        return wireName;
    }

    /** Parses a level name case-insensitively; {@code warning} is {@link #WARN}. */
    public static Optional<Level> parse(String text) {
        String lower = text.trim().toLowerCase(Locale.ROOT);
        if (lower.equals("warning")) {
            return Optional.of(WARN);
        }
        for (Level level : values()) {
            if (level.wireName().equals(lower)) {
                return Optional.of(level);
            }
        }
        return Optional.empty();
    }

    /** Maps a syslog severity (RFC 5424 section 6.2.1, 0 = emergency .. 7 = debug) to a level. */
    public static Level fromSyslogSeverity(int severity) {
        return switch (severity) {
            case 0 -> EMERGENCY;
            case 1 -> ALERT;
            case 2 -> CRITICAL;
            case 3 -> ERROR;
            case 4 -> WARN;
            case 5 -> NOTICE;
            case 6 -> INFO;
            case 7 -> DEBUG;
            default -> throw new IllegalArgumentException("syslog severity must be 0..7, got " + severity);
        };
    }
}
