package io.killkrill.receivers;

import io.killkrill.config.CommonSettings;
import io.killkrill.config.ConfigDef;
import io.killkrill.config.Setting;
import io.killkrill.config.SettingType;

/** The receivers' settings, declared once. */
public final class ReceiversSettings {
    public static final Setting<Integer> HTTP_PORT = Setting.of("KILLKRILL_HTTP_PORT", SettingType.port(), "8080",
            "HTTP ingestion, health and /metrics port.");
    public static final Setting<Integer> SYSLOG_PORT = Setting.of("KILLKRILL_SYSLOG_PORT", SettingType.port(),
            "5514", "Syslog port, UDP and TCP.");

    public static final ConfigDef DEFINITION = ConfigDef.of("receivers", CommonSettings.ALL,
            HTTP_PORT, SYSLOG_PORT);

    private ReceiversSettings() {
    }
}
