package io.killkrill.metricsworker;

import io.killkrill.config.CommonSettings;
import io.killkrill.config.ConfigDef;
import io.killkrill.config.Setting;
import io.killkrill.config.SettingType;

/** The metrics-worker's settings, declared once. */
public final class MetricsWorkerSettings {
    public static final Setting<String> DATABASE_URL = Setting.of("KILLKRILL_DATABASE_URL",
            SettingType.jdbcPostgres(), "jdbc:postgresql://localhost:5432/killkrill",
            "PostgreSQL holding the aggregates.");
    public static final Setting<String> DATABASE_USER = Setting.of("KILLKRILL_DATABASE_USER",
            SettingType.string(), "killkrill", "PostgreSQL user.");
    public static final Setting<String> DATABASE_PASSWORD = Setting.of("KILLKRILL_DATABASE_PASSWORD",
            SettingType.string(), "killkrill", "PostgreSQL password.").asSecret();
    public static final Setting<Integer> ADMIN_PORT = Setting.of("KILLKRILL_METRICS_WORKER_ADMIN_PORT",
            SettingType.port(), "8082", "Health, /metrics and /api/v1/aggregates port of the metrics-worker.");

    public static final ConfigDef DEFINITION = ConfigDef.of("metrics-worker", CommonSettings.ALL,
            DATABASE_URL, DATABASE_USER, DATABASE_PASSWORD, ADMIN_PORT);

    private MetricsWorkerSettings() {
    }
}
