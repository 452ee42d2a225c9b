package io.killkrill.model;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What the receiver knows about an item besides its body: the ID it assigns, when and where it came in.
 */
public record IngestContext(String eventId, Instant receivedAt, Source source, Optional<SyslogMetadata> syslog) {
    public IngestContext {
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(receivedAt, "receivedAt");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(syslog, "syslog");
    }

    /** A fresh event ID, received now. */
    public static IngestContext now(Source source) {
        return new IngestContext(EventIds.next(), Instant.now(), source, Optional.empty());
    }

    public IngestContext withSyslog(SyslogMetadata metadata) {
        return new IngestContext(eventId, receivedAt, source, Optional.of(metadata));
    }
}
