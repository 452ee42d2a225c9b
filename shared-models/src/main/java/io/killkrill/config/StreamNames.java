package io.killkrill.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The Redis keys and consumer groups the pipeline uses; defaults in {@link CommonSettings}. With {@code shards}
 * above 1 each stream (logs, metrics and their dead-letter streams) is that many keys, {@code <name>{0}} ..
 * {@code <name>{N-1}}: {@link #shard} names those of one shard. The hash tag ({@code {i}}) puts a shard's streams in
 * one Redis Cluster slot, so that a script can touch a stream and its dead-letter stream at once.
 */
public record StreamNames(String logs, String metrics, String logsDlq, String metricsDlq, String logGroup,
                          String metricsGroup, int shards) {
    public StreamNames {
        Objects.requireNonNull(logs);
        Objects.requireNonNull(metrics);
        Objects.requireNonNull(logsDlq);
        Objects.requireNonNull(metricsDlq);
        Objects.requireNonNull(logGroup);
        Objects.requireNonNull(metricsGroup);
        if (shards < 1) {
            throw new IllegalArgumentException("shards must be at least 1, got " + shards);
        }
    }

    /** One shard. */
    public StreamNames(String logs, String metrics, String logsDlq, String metricsDlq, String logGroup,
                       String metricsGroup) {
        this(logs, metrics, logsDlq, metricsDlq, logGroup, metricsGroup, 1);
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

    /** These names split into {@code count} shards. */
    public StreamNames withShards(int count) {
        return new StreamNames(logs, metrics, logsDlq, metricsDlq, logGroup, metricsGroup, count);
    }

    /**
     * The streams of shard {@code index} (0 .. {@link #shards()} - 1) as one-shard names: {@code <name>{index}}, or
     * these names themselves when there is one shard. The groups are the same in every shard.
     */
    public StreamNames shard(int index) {
        if (index < 0 || index >= shards) {
            throw new IllegalArgumentException("shard " + index + " of " + shards);
        }
        if (shards == 1) {
            return this;
        }
        String tag = "{" + index + "}";
        return new StreamNames(logs + tag, metrics + tag, logsDlq + tag, metricsDlq + tag, logGroup, metricsGroup);
    }

    /** Every shard, in order. */
    public List<StreamNames> allShards() {
        List<StreamNames> all = new ArrayList<>(shards);
        for (int i = 0; i < shards; i++) {
            all.add(shard(i));
        }
        return all;
    }
}
