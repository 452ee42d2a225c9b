package io.killkrill.metricsworker;

import io.killkrill.config.CommonSettings;
import io.killkrill.config.ConfigDef;
import io.killkrill.config.ConsumerGroupSettings;
import io.killkrill.config.Setting;
import io.killkrill.config.SettingType;

import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/** The metrics-worker's settings, declared once. */
public final class MetricsWorkerSettings {
    public static final Setting<String> DATABASE_URL = Setting.of("KILLKRILL_DATABASE_URL",
            SettingType.jdbcPostgres(), "jdbc:postgresql://localhost:5432/killkrill",
            "PostgreSQL holding the aggregates.");
    public static final Setting<String> DATABASE_USER = Setting.of("KILLKRILL_DATABASE_USER",
            SettingType.string(), "killkrill", "PostgreSQL user.");
    public static final Setting<String> DATABASE_PASSWORD = Setting.of("KILLKRILL_DATABASE_PASSWORD",
            SettingType.string(), "killkrill", "PostgreSQL password.").asSecret();
    public static final Setting<String> DATABASE_SCHEMA = Setting.of("KILLKRILL_DATABASE_SCHEMA",
            SettingType.matching("[a-z_][a-z0-9_]{0,62}", "a lower-case PostgreSQL identifier"), "public",
            "PostgreSQL schema of the aggregate tables; created and migrated by Flyway at start-up.");
    public static final Setting<Integer> DATABASE_POOL_SIZE = Setting.of("KILLKRILL_DATABASE_POOL_SIZE",
            SettingType.integer(1, 64), "4", "Maximum PostgreSQL connections (HikariCP pool), plus one per stream shard beyond the first"
                    + " (KILLKRILL_STREAM_SHARDS: a transaction at a time each).");
    public static final Setting<Duration> DATABASE_CONNECT_TIMEOUT = Setting.of("KILLKRILL_DATABASE_CONNECT_TIMEOUT",
            SettingType.duration(Duration.ofMillis(250), Duration.ofMinutes(1)), "5s",
            "How long the worker waits for a PostgreSQL connection from the pool (HikariCP connectionTimeout) "
                    + "before a write, or the start-up migration, fails.");
    public static final Setting<Integer> ADMIN_PORT = Setting.of("KILLKRILL_METRICS_WORKER_ADMIN_PORT",
            SettingType.port(), "8082", "Health, /metrics and /api/v1/aggregates port of the metrics-worker.");
    public static final Setting<Integer> BATCH_SIZE = Setting.of("KILLKRILL_METRICS_WORKER_BATCH_SIZE",
            SettingType.integer(1, 100_000), "1000",
            "Stream entries read per XREADGROUP; each read batch is aggregated and committed in one transaction.")
            .withDeprecatedAlias("KILLKRILL_METRICS_BATCH_SIZE");
    public static final Setting<Duration> BLOCK_TIME = Setting.of("KILLKRILL_METRICS_WORKER_BLOCK_TIME",
            SettingType.duration(Duration.ofMillis(1), Duration.ofMinutes(1)), "1s",
            "How long XREADGROUP waits for new entries before the worker checks for idle pending ones.")
            .withDeprecatedAlias("KILLKRILL_METRICS_READ_BLOCK");
    public static final Setting<List<Duration>> WINDOWS = Setting.of("KILLKRILL_METRICS_WORKER_WINDOWS",
            windows(), "60s",
            "Tumbling window sizes, aligned to the epoch, comma-separated (e.g. 10s,1m,1h); whole seconds.")
            .withDeprecatedAlias("KILLKRILL_WINDOWS");
    public static final Setting<Duration> MAX_LATENESS = Setting.of("KILLKRILL_METRICS_WORKER_MAX_LATENESS",
            SettingType.duration(Duration.ofSeconds(1), Duration.ofDays(30)), "1h",
            "Samples with a timestamp older than now minus this are dead-lettered (too_late).")
            .withDeprecatedAlias("KILLKRILL_MAX_LATENESS");
    public static final Setting<Integer> MAX_SERIES_PER_METRIC = Setting.of(
            "KILLKRILL_METRICS_WORKER_MAX_SERIES_PER_METRIC", SettingType.integer(1, 10_000_000), "1000",
            "Maximum label sets per metric name; samples of further label sets are dead-lettered (cardinality_limit).")
            .withDeprecatedAlias("KILLKRILL_MAX_SERIES_PER_METRIC");
    public static final Setting<FaultInjection> FAULT_INJECTION = Setting.of("KILLKRILL_FAULT_INJECTION",
            SettingType.oneOf(FaultInjection.class), "none",
            "Test only: crash_after_commit halts the process right after a PostgreSQL commit, before XACK.");

    public static final ConfigDef DEFINITION = ConfigDef.of("metrics-worker", CommonSettings.ALL,
            ConsumerGroupSettings.ALL, DATABASE_URL, DATABASE_USER, DATABASE_PASSWORD, DATABASE_SCHEMA, DATABASE_POOL_SIZE,
            DATABASE_CONNECT_TIMEOUT, ADMIN_PORT,
            BATCH_SIZE, BLOCK_TIME, WINDOWS, MAX_LATENESS, MAX_SERIES_PER_METRIC, FAULT_INJECTION);

    /** Failures the worker can inject into itself so integration tests can prove its guarantees. */
    public enum FaultInjection { NONE, CRASH_AFTER_COMMIT }

    private MetricsWorkerSettings() {
    }

    private static SettingType<List<Duration>> windows() {
        SettingType<Duration> size = SettingType.duration(Duration.ofSeconds(1), Duration.ofDays(7));
        Pattern separator = Pattern.compile(",");
        return SettingType.of("a comma-separated list of whole-second durations such as 10s,1m,1h", text -> {
            List<Duration> sizes = separator.splitAsStream(text).map(String::trim).filter(s -> !s.isEmpty())
                    .map(size::parse).distinct().sorted().toList();
            if (sizes.isEmpty()) {
                throw new IllegalArgumentException("names no window");
            }
            for (Duration d : sizes) {
                if (d.toMillis() % 1000 != 0) {
                    throw new IllegalArgumentException("has a window that is not whole seconds");
                }
            }
            return sizes;
        });
    }
}
