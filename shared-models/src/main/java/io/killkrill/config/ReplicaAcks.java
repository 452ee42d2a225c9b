package io.killkrill.config;

import java.time.Duration;
import java.util.Objects;

/**
 * How many Redis replicas must hold a write before it counts ({@code WAIT replicas timeout}), as
 * {@link CommonSettings#replicaAcks} reads it: the receivers acknowledge an item, and the workers act on an entry
 * they read, only once that many replicas hold it. 0 (the default) waits for none.
 */
public record ReplicaAcks(int replicas, Duration timeout) {
    public static final ReplicaAcks NONE = new ReplicaAcks(0, Duration.ofSeconds(1));

    public ReplicaAcks {
        Objects.requireNonNull(timeout, "timeout");
        if (replicas < 0 || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("replicas >= 0 and a positive timeout expected");
        }
    }

    public boolean required() {
        return replicas > 0;
    }

    /** How much longer than a plain reply a round trip that ends with {@code WAIT} may take. */
    public Duration replyAllowance() {
        return required() ? timeout : Duration.ZERO;
    }

    /** Why {@code acknowledged} replicas are not enough, or null when they are. */
    public String shortfall(long acknowledged) {
        return acknowledged >= replicas ? null : "NOREPLICAS " + acknowledged + " of the " + replicas
                + " Redis replicas required (KILLKRILL_REDIS_MIN_REPLICA_ACKS) acknowledged within "
                + timeout.toMillis() + " ms";
    }
}
