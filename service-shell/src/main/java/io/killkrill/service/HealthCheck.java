package io.killkrill.service;

import java.util.Objects;
import java.util.Optional;

/**
 * One readiness check: a store or loop the service needs, and why it is down.
 *
 * @param name   what is checked, lower case: {@code redis}, {@code elasticsearch}, {@code postgresql}, {@code consumers}
 * @param reason empty when up; otherwise one line saying what fails
 */
public record HealthCheck(String name, Optional<String> reason) {
    public HealthCheck {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(reason, "reason");
    }

    public static HealthCheck up(String name) {
        return new HealthCheck(name, Optional.empty());
    }

    public static HealthCheck down(String name, String reason) {
        return new HealthCheck(name, Optional.of(reason));
    }

    /** Up when {@code up} is true, else down with {@code reasonWhenDown}. */
    public static HealthCheck of(String name, boolean up, String reasonWhenDown) {
        return up ? up(name) : down(name, reasonWhenDown);
    }

    public boolean isUp() {
        return reason.isEmpty();
    }
}
