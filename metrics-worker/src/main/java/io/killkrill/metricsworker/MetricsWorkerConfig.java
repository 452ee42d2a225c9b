package io.killkrill.metricsworker;

import io.killkrill.config.CommonSettings;
import io.killkrill.config.Config;
import io.killkrill.config.ConsumerGroupSettings;
import io.killkrill.config.RedisEndpoint;
import io.killkrill.config.StreamNames;
import io.killkrill.metricsworker.MetricsWorkerSettings.FaultInjection;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Everything one metrics-worker needs, immutable. Built from the environment by {@link #from(Config)}, or
 * directly by a test.
 *
 * @param adminPort     0 picks a free port (tests)
 * @param consumerName  unique per process, so pending entries of a dead worker are recognisably someone else's
 */
public record MetricsWorkerConfig(RedisEndpoint redis,
                                  StreamNames streams,
                                  String databaseUrl,
                                  String databaseUser,
                                  String databasePassword,
                                  String databaseSchema,
                                  int databasePoolSize,
                                  Duration databaseConnectTimeout,
                                  int adminPort,
                                  int batchSize,
                                  Duration readBlock,
                                  Duration claimIdle,
                                  List<Duration> windows,
                                  Duration maxLateness,
                                  int maxSeriesPerMetric,
                                  FaultInjection faultInjection,
                                  String consumerName,
                                  ConsumerGroupSettings.Runtime runtime,
                                  Duration shutdownGrace) {
    public MetricsWorkerConfig {
        Objects.requireNonNull(redis, "redis");
        Objects.requireNonNull(streams, "streams");
        Objects.requireNonNull(databaseUrl, "databaseUrl");
        Objects.requireNonNull(databaseUser, "databaseUser");
        Objects.requireNonNull(databasePassword, "databasePassword");
        Objects.requireNonNull(databaseSchema, "databaseSchema");
        Objects.requireNonNull(databaseConnectTimeout, "databaseConnectTimeout");
        Objects.requireNonNull(readBlock, "readBlock");
        Objects.requireNonNull(claimIdle, "claimIdle");
        windows = List.copyOf(windows);
        Objects.requireNonNull(maxLateness, "maxLateness");
        Objects.requireNonNull(faultInjection, "faultInjection");
        Objects.requireNonNull(consumerName, "consumerName");
        Objects.requireNonNull(runtime, "runtime");
        Objects.requireNonNull(shutdownGrace, "shutdownGrace");
        if (windows.isEmpty()) {
            throw new IllegalArgumentException("at least one window size is needed");
        }
    }

    public static MetricsWorkerConfig from(Config config) {
        CommonSettings.refuseShards(config, "metrics-worker");
        return new MetricsWorkerConfig(
                CommonSettings.redisEndpoint(config),
                CommonSettings.streamNames(config),
                config.get(MetricsWorkerSettings.DATABASE_URL),
                config.get(MetricsWorkerSettings.DATABASE_USER),
                config.get(MetricsWorkerSettings.DATABASE_PASSWORD),
                config.get(MetricsWorkerSettings.DATABASE_SCHEMA),
                config.get(MetricsWorkerSettings.DATABASE_POOL_SIZE),
                config.get(MetricsWorkerSettings.DATABASE_CONNECT_TIMEOUT),
                config.get(MetricsWorkerSettings.ADMIN_PORT),
                config.get(MetricsWorkerSettings.BATCH_SIZE),
                config.get(MetricsWorkerSettings.BLOCK_TIME),
                Duration.ofMillis(config.get(ConsumerGroupSettings.CLAIM_IDLE_MS)),
                config.get(MetricsWorkerSettings.WINDOWS),
                config.get(MetricsWorkerSettings.MAX_LATENESS),
                config.get(MetricsWorkerSettings.MAX_SERIES_PER_METRIC),
                config.get(MetricsWorkerSettings.FAULT_INJECTION),
                ConsumerGroupSettings.consumerName(config),
                ConsumerGroupSettings.Runtime.from(config),
                config.get(CommonSettings.SHUTDOWN_GRACE));
    }

    public MetricsWorkerConfig withAdminPort(int port) {
        return new MetricsWorkerConfig(redis, streams, databaseUrl, databaseUser, databasePassword,
                databaseSchema, databasePoolSize, databaseConnectTimeout, port, batchSize, readBlock, claimIdle, windows, maxLateness,
                maxSeriesPerMetric, faultInjection, consumerName, runtime, shutdownGrace);
    }

    public MetricsWorkerConfig withConsumerName(String name) {
        return new MetricsWorkerConfig(redis, streams, databaseUrl, databaseUser, databasePassword,
                databaseSchema, databasePoolSize, databaseConnectTimeout, adminPort, batchSize, readBlock, claimIdle, windows, maxLateness,
                maxSeriesPerMetric, faultInjection, name, runtime, shutdownGrace);
    }

    public MetricsWorkerConfig withClaimIdle(Duration idle) {
        return new MetricsWorkerConfig(redis, streams, databaseUrl, databaseUser, databasePassword,
                databaseSchema, databasePoolSize, databaseConnectTimeout, adminPort, batchSize, readBlock, idle, windows, maxLateness,
                maxSeriesPerMetric, faultInjection, consumerName, runtime, shutdownGrace);
    }

    /** The defaults of the stream runtime's settings (tests that build a config by hand). */
    public static ConsumerGroupSettings.Runtime defaultRuntime() {
        return ConsumerGroupSettings.Runtime.from(MetricsWorkerSettings.DEFINITION.parse(java.util.Map.of()));
    }
}
