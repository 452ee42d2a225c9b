package io.killkrill.metricsworker.store;

import java.time.Instant;
import java.util.Objects;

/** The last row of a page of aggregates, in the page order (window size, window start, label set). */
public record PagePosition(int windowSeconds, Instant windowStart, String labels) {
    public PagePosition {
        Objects.requireNonNull(windowStart, "windowStart");
        Objects.requireNonNull(labels, "labels");
    }
}
