package io.killkrill.model;

import com.github.f4b6a3.uuid.UuidCreator;

import java.util.UUID;
import java.util.regex.Pattern;

/** Event IDs: UUIDv7 (RFC 9562), time-ordered and unique, assigned once at the receiver. */
public final class EventIds {
    private static final Pattern UUID_V7 =
            Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");

    private EventIds() {
    }

    public static String next() {
        return UuidCreator.getTimeOrderedEpoch().toString();
    }

    public static boolean isValid(String id) {
        return UUID_V7.matcher(id).matches();
    }

    /** The creation time (millisecond precision) embedded in a UUIDv7. */
    public static long epochMillis(String id) {
        return UUID.fromString(id).getMostSignificantBits() >>> 16;
    }
}
