package io.killkrill.model;

import java.util.Locale;
import java.util.Optional;

/**
 * How a sample's value is meant, which decides how the metrics-worker aggregates it.
 * <ul>
 *   <li>{@link #COUNTER}: a cumulative, monotonic running total (Prometheus counters, remote_write
 *       {@code _total}/{@code _count}/{@code _sum}/{@code _bucket} series, OTLP cumulative monotonic sums). A
 *       window stores its increase, with counter resets detected.</li>
 *   <li>{@link #DELTA}: an increment since the sender's previous report (OTLP delta monotonic sums). A window
 *       stores the sum of the increments.</li>
 *   <li>{@link #GAUGE}: a value at a point in time. A window stores count, sum, min, max, last and quantiles.</li>
 * </ul>
 */
public enum MetricType {
    COUNTER, DELTA, GAUGE;

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
