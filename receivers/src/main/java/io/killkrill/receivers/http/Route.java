package io.killkrill.receivers.http;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;

/**
 * The closed set of HTTP routes. A request's meter tag is its route's {@link #tag()}, never its raw path, so a
 * client probing random paths cannot grow the meter registry.
 */
enum Route {
    LOGS("/api/v1/logs", "logs"),
    METRICS("/api/v1/metrics", "metrics"),
    /** Prometheus remote_write 1.0: a snappy-compressed protobuf {@code WriteRequest}. */
    REMOTE_WRITE("/api/v1/write", "metrics"),
    /** OTLP/HTTP logs: an {@code ExportLogsServiceRequest}, protobuf or JSON. */
    OTLP_LOGS("/v1/logs", "logs"),
    /** OTLP/HTTP metrics: an {@code ExportMetricsServiceRequest}, protobuf or JSON. */
    OTLP_METRICS("/v1/metrics", "metrics"),
    HEALTH_LIVE("/health/live", "none"),
    HEALTH_READY("/health/ready", "none"),
    PROMETHEUS_SCRAPE("/metrics", "none"),
    /** The Elasticsearch bulk API subset: {@code /_bulk} and {@code /<index>/_bulk}, one tag for both. */
    ES_BULK("/_bulk", "logs"),
    /** The product probe of Elasticsearch shippers ({@code GET /}, {@code HEAD /}). */
    ES_ROOT("/", "none"),
    /** The license probe of Filebeat ({@code GET /_license}). */
    ES_LICENSE("/_license", "none"),
    OTHER("other", "none");

    private static final String BULK_SUFFIX = "/_bulk";

    private final String path;
    private final String kind;

    Route(String path, String kind) {
        this.path = path;
        this.kind = kind;
    }

    /** The route of a request target: origin form ({@code /api/v1/logs?x}) or absolute form. */
    static Route of(String uri) {
        String path = pathOf(uri);
        if (bulkIndexOf(path).isPresent()) {
            return ES_BULK;
        }
        for (Route route : values()) {
            if (route != OTHER && route.path.equals(path)) {
                return route;
            }
        }
        return OTHER;
    }

    /** The path of a request target, without query or fragment. */
    static String pathOf(String uri) {
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
        return target.substring(0, end);
    }

    /**
     * The index of a {@code /<index>/_bulk} path (percent-decoded, as clients encode it), empty for {@code /_bulk}
     * and any other path.
     */
    static Optional<String> bulkIndexOf(String path) {
        if (!path.endsWith(BULK_SUFFIX) || path.length() <= BULK_SUFFIX.length() + 1 || path.charAt(0) != '/') {
            return Optional.empty();
        }
        String index = path.substring(1, path.length() - BULK_SUFFIX.length());
        if (index.indexOf('/') >= 0) {
            return Optional.empty();
        }
        try {
            return Optional.of(URLDecoder.decode(index.replace("+", "%2B"), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            return Optional.of(index); // a broken percent escape: the name as sent
        }
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
        return this == LOGS || this == METRICS || this == REMOTE_WRITE || this == ES_BULK || otlp();
    }

    /** An OTLP/HTTP route: its answers are OTLP's ({@link OtlpAnswers}). */
    boolean otlp() {
        return this == OTLP_LOGS || this == OTLP_METRICS;
    }

    /** A route that speaks to Elasticsearch clients: its answers carry {@code X-Elastic-Product}. */
    boolean elasticsearch() {
        return this == ES_BULK || this == ES_ROOT || this == ES_LICENSE;
    }
}
