package io.killkrill.receivers.http;

import java.util.Locale;

/**
 * The closed set of HTTP routes. A request's meter tag is its route's {@link #tag()}, never its raw path, so a
 * client probing random paths cannot grow the meter registry.
 */
enum Route {
    LOGS("/api/v1/logs", "logs"),
    METRICS("/api/v1/metrics", "metrics"),
    HEALTH_LIVE("/health/live", "none"),
    HEALTH_READY("/health/ready", "none"),
    PROMETHEUS_SCRAPE("/metrics", "none"),
    OTHER("other", "none");

    private final String path;
    private final String kind;

    Route(String path, String kind) {
        this.path = path;
        this.kind = kind;
    }

    /** The route of a request target: origin form ({@code /api/v1/logs?x}) or absolute form. */
    static Route of(String uri) {
        String target = uri;
        String lower = target.toLowerCase(Locale.ROOT);
        if (lower.startsWith("http://") || lower.startsWith("https://")) {
            int slash = target.indexOf('/', lower.indexOf("//") + 2);
            target = slash < 0 ? "/" : target.substring(slash);
        }
        int end = target.length();
        for (int i = 0; i < target.length(); i++) {
            char c = target.charAt(i);
            if (c == '?' || c == '#') {
                end = i;
                break;
            }
        }
        String path = target.substring(0, end);
        for (Route route : values()) {
            if (route != OTHER && route.path.equals(path)) {
                return route;
            }
        }
        return OTHER;
    }

    /** The {@code path} tag of {@code killkrill_receivers_http_request_seconds}. */
    String tag() {
        return path;
    }

    /** {@code logs} or {@code metrics} for an ingestion route (the {@code kind} tag of the item counters). */
    String kind() {
        return kind;
    }

    boolean ingests() {
        return this == LOGS || this == METRICS;
    }
}
