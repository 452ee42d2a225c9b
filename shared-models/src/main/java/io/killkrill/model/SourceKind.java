package io.killkrill.model;

import java.util.Locale;
import java.util.Optional;

/** The receiver transport an event came in through. */
public enum SourceKind {
    HTTP, SYSLOG;

    private final String wireName = name().toLowerCase(Locale.ROOT);

    public String wireName() {
        return wireName;
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
