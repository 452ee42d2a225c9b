package io.killkrill.model;

import java.util.Locale;
import java.util.Optional;

/** Prometheus-style sample type. */
public enum MetricType {
    COUNTER, GAUGE;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<MetricType> parse(String text) {
        String lower = text.trim().toLowerCase(Locale.ROOT);
        for (MetricType type : values()) {
            if (type.wireName().equals(lower)) {
                return Optional.of(type);
            }
        }
        return Optional.empty();
    }
}
