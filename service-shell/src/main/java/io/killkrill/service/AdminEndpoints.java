package io.killkrill.service;

import java.util.Optional;
import java.util.function.Supplier;

/**
 * The admin endpoints every service answers, with one body format: {@code GET /health/live},
 * {@code GET /health/ready} ({@link Health#json()}, 200 when every check is up, else 503 naming the failing ones)
 * and {@code GET /metrics} (Prometheus text). The workers serve them on their {@link AdminServer}; the receivers
 * on their ingestion port, through the same code.
 */
public final class AdminEndpoints {
    public static final String LIVE = "/health/live";
    public static final String READY = "/health/ready";
    public static final String METRICS = "/metrics";
    public static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
    public static final String JSON = "application/json";

    private final Supplier<Health> readiness;
    private final Supplier<String> scrape;

    public AdminEndpoints(Supplier<Health> readiness, Supplier<String> scrape) {
        this.readiness = readiness;
        this.scrape = scrape;
    }

    /** One answer of an admin endpoint. */
    public record Response(int status, String contentType, String body) {
        public static Response json(int status, String body) {
            return new Response(status, JSON, body);
        }
    }

    /** The answer to a GET of {@code path}, or empty when the path is not an admin endpoint. */
    public Optional<Response> answer(String path) {
        switch (path) {
            case LIVE:
                return Optional.of(live());
            case READY:
                return Optional.of(ready(readiness.get()));
            case METRICS:
                return Optional.of(new Response(200, PROMETHEUS_TEXT, scrape.get()));
            default:
                return Optional.empty();
        }
    }

    public static Response live() {
        return Response.json(200, Health.live().json());
    }

    public static Response ready(Health health) {
        return Response.json(health.isUp() ? 200 : 503, health.json());
    }
}
