package io.killkrill.config;

import java.util.Objects;

/** The Redis keys and consumer groups the pipeline uses; defaults in {@link CommonSettings}. */
public record StreamNames(String logs, String metrics, String logsDlq, String metricsDlq, String logGroup,
                          String metricsGroup) {
    public StreamNames {
        Objects.requireNonNull(logs);
        Objects.requireNonNull(metrics);
        Objects.requireNonNull(logsDlq);
        Objects.requireNonNull(metricsDlq);
        Objects.requireNonNull(logGroup);
        Objects.requireNonNull(metricsGroup);
    }

    public static StreamNames defaults() {
        return new StreamNames("logs-stream", "metrics-stream", "logs-dlq", "metrics-dlq", "log-workers",
                "metrics-workers");
    }

    /** Names with a common prefix, so tests running side by side never share a key. */
    public static StreamNames prefixed(String prefix) {
        StreamNames d = defaults();
        return new StreamNames(prefix + d.logs, prefix + d.metrics, prefix + d.logsDlq, prefix + d.metricsDlq,
                prefix + d.logGroup, prefix + d.metricsGroup);
    }
}
