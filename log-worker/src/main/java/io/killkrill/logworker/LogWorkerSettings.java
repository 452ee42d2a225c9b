package io.killkrill.logworker;

import io.killkrill.config.CommonSettings;
import io.killkrill.config.ConfigDef;
import io.killkrill.config.ConsumerGroupSettings;
import io.killkrill.config.Setting;
import io.killkrill.config.SettingType;

import java.net.URI;
import java.time.Duration;

/** The log-worker's settings, declared once. */
public final class LogWorkerSettings {
    public static final Setting<URI> ELASTICSEARCH_URL = Setting.of("KILLKRILL_ELASTICSEARCH_URL",
            SettingType.uri("http", "https"), "http://localhost:9200", "Elasticsearch to index into.");
    public static final Setting<Integer> ADMIN_PORT = Setting.of("KILLKRILL_LOG_WORKER_ADMIN_PORT",
            SettingType.port(), "8081", "Health and /metrics port of the log-worker.");
    public static final Setting<Integer> BATCH_SIZE = Setting.of("KILLKRILL_LOG_WORKER_BATCH_SIZE",
            SettingType.integer(1, 10_000), "1000",
            "Stream entries read per XREADGROUP and sent in one Elasticsearch bulk request.");
    public static final Setting<Duration> BLOCK_TIME = Setting.of("KILLKRILL_LOG_WORKER_BLOCK_TIME",
            SettingType.duration(Duration.ofMillis(10), Duration.ofSeconds(30)), "1s",
            "How long one XREADGROUP waits for new entries; also bounds how fast a shutdown is noticed.");
    public static final Setting<Integer> CONCURRENCY = Setting.of("KILLKRILL_LOG_WORKER_CONCURRENCY",
            SettingType.integer(1, 32), "2",
            "Consumer loops per process and stream shard, each a consumer of its own (<consumer name>-<n>) in the"
                    + " group.");
    public static final Setting<String> ENVIRONMENT = Setting.of("KILLKRILL_LOG_WORKER_ENVIRONMENT",
            SettingType.string(), "development", "Written into every document as 'environment'.")
            .withDeprecatedAlias("KILLKRILL_ENVIRONMENT");
    public static final Setting<String> ELASTICSEARCH_INDEX_PREFIX = Setting.of(
            "KILLKRILL_ELASTICSEARCH_INDEX_PREFIX",
            SettingType.matching("[a-z0-9][a-z0-9._-]{0,200}", "lower-case letters, digits and ._-"), "logs",
            "Documents go to <prefix>-YYYY.MM.DD, the day (UTC) the receivers received the event (its @timestamp"
                    + " stays the event time); the index template matches <prefix>-*.")
            .withDeprecatedAlias("KILLKRILL_ES_INDEX_PREFIX");
    public static final Setting<Duration> ELASTICSEARCH_REQUEST_TIMEOUT = Setting.of(
            "KILLKRILL_ELASTICSEARCH_REQUEST_TIMEOUT",
            SettingType.duration(Duration.ofMillis(100), Duration.ofMinutes(10)), "10s",
            "Connect and socket timeout of every Elasticsearch request; a slower answer counts as a failure"
                    + " and the request is retried.")
            .withDeprecatedAlias("KILLKRILL_ES_REQUEST_TIMEOUT");
    public static final Setting<Duration> ELASTICSEARCH_RETRY_DEADLINE = Setting.of(
            "KILLKRILL_ELASTICSEARCH_RETRY_DEADLINE",
            SettingType.duration(Duration.ofSeconds(1), Duration.ofDays(7)), "2h",
            "How long documents Elasticsearch pushes back on (429, 5xx, cluster_block_exception such as the"
                    + " flood-stage disk watermark) are retried, their entries pending, before they are"
                    + " dead-lettered (max_retries_exceeded). Whole-request outages are retried without limit.")
            .withDeprecatedAlias("KILLKRILL_ES_RETRY_DEADLINE");
    public static final Setting<Long> ELASTICSEARCH_MAX_BULK_BYTES = Setting.of(
            "KILLKRILL_ELASTICSEARCH_MAX_BULK_BYTES",
            SettingType.bytes(64 * 1024, 100L * 1024 * 1024), "20MiB",
            "Largest bulk request body; a batch above it is sent in several requests. Keep it below"
                    + " Elasticsearch's http.max_content_length (100mb by default). A document larger than this"
                    + " is dead-lettered (index_rejected) without being sent.")
            .withDeprecatedAlias("KILLKRILL_ES_MAX_BULK_BYTES");
    public static final Setting<Integer> ELASTICSEARCH_REPLICAS = Setting.of("KILLKRILL_ELASTICSEARCH_REPLICAS",
            SettingType.integer(0, 10), "1",
            "index.number_of_replicas of the indices the worker creates (set by its index template); 0 on a"
                    + " single-node cluster.")
            .withDeprecatedAlias("KILLKRILL_ES_REPLICAS");
    public static final Setting<Duration> ELASTICSEARCH_RETRY_INITIAL_BACKOFF = Setting.of(
            "KILLKRILL_ELASTICSEARCH_RETRY_INITIAL_BACKOFF",
            SettingType.duration(Duration.ofMillis(1), Duration.ofMinutes(1)), "200ms",
            "First retry delay; doubles each attempt, with 25% jitter, up to"
                    + " KILLKRILL_ELASTICSEARCH_RETRY_MAX_BACKOFF.")
            .withDeprecatedAlias("KILLKRILL_ES_RETRY_INITIAL_BACKOFF");
    public static final Setting<Duration> ELASTICSEARCH_RETRY_MAX_BACKOFF = Setting.of(
            "KILLKRILL_ELASTICSEARCH_RETRY_MAX_BACKOFF",
            SettingType.duration(Duration.ofMillis(10), Duration.ofMinutes(10)), "30s",
            "Longest retry delay, for documents and for whole requests during an outage.")
            .withDeprecatedAlias("KILLKRILL_ES_RETRY_MAX_BACKOFF");
    /** The common {@link CommonSettings#SHUTDOWN_GRACE}; its old name here is a deprecated alias. */
    public static final Setting<Duration> SHUTDOWN_GRACE = CommonSettings.SHUTDOWN_GRACE;

    public static final ConfigDef DEFINITION = ConfigDef.of("log-worker", CommonSettings.ALL,
            ConsumerGroupSettings.ALL, ELASTICSEARCH_URL, ADMIN_PORT, BATCH_SIZE, BLOCK_TIME, CONCURRENCY,
            ENVIRONMENT, ELASTICSEARCH_INDEX_PREFIX, ELASTICSEARCH_REQUEST_TIMEOUT, ELASTICSEARCH_RETRY_DEADLINE,
            ELASTICSEARCH_MAX_BULK_BYTES, ELASTICSEARCH_REPLICAS, ELASTICSEARCH_RETRY_INITIAL_BACKOFF,
            ELASTICSEARCH_RETRY_MAX_BACKOFF)
            .withDeprecatedAlias(CommonSettings.SHUTDOWN_GRACE, "KILLKRILL_LOG_WORKER_SHUTDOWN_GRACE");

    private LogWorkerSettings() {
    }
}
