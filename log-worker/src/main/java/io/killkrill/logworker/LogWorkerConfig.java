package io.killkrill.logworker;

import io.killkrill.config.CommonSettings;
import io.killkrill.config.Config;
import io.killkrill.config.ConsumerGroupSettings;
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
public record LogWorkerConfig(URI redisUrl,
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
                              int esMaxAttempts,
                              Duration retryInitialBackoff,
                              Duration retryMaxBackoff,
                              ConsumerGroupSettings.Runtime runtime,
                              Duration shutdownGrace,
                              int adminPort) {
    public LogWorkerConfig {
        Objects.requireNonNull(redisUrl, "redisUrl");
        Objects.requireNonNull(streams, "streams");
        Objects.requireNonNull(elasticsearchUrl, "elasticsearchUrl");
        Objects.requireNonNull(indexPrefix, "indexPrefix");
        Objects.requireNonNull(environment, "environment");
        Objects.requireNonNull(consumerName, "consumerName");
        Objects.requireNonNull(blockTime, "blockTime");
        Objects.requireNonNull(claimIdle, "claimIdle");
        Objects.requireNonNull(esRequestTimeout, "esRequestTimeout");
        Objects.requireNonNull(retryInitialBackoff, "retryInitialBackoff");
        Objects.requireNonNull(retryMaxBackoff, "retryMaxBackoff");
        Objects.requireNonNull(runtime, "runtime");
        Objects.requireNonNull(shutdownGrace, "shutdownGrace");
    }

    public static LogWorkerConfig from(Config config) {
        return new LogWorkerConfig(
                config.get(CommonSettings.REDIS_URL),
                CommonSettings.streamNames(config),
                config.get(LogWorkerSettings.ELASTICSEARCH_URL),
                config.get(LogWorkerSettings.ES_INDEX_PREFIX),
                config.get(LogWorkerSettings.ENVIRONMENT),
                ConsumerGroupSettings.consumerName(config),
                config.get(LogWorkerSettings.BATCH_SIZE),
                config.get(LogWorkerSettings.BLOCK_TIME),
                config.get(LogWorkerSettings.CONCURRENCY),
                Duration.ofMillis(config.get(ConsumerGroupSettings.CLAIM_IDLE_MS)),
                config.get(LogWorkerSettings.ES_REQUEST_TIMEOUT),
                config.get(LogWorkerSettings.ES_MAX_ATTEMPTS),
                config.get(LogWorkerSettings.ES_RETRY_INITIAL_BACKOFF),
                config.get(LogWorkerSettings.ES_RETRY_MAX_BACKOFF),
                ConsumerGroupSettings.Runtime.from(config),
                config.get(LogWorkerSettings.SHUTDOWN_GRACE),
                config.get(LogWorkerSettings.ADMIN_PORT));
    }

    /** The defaults of every setting, for the given services; tests adjust with the {@code with...} methods. */
    public static LogWorkerConfig defaults(URI redisUrl, StreamNames streams, URI elasticsearchUrl, String indexPrefix) {
        Config config = LogWorkerSettings.DEFINITION.parse(java.util.Map.of());
        LogWorkerConfig d = from(config);
        return new LogWorkerConfig(redisUrl, streams, elasticsearchUrl, indexPrefix, d.environment, d.consumerName,
                d.batchSize, d.blockTime, d.concurrency, d.claimIdle, d.esRequestTimeout, d.esMaxAttempts,
                d.retryInitialBackoff, d.retryMaxBackoff, d.runtime, d.shutdownGrace, 0);
    }

    public LogWorkerConfig withElasticsearchUrl(URI url) {
        return new LogWorkerConfig(redisUrl, streams, url, indexPrefix, environment, consumerName, batchSize,
                blockTime, concurrency, claimIdle, esRequestTimeout, esMaxAttempts, retryInitialBackoff,
                retryMaxBackoff, runtime, shutdownGrace, adminPort);
    }

    public LogWorkerConfig withConsumer(String name, int loops) {
        return new LogWorkerConfig(redisUrl, streams, elasticsearchUrl, indexPrefix, environment, name, batchSize,
                blockTime, loops, claimIdle, esRequestTimeout, esMaxAttempts, retryInitialBackoff,
                retryMaxBackoff, runtime, shutdownGrace, adminPort);
    }

    public LogWorkerConfig withBatch(int size, Duration block) {
        return new LogWorkerConfig(redisUrl, streams, elasticsearchUrl, indexPrefix, environment, consumerName, size,
                block, concurrency, claimIdle, esRequestTimeout, esMaxAttempts, retryInitialBackoff,
                retryMaxBackoff, runtime, shutdownGrace, adminPort);
    }

    public LogWorkerConfig withRetries(Duration requestTimeout, int maxAttempts, Duration initial, Duration max) {
        return new LogWorkerConfig(redisUrl, streams, elasticsearchUrl, indexPrefix, environment, consumerName,
                batchSize, blockTime, concurrency, claimIdle, requestTimeout, maxAttempts, initial, max,
                runtime, shutdownGrace, adminPort);
    }

    public LogWorkerConfig withClaimIdle(Duration idle) {
        return new LogWorkerConfig(redisUrl, streams, elasticsearchUrl, indexPrefix, environment, consumerName,
                batchSize, blockTime, concurrency, idle, esRequestTimeout, esMaxAttempts, retryInitialBackoff,
                retryMaxBackoff, runtime, shutdownGrace, adminPort);
    }

    public LogWorkerConfig withTrimInterval(Duration interval) {
        return new LogWorkerConfig(redisUrl, streams, elasticsearchUrl, indexPrefix, environment, consumerName,
                batchSize, blockTime, concurrency, claimIdle, esRequestTimeout, esMaxAttempts, retryInitialBackoff,
                retryMaxBackoff, runtime.withTrimInterval(interval), shutdownGrace, adminPort);
    }

    public LogWorkerConfig withRuntime(ConsumerGroupSettings.Runtime newRuntime) {
        return new LogWorkerConfig(redisUrl, streams, elasticsearchUrl, indexPrefix, environment, consumerName,
                batchSize, blockTime, concurrency, claimIdle, esRequestTimeout, esMaxAttempts, retryInitialBackoff,
                retryMaxBackoff, newRuntime, shutdownGrace, adminPort);
    }

    public LogWorkerConfig withEnvironment(String name) {
        return new LogWorkerConfig(redisUrl, streams, elasticsearchUrl, indexPrefix, name, consumerName,
                batchSize, blockTime, concurrency, claimIdle, esRequestTimeout, esMaxAttempts, retryInitialBackoff,
                retryMaxBackoff, runtime, shutdownGrace, adminPort);
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
