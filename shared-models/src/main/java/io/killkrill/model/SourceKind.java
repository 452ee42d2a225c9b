package io.killkrill.model;

import java.util.Locale;
import java.util.Optional;

/** The receiver transport an event came in through. */
public enum SourceKind {
    HTTP, SYSLOG;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<SourceKind> parse(String text) {
        for (SourceKind kind : values()) {
            if (kind.wireName().equals(text)) {
                return Optional.of(kind);
            }
        }
        return Optional.empty();
    }
}
