package io.killkrill.model;

import com.github.f4b6a3.uuid.UuidCreator;

import java.util.UUID;

/** Event IDs: UUIDv7 (RFC 9562), time-ordered and unique, assigned once at the receiver. */
public final class EventIds {
    private EventIds() {
    }

    /**
     * A new ID. Its 74 random bits come from a per-thread {@link java.util.concurrent.ThreadLocalRandom} (uuid-creator's
     * "fast" factory), not {@link java.security.SecureRandom}: an event ID must be unique and time-ordered, never
     * unguessable (it names a document, it grants nothing), and the secure source cost 250 ns an ID against 120,
     * 8% of the receivers' CPU samples in a syslog flood (docs/performance.md).
     */
    public static String next() {
        return UuidCreator.getTimeOrderedEpochFast().toString();
    }

    /**
     * Whether {@code id} is a UUIDv7 in canonical lower-case form,
     * {@code [0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}}, checked without a regex: every
     * event's ID goes through it at the receivers and again at the worker, where the matcher showed in the CPU
     * profile of decoding an entry.
     */
    public static boolean isValid(String id) {
        if (id.length() != 36) {
            return false;
        }
        for (int i = 0; i < 36; i++) {
            char c = id.charAt(i);
            boolean allowed = switch (i) {
                case 8, 13, 18, 23 -> c == '-';
                case 14 -> c == '7';
                case 19 -> c == '8' || c == '9' || c == 'a' || c == 'b';
                default -> c >= '0' && c <= '9' || c >= 'a' && c <= 'f';
            };
            if (!allowed) {
                return false;
            }
        }
        return true;
    }

    /**
     * A UUIDv7 made from a client's own identifier of an event that is not a UUIDv7 (an Elasticsearch {@code _id}
     * such as Fluent Bit's {@code Generate_ID} hash): the time field is {@code timeMillis} (the event's time), the 74
     * random bits are the first bits of the SHA-256 of {@code key}. The same key and time always give the same ID,
     * so a shipper that resends a document under its own {@code _id} gets one document, as from Elasticsearch.
     */
    public static String derived(String key, long timeMillis) {
        byte[] hash;
        try {
            hash = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(key.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
        long high = 0;
        long low = 0;
        for (int i = 0; i < 8; i++) {
            high = (high << 8) | (hash[i] & 0xff);
            low = (low << 8) | (hash[8 + i] & 0xff);
        }
        long msb = (timeMillis << 16) | 0x7000L | (high & 0x0fffL);
        long lsb = 0x8000000000000000L | (low & 0x3fffffffffffffffL);
        return new UUID(msb, lsb).toString();
    }

    /** The creation time (millisecond precision) embedded in a UUIDv7. */
    public static long epochMillis(String id) {
        return UUID.fromString(id).getMostSignificantBits() >>> 16;
    }
}
