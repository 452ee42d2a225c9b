package io.killkrill.logworker;

import io.killkrill.config.CommonSettings;
import io.killkrill.config.ConfigDef;
import io.killkrill.config.Setting;
import io.killkrill.config.SettingType;

import java.net.URI;

/** The log-worker's settings, declared once. */
public final class LogWorkerSettings {
    public static final Setting<URI> ELASTICSEARCH_URL = Setting.of("KILLKRILL_ELASTICSEARCH_URL",
            SettingType.uri("http", "https"), "http://localhost:9200", "Elasticsearch to index into.");
    public static final Setting<Integer> ADMIN_PORT = Setting.of("KILLKRILL_LOG_WORKER_ADMIN_PORT",
            SettingType.port(), "8081", "Health and /metrics port of the log-worker.");

    public static final ConfigDef DEFINITION = ConfigDef.of("log-worker", CommonSettings.ALL,
            ELASTICSEARCH_URL, ADMIN_PORT);

    private LogWorkerSettings() {
    }
}
