package io.killkrill.logworker;

import io.killkrill.config.CommonSettings;
import io.killkrill.config.Config;
import io.killkrill.config.ConsumerGroupSettings;
import io.killkrill.config.RedisEndpoint;
import io.killkrill.config.StreamNames;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Properties;

/**
 * The log-worker's effective configuration, immutable. Built from the environment by {@link #from(Config)}, or
 * directly by tests that start a {@link LogWorker} in-process.
 *
 * @param adminPort 0 picks a free port (tests)
 */
public record LogWorkerConfig(RedisEndpoint redis,
                              StreamNames streams,
                              URI elasticsearchUrl,
                              String indexPrefix,
                              String environment,
                              String consumerName,
                              int batchSize,
                              Duration blockTime,
                              int concurrency,
                              Duration claimIdle,
                              Duration esRequestTimeout,
                              Duration esRetryDeadline,
                              long esMaxBulkBytes,
                              int esReplicas,
                              Duration retryInitialBackoff,
                              Duration retryMaxBackoff,
                              ConsumerGroupSettings.Runtime runtime,
                              Duration shutdownGrace,
                              int adminPort) {
    public LogWorkerConfig {
        Objects.requireNonNull(redis, "redis");
        Objects.requireNonNull(streams, "streams");
        Objects.requireNonNull(elasticsearchUrl, "elasticsearchUrl");
        Objects.requireNonNull(indexPrefix, "indexPrefix");
        Objects.requireNonNull(environment, "environment");
        Objects.requireNonNull(consumerName, "consumerName");
        Objects.requireNonNull(blockTime, "blockTime");
        Objects.requireNonNull(claimIdle, "claimIdle");
        Objects.requireNonNull(esRequestTimeout, "esRequestTimeout");
        Objects.requireNonNull(esRetryDeadline, "esRetryDeadline");
        Objects.requireNonNull(retryInitialBackoff, "retryInitialBackoff");
        Objects.requireNonNull(retryMaxBackoff, "retryMaxBackoff");
        Objects.requireNonNull(runtime, "runtime");
        Objects.requireNonNull(shutdownGrace, "shutdownGrace");
        if (esMaxBulkBytes < 1) {
            throw new IllegalArgumentException("esMaxBulkBytes must be positive, got " + esMaxBulkBytes);
        }
    }

    public static LogWorkerConfig from(Config config) {
        CommonSettings.refuseShards(config, "log-worker");
        return new LogWorkerConfig(
                CommonSettings.redisEndpoint(config),
                CommonSettings.streamNames(config),
                config.get(LogWorkerSettings.ELASTICSEARCH_URL),
                config.get(LogWorkerSettings.ELASTICSEARCH_INDEX_PREFIX),
                config.get(LogWorkerSettings.ENVIRONMENT),
                ConsumerGroupSettings.consumerName(config),
                config.get(LogWorkerSettings.BATCH_SIZE),
                config.get(LogWorkerSettings.BLOCK_TIME),
                config.get(LogWorkerSettings.CONCURRENCY),
                Duration.ofMillis(config.get(ConsumerGroupSettings.CLAIM_IDLE_MS)),
                config.get(LogWorkerSettings.ELASTICSEARCH_REQUEST_TIMEOUT),
                config.get(LogWorkerSettings.ELASTICSEARCH_RETRY_DEADLINE),
                config.get(LogWorkerSettings.ELASTICSEARCH_MAX_BULK_BYTES),
                config.get(LogWorkerSettings.ELASTICSEARCH_REPLICAS),
                config.get(LogWorkerSettings.ELASTICSEARCH_RETRY_INITIAL_BACKOFF),
                config.get(LogWorkerSettings.ELASTICSEARCH_RETRY_MAX_BACKOFF),
                ConsumerGroupSettings.Runtime.from(config),
                config.get(LogWorkerSettings.SHUTDOWN_GRACE),
                config.get(LogWorkerSettings.ADMIN_PORT));
    }

    /** The defaults of every setting, for the given services; tests adjust with the {@code with...} methods. */
    public static LogWorkerConfig defaults(URI redisUrl, StreamNames streams, URI elasticsearchUrl, String indexPrefix) {
        Config config = LogWorkerSettings.DEFINITION.parse(java.util.Map.of());
        LogWorkerConfig d = from(config);
        return d.with(b -> {
            b.redis = new RedisEndpoint.Standalone(redisUrl);
            b.streams = streams;
            b.elasticsearchUrl = elasticsearchUrl;
            b.indexPrefix = indexPrefix;
            b.adminPort = 0;
        });
    }

    public LogWorkerConfig withRedisUrl(URI url) {
        return with(b -> b.redis = new RedisEndpoint.Standalone(url));
    }

    public LogWorkerConfig withElasticsearchUrl(URI url) {
        return with(b -> b.elasticsearchUrl = url);
    }

    public LogWorkerConfig withConsumer(String name, int loops) {
        return with(b -> {
            b.consumerName = name;
            b.concurrency = loops;
        });
    }

    public LogWorkerConfig withBatch(int size, Duration block) {
        return with(b -> {
            b.batchSize = size;
            b.blockTime = block;
        });
    }

    /** Request timeout, how long pushed-back documents are retried, and the backoff between attempts. */
    public LogWorkerConfig withRetries(Duration requestTimeout, Duration deadline, Duration initial, Duration max) {
        return with(b -> {
            b.esRequestTimeout = requestTimeout;
            b.esRetryDeadline = deadline;
            b.retryInitialBackoff = initial;
            b.retryMaxBackoff = max;
        });
    }

    public LogWorkerConfig withMaxBulkBytes(long bytes) {
        return with(b -> b.esMaxBulkBytes = bytes);
    }

    public LogWorkerConfig withReplicas(int replicas) {
        return with(b -> b.esReplicas = replicas);
    }

    public LogWorkerConfig withClaimIdle(Duration idle) {
        return with(b -> b.claimIdle = idle);
    }

    public LogWorkerConfig withTrimInterval(Duration interval) {
        return with(b -> b.runtime = b.runtime.withTrimInterval(interval));
    }

    public LogWorkerConfig withEnvironment(String name) {
        return with(b -> b.environment = name);
    }

    private LogWorkerConfig with(java.util.function.Consumer<Builder> change) {
        Builder b = new Builder(this);
        change.accept(b);
        return b.build();
    }

    /** Mutable copy used only by the {@code with...} methods, so each names just what it changes. */
    private static final class Builder {
        RedisEndpoint redis;
        StreamNames streams;
        URI elasticsearchUrl;
        String indexPrefix;
        String environment;
        String consumerName;
        int batchSize;
        Duration blockTime;
        int concurrency;
        Duration claimIdle;
        Duration esRequestTimeout;
        Duration esRetryDeadline;
        long esMaxBulkBytes;
        int esReplicas;
        Duration retryInitialBackoff;
        Duration retryMaxBackoff;
        ConsumerGroupSettings.Runtime runtime;
        Duration shutdownGrace;
        int adminPort;

        Builder(LogWorkerConfig c) {
            redis = c.redis;
            streams = c.streams;
            elasticsearchUrl = c.elasticsearchUrl;
            indexPrefix = c.indexPrefix;
            environment = c.environment;
            consumerName = c.consumerName;
            batchSize = c.batchSize;
            blockTime = c.blockTime;
            concurrency = c.concurrency;
            claimIdle = c.claimIdle;
            esRequestTimeout = c.esRequestTimeout;
            esRetryDeadline = c.esRetryDeadline;
            esMaxBulkBytes = c.esMaxBulkBytes;
            esReplicas = c.esReplicas;
            retryInitialBackoff = c.retryInitialBackoff;
            retryMaxBackoff = c.retryMaxBackoff;
            runtime = c.runtime;
            shutdownGrace = c.shutdownGrace;
            adminPort = c.adminPort;
        }

        LogWorkerConfig build() {
            return new LogWorkerConfig(redis, streams, elasticsearchUrl, indexPrefix, environment, consumerName,
                    batchSize, blockTime, concurrency, claimIdle, esRequestTimeout, esRetryDeadline, esMaxBulkBytes,
                    esReplicas, retryInitialBackoff, retryMaxBackoff, runtime, shutdownGrace, adminPort);
        }
    }

    /** KillKrill's version, from the build (a filtered resource), so it is right in-process and in the jar. */
    public static String killkrillVersion() {
        try (InputStream in = LogWorkerConfig.class.getResourceAsStream("/killkrill-log-worker.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty("version", "unknown");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
