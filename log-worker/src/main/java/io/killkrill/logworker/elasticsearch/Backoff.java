package io.killkrill.logworker.elasticsearch;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with jitter: attempt n waits {@code initial * 2^(n-1)}, capped at {@code max}, then
 * spread by +-{@code jitter} so that replicas retrying together do not hit Elasticsearch together.
 */
public record Backoff(Duration initial, Duration max, double jitter) {
    public Backoff {
        Objects.requireNonNull(initial, "initial");
        Objects.requireNonNull(max, "max");
        if (jitter < 0 || jitter >= 1) {
            throw new IllegalArgumentException("jitter must be in [0, 1), got " + jitter);
        }
    }

    /** The delay after failed attempt {@code attempt} (1-based). */
    public Duration delay(int attempt) {
        double base = Math.min((double) max.toMillis(),
                initial.toMillis() * Math.pow(2, Math.max(0, Math.min(attempt - 1, 40))));
        double spread = base * jitter * (2 * ThreadLocalRandom.current().nextDouble() - 1);
        return Duration.ofMillis(Math.max(1, Math.round(Math.min(max.toMillis(), base + spread))));
    }
}
