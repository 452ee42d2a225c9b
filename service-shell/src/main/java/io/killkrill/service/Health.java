package io.killkrill.service;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.killkrill.model.Json;

import java.util.List;

/**
 * The readiness of a service: its checks, in order. {@link #json()} is the one body of {@code /health/live} and
 * {@code /health/ready} in every service:
 * <pre>{"status":"DOWN","failing":["postgresql"],"checks":[{"name":"redis","status":"UP"},
 *  {"name":"postgresql","status":"DOWN","reason":"connection refused"}]}</pre>
 */
public record Health(List<HealthCheck> checks) {
    public Health {
        checks = List.copyOf(checks);
    }

    public static Health of(HealthCheck... checks) {
        return new Health(List.of(checks));
    }

    /** What {@code /health/live} reports: the process answers; no store is consulted. */
    public static Health live() {
        return new Health(List.of());
    }

    public boolean isUp() {
        return checks.stream().allMatch(HealthCheck::isUp);
    }

    public List<HealthCheck> failing() {
        return checks.stream().filter(check -> !check.isUp()).toList();
    }

    /** The failing checks in one line, {@code postgresql (connection refused)}, for logs and exit messages. */
    public String describeFailing() {
        return String.join(", ", failing().stream()
                .map(check -> check.name() + " (" + check.reason().orElse("") + ")").toList());
    }

    public String json() {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("status", isUp() ? "UP" : "DOWN");
        ArrayNode failingNames = body.putArray("failing");
        failing().forEach(check -> failingNames.add(check.name()));
        ArrayNode out = body.putArray("checks");
        for (HealthCheck check : checks) {
            ObjectNode node = out.addObject();
            node.put("name", check.name());
            node.put("status", check.isUp() ? "UP" : "DOWN");
            check.reason().ifPresent(reason -> node.put("reason", reason));
        }
        return Json.write(body);
    }
}
