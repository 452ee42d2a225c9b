package io.killkrill.model;

import java.util.Objects;
import java.util.Optional;

/**
 * Where an event entered KillKrill.
 *
 * @param kind the receiver transport
 * @param peer the client address as {@code host:port}, when known
 */
public record Source(SourceKind kind, Optional<String> peer) {
    public Source {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(peer, "peer");
    }

    public static Source http(String peer) {
        return new Source(SourceKind.HTTP, Optional.ofNullable(peer));
    }

    public static Source syslog(String peer) {
        return new Source(SourceKind.SYSLOG, Optional.ofNullable(peer));
    }
}
