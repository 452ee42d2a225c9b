package io.killkrill.config;

import java.util.List;

/** Settings every KillKrill service reads: where Redis is and what the streams are called. */
public final class CommonSettings {
    private static final String STREAM_KEY = "[A-Za-z0-9:._{}-]{1,200}";
    private static final String STREAM_KEY_DOC = "a Redis key of letters, digits and :._{}-";

    public static final Setting<java.net.URI> REDIS_URL = Setting.of("KILLKRILL_REDIS_URL",
            SettingType.uri("redis", "rediss"), "redis://localhost:6379",
            "Redis holding the streams; redis://[:password@]host:port[/db], rediss:// for TLS.");
    public static final Setting<String> LOGS_STREAM = Setting.of("KILLKRILL_LOGS_STREAM",
            SettingType.matching(STREAM_KEY, STREAM_KEY_DOC), "logs-stream", "Stream of log events.");
    public static final Setting<String> METRICS_STREAM = Setting.of("KILLKRILL_METRICS_STREAM",
            SettingType.matching(STREAM_KEY, STREAM_KEY_DOC), "metrics-stream", "Stream of metric samples.");
    public static final Setting<String> LOGS_DLQ = Setting.of("KILLKRILL_LOGS_DLQ",
            SettingType.matching(STREAM_KEY, STREAM_KEY_DOC), "logs-dlq", "Dead-letter stream for logs.");
    public static final Setting<String> METRICS_DLQ = Setting.of("KILLKRILL_METRICS_DLQ",
            SettingType.matching(STREAM_KEY, STREAM_KEY_DOC), "metrics-dlq", "Dead-letter stream for metrics.");
    public static final Setting<String> LOG_GROUP = Setting.of("KILLKRILL_LOG_GROUP",
            SettingType.matching(STREAM_KEY, STREAM_KEY_DOC), "log-workers", "Consumer group of the log-workers.");
    public static final Setting<String> METRICS_GROUP = Setting.of("KILLKRILL_METRICS_GROUP",
            SettingType.matching(STREAM_KEY, STREAM_KEY_DOC), "metrics-workers",
            "Consumer group of the metrics-workers.");
    public static final Setting<LogFormat> LOG_FORMAT = Setting.of("KILLKRILL_LOG_FORMAT",
            SettingType.of("plain or json (lower case)", CommonSettings::logFormat), "plain",
            "Log output on stdout: plain text or JSON lines.");

    public static final Setting<java.time.Duration> SHUTDOWN_GRACE = Setting.of("KILLKRILL_SHUTDOWN_GRACE",
            SettingType.duration(java.time.Duration.ZERO, java.time.Duration.ofMinutes(10)), "10s",
            "On SIGTERM, how long the service may take to finish what it holds before it is released: the receivers"
                    + " read syslog TCP/TLS connections until their client closes and answer RELP sessions; the"
                    + " workers finish and acknowledge the batch in flight (after the grace it is abandoned"
                    + " unacknowledged and another worker claims it). Keep it below the supervisor's kill timeout.");
    public static final Setting<java.time.Duration> STARTUP_TIMEOUT = Setting.of("KILLKRILL_STARTUP_TIMEOUT",
            SettingType.duration(java.time.Duration.ofSeconds(1), java.time.Duration.ofDays(1)), "5m",
            "How long a started service may stay not ready (a store it needs unreachable) before it gives up and"
                    + " exits with status 1 naming the failing check. Once ready, an outage never stops a service.");

    /** The common settings, in documentation order. */
    public static final List<Setting<?>> ALL = List.of(REDIS_URL, LOGS_STREAM, METRICS_STREAM, LOGS_DLQ,
            METRICS_DLQ, LOG_GROUP, METRICS_GROUP, LOG_FORMAT, SHUTDOWN_GRACE, STARTUP_TIMEOUT);

    public enum LogFormat { PLAIN, JSON }

    /** Exactly {@code plain} or {@code json}: the value also names the logback appender. */
    private static LogFormat logFormat(String text) {
        return switch (text) {
            case "plain" -> LogFormat.PLAIN;
            case "json" -> LogFormat.JSON;
            default -> throw new IllegalArgumentException("is not plain or json");
        };
    }

    private CommonSettings() {
    }

    public static StreamNames streamNames(Config config) {
        return new StreamNames(config.get(LOGS_STREAM), config.get(METRICS_STREAM), config.get(LOGS_DLQ),
                config.get(METRICS_DLQ), config.get(LOG_GROUP), config.get(METRICS_GROUP));
    }
}
