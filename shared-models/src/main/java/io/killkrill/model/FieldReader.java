package io.killkrill.model;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Reads fields of one JSON object ({@link JsonFields}, whatever form it came in) and collects every error instead
 * of stopping at the first.
 */
final class FieldReader {
    /** 9999-12-31T23:59:59.999Z: the last instant RFC 3339 can write. */
    static final long MAX_EPOCH_MILLIS = 253_402_300_799_999L;
    /** 0000-01-01T00:00:00Z: the first instant RFC 3339 (a four-digit year) can write. */
    static final Instant MIN_TIMESTAMP = Instant.parse("0000-01-01T00:00:00Z");
    /** 9999-12-31T23:59:59.999999999Z: the last instant RFC 3339 can write. */
    static final Instant MAX_TIMESTAMP = Instant.parse("9999-12-31T23:59:59.999999999Z");
    private static final String TIMESTAMP_RANGE = "must be from 0000-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z"
            + " (a four-digit year, as written and in UTC)";
    private static final double SECONDS_MILLIS_BOUNDARY = 100_000_000_000d;

    private final JsonFields object;
    private final String prefix;
    private final List<FieldError> errors;

    FieldReader(JsonFields object, String prefix, List<FieldError> errors) {
        this.object = object;
        this.prefix = prefix;
        this.errors = errors;
    }

    FieldReader(JsonFields object) {
        this(object, "", new ArrayList<>());
    }

    /** A reader of a member object, its errors named {@code prefix + field} and added to this reader's. */
    FieldReader member(Map<String, Object> members, String prefix) {
        return new FieldReader(JsonFields.of(members), this.prefix + prefix, errors);
    }

    List<FieldError> errors() {
        return errors;
    }

    void error(String field, String reason) {
        errors.add(new FieldError(prefix + field, reason));
    }

    /** The field's value in the form of {@link JsonFields}; null when absent or {@code null}. */
    Object value(String field) {
        return object.get(field);
    }

    /** A value's members if it is an object, else null. */
    @SuppressWarnings("unchecked") // in the form of JsonFields, a map is always of member names to values
    static Map<String, Object> members(Object value) {
        return value instanceof Map<?, ?> members ? (Map<String, Object>) members : null;
    }

    Optional<String> optionalString(String field) {
        Object value = value(field);
        if (value == null) {
            return Optional.empty();
        }
        if (!(value instanceof String text)) {
            error(field, "must be a string");
            return Optional.empty();
        }
        return Optional.of(text);
    }

    /** An optional string of at most {@code maxLength} UTF-16 code units. */
    Optional<String> optionalString(String field, int maxLength) {
        Optional<String> value = optionalString(field);
        if (value.isPresent() && value.get().length() > maxLength) {
            error(field, tooLong(maxLength, value.get().length()));
            return Optional.empty();
        }
        return value;
    }

    static String tooLong(int maxLength, int length) {
        return "must be at most " + maxLength + " characters, got " + length;
    }

    /** A required string; an absent, non-string or blank value is an error. */
    String requiredString(String field) {
        Object value = value(field);
        if (value == null) {
            error(field, "is required");
            return null;
        }
        if (!(value instanceof String text)) {
            error(field, "must be a string");
            return null;
        }
        if (text.isBlank()) {
            error(field, "must not be empty");
            return null;
        }
        return text;
    }

    /**
     * RFC 3339 text keeping its offset, or an integral count of epoch milliseconds (UTC); from a receiver's typed
     * fields, a date-time it parsed itself, held to the same range.
     */
    Optional<OffsetDateTime> timestampRfc3339OrMillis(String field) {
        Object value = value(field);
        if (value == null) {
            return Optional.empty();
        }
        if (value instanceof String text) {
            return parseRfc3339(field, text);
        }
        if (value instanceof OffsetDateTime time) {
            return withinRange(field, time, Rfc3339::format);
        }
        if (value instanceof Long millis && millis >= 0 && millis <= MAX_EPOCH_MILLIS) {
            return Optional.of(Instant.ofEpochMilli(millis).atOffset(ZoneOffset.UTC));
        }
        error(field, "must be an RFC 3339 date-time or a non-negative integer of epoch milliseconds");
        return Optional.empty();
    }

    /** RFC 3339 text, or a number of epoch seconds (fractions allowed) or epoch milliseconds (from 1e11 on). */
    Optional<Instant> timestampSecondsMillisOrRfc3339(String field) {
        Object value = value(field);
        if (value == null) {
            return Optional.empty();
        }
        if (value instanceof String text) {
            Instant canonical = parseCanonicalUtc(text);
            if (canonical != null) {
                return Optional.of(canonical);
            }
            return parseRfc3339(field, text).map(OffsetDateTime::toInstant);
        }
        if (value instanceof Number numeric) {
            double number = numeric.doubleValue();
            if (Double.isFinite(number) && number >= 0) {
                long millis = number < SECONDS_MILLIS_BOUNDARY ? Math.round(number * 1000d) : Math.round(number);
                if (millis <= MAX_EPOCH_MILLIS) {
                    return Optional.of(Instant.ofEpochMilli(millis));
                }
            }
        }
        error(field, "must be an RFC 3339 date-time or a non-negative number of epoch seconds or milliseconds");
        return Optional.empty();
    }

    /**
     * Fast path for the form every KillKrill service writes (ISO_INSTANT: {@code 2026-11-25T17:54:51.123Z}, 0 to
     * 9 fraction digits): {@link Rfc3339#parseCommon}, the hand parser, for a text in UTC. Anything else (offsets,
     * lower case, a space separator, out-of-range fields) gives null and goes through {@link #parseRfc3339},
     * which decides validity; a UTC text with a four-digit year is always within the contract's range.
     */
    static Instant parseCanonicalUtc(String text) {
        if (text.isEmpty() || text.charAt(text.length() - 1) != 'Z') {
            return null;
        }
        OffsetDateTime time = Rfc3339.parseCommon(text);
        return time == null ? null : time.toInstant();
    }

    private Optional<OffsetDateTime> parseRfc3339(String field, String text) {
        try {
            String normalized = text.trim().toUpperCase(Locale.ROOT);
            if (normalized.length() > 10 && normalized.charAt(10) == ' ') {
                normalized = normalized.substring(0, 10) + 'T' + normalized.substring(11);
            }
            return withinRange(field, Rfc3339.parse(normalized), time -> text);
        } catch (DateTimeParseException e) {
            error(field, "must be an RFC 3339 date-time such as 2026-11-25T17:54:51.123Z, got '" + abbreviate(text) + "'");
            return Optional.empty();
        }
    }

    /** The date-time if {@link #inRange}, else an error quoting it {@code asWritten} (formatted only then). */
    private Optional<OffsetDateTime> withinRange(String field, OffsetDateTime time,
                                                 Function<OffsetDateTime, String> asWritten) {
        if (!inRange(time)) {
            error(field, TIMESTAMP_RANGE + ", got '" + abbreviate(asWritten.apply(time)) + "'");
            return Optional.empty();
        }
        return Optional.of(time);
    }

    /**
     * Whether a date-time has a four-digit year both as written and in UTC: Elasticsearch's {@code date} parses
     * no other year (a five-digit one is a mapping error), and RFC 3339 writes no other.
     */
    static boolean inRange(OffsetDateTime time) {
        Instant instant = time.toInstant();
        return time.getYear() >= 0 && time.getYear() <= 9999
                && !instant.isBefore(MIN_TIMESTAMP) && !instant.isAfter(MAX_TIMESTAMP);
    }

    static String abbreviate(String text) {
        return text.length() <= 64 ? text : text.substring(0, 61) + "...";
    }
}
