package io.killkrill.receivers.http;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The Content-Encodings a body may come in, and which a route takes: gzip (or none) on the native endpoints,
 * snappy's block format, and only that, on remote_write (its 1.0 specification requires {@code Content-Encoding:
 * snappy}). The body stage decompresses them within the body limit and the memory budget ({@link GzipBody},
 * {@link SnappyBody}).
 */
enum ContentEncoding {
    IDENTITY("identity"),
    GZIP("gzip"),
    SNAPPY("snappy");

    private final String token;

    ContentEncoding(String token) {
        this.token = token;
    }

    /** The encoding a Content-Encoding header names; none (absent header) is identity. */
    static Optional<ContentEncoding> of(String header) {
        String token = header == null ? "identity" : header.trim().toLowerCase(Locale.ROOT);
        for (ContentEncoding encoding : values()) {
            if (encoding.token.equals(token)) {
                return Optional.of(encoding);
            }
        }
        return Optional.empty();
    }

    static Set<ContentEncoding> acceptedOn(Route route) {
        return route == Route.REMOTE_WRITE ? EnumSet.of(SNAPPY) : EnumSet.of(IDENTITY, GZIP);
    }

    static String describe(Set<ContentEncoding> encodings) {
        return encodings.stream().map(e -> e == IDENTITY ? "none" : e.token).collect(Collectors.joining(" or "));
    }

    /** Whether the body arrives compressed: held raw (1 byte of budget per byte) until decompressed. */
    boolean compressed() {
        return this != IDENTITY;
    }

    String token() {
        return token;
    }
}
