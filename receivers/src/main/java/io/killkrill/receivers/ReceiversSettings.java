package io.killkrill.receivers;

import io.killkrill.config.CommonSettings;
import io.killkrill.config.ConfigDef;
import io.killkrill.config.ConfigException;
import io.killkrill.config.Setting;
import io.killkrill.config.SettingType;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The receivers' settings, declared once. */
public final class ReceiversSettings {
    public static final Setting<Integer> HTTP_PORT = Setting.of("KILLKRILL_HTTP_PORT", SettingType.port(), "8080",
            "HTTP ingestion, health and /metrics port.");
    public static final Setting<Integer> SYSLOG_PORT = Setting.of("KILLKRILL_SYSLOG_PORT", SettingType.port(),
            "5514", "Syslog port, UDP and TCP.");
    public static final Setting<Boolean> SYSLOG_UDP = Setting.of("KILLKRILL_SYSLOG_UDP", SettingType.bool(),
            "true", "Whether syslog is also received over UDP on KILLKRILL_SYSLOG_PORT (TCP always is).");
    public static final Setting<Integer> SYSLOG_TLS_PORT = Setting.optional("KILLKRILL_SYSLOG_TLS_PORT",
            SettingType.port(), "Syslog over TLS (RFC 5425) port; unset disables TLS. Needs "
                    + "KILLKRILL_SYSLOG_TLS_CERT and KILLKRILL_SYSLOG_TLS_KEY.");
    public static final Setting<String> SYSLOG_TLS_CERT = Setting.optional("KILLKRILL_SYSLOG_TLS_CERT",
            SettingType.string(), "PEM file of the syslog TLS server certificate (chain).");
    public static final Setting<String> SYSLOG_TLS_KEY = Setting.optional("KILLKRILL_SYSLOG_TLS_KEY",
            SettingType.string(), "PEM file of the syslog TLS private key (PKCS#8).");
    public static final Setting<Long> SYSLOG_MAX_MESSAGE_BYTES = Setting.of("KILLKRILL_SYSLOG_MAX_MESSAGE_BYTES",
            SettingType.bytes(480, 16L * 1024 * 1024), "64KiB",
            "Longest syslog message accepted; longer ones are dead-lettered as message_too_large, "
                    + "their raw bytes truncated to this size.");
    public static final Setting<Integer> RELP_PORT = Setting.optional("KILLKRILL_RELP_PORT", SettingType.port(),
            "RELP (rsyslog omrelp, librelp) port; unset disables RELP. Each syslog frame is answered once Redis "
                    + "stored it; frames are limited to KILLKRILL_SYSLOG_MAX_MESSAGE_BYTES of data.");
    public static final Setting<Boolean> RELP_TLS = Setting.of("KILLKRILL_RELP_TLS", SettingType.bool(), "false",
            "Whether the RELP listener speaks TLS, with KILLKRILL_SYSLOG_TLS_CERT and KILLKRILL_SYSLOG_TLS_KEY.");
    /** The common {@link CommonSettings#SHUTDOWN_GRACE}; its old name here is a deprecated alias. */
    public static final Setting<Duration> SHUTDOWN_GRACE = CommonSettings.SHUTDOWN_GRACE;
    public static final Setting<Long> HTTP_MAX_BODY_BYTES = Setting.of("KILLKRILL_HTTP_MAX_BODY_BYTES",
            SettingType.bytes(1024, 1024L * 1024 * 1024), "10MiB",
            "Largest HTTP body, both as sent and after gzip decompression; larger bodies get 413.");
    public static final Setting<Integer> HTTP_MAX_ITEMS = Setting.of("KILLKRILL_HTTP_MAX_ITEMS",
            SettingType.integer(1, 1_000_000), "10000", "Most items (events or samples) in one HTTP request; "
                    + "more get 413.");
    public static final Setting<Integer> MAX_BACKLOG = Setting.of("KILLKRILL_RECEIVERS_MAX_BACKLOG",
            SettingType.integer(1, Integer.MAX_VALUE), "1000000",
            "Backlog of a stream (entries its consumer group has not acknowledged, or its length when there is "
                    + "no group) above which HTTP ingestion answers 429 and syslog TCP stops reading.")
            .withDeprecatedAlias("KILLKRILL_MAX_BACKLOG");
    /** Shortest API key accepted (characters). */
    public static final int MIN_API_KEY_LENGTH = 16;
    public static final Setting<List<String>> HTTP_API_KEYS = Setting.optional("KILLKRILL_HTTP_API_KEYS", apiKeys(),
            "Comma-separated API keys; when set, the ingestion endpoints require "
                    + "'Authorization: Bearer <key>' or 'X-API-Key: <key>'. Unset means no authentication; a value "
                    + "that holds no key (',', ' ') is refused at start-up rather than read as 'no key'.").asSecret()
            .withDeprecatedAlias("KILLKRILL_API_KEYS");
    public static final Setting<Long> HTTP_MEMORY_BUDGET = Setting.of("KILLKRILL_HTTP_MEMORY_BUDGET",
            SettingType.bytes(1024L * 1024, 64L * 1024 * 1024 * 1024), "128MiB",
            "Heap that HTTP request bodies and the items decoded from them may hold at once, all requests "
                    + "together (a body byte counts 5 bytes, once inflated, and an item 1 KiB more); a request "
                    + "that finds no room gets 503 with Retry-After. The default suits the shipped heap "
                    + "(-Xmx176m, deploy/jvm/receivers.options).");
    public static final Setting<Duration> HTTP_BODY_TIMEOUT = Setting.of("KILLKRILL_HTTP_BODY_TIMEOUT",
            SettingType.duration(Duration.ofMillis(100), Duration.ofHours(1)), "60s",
            "Time from a request's headers to the end of its body; a body not complete by then gets 408 and "
                    + "the connection is closed.");
    public static final Setting<Duration> HTTP_IDLE_TIMEOUT = Setting.of("KILLKRILL_HTTP_IDLE_TIMEOUT",
            SettingType.duration(Duration.ofMillis(100), Duration.ofHours(1)), "60s",
            "An HTTP connection with no request in progress (one whose headers are not complete included) is "
                    + "closed after this long.");

    public static final Setting<Long> SYSLOG_UDP_RECEIVE_BUFFER = Setting.of("KILLKRILL_SYSLOG_UDP_RECEIVE_BUFFER",
            SettingType.bytes(64 * 1024, 1024L * 1024 * 1024), "4MiB",
            "Receive buffer (SO_RCVBUF) of the syslog UDP socket: what a burst can queue in the kernel before it "
                    + "drops datagrams (counted in killkrill_receivers_udp_kernel_drops_total). Linux caps it "
                    + "at net.core.rmem_max; the receivers log a warning when they got less.");
    public static final Setting<Duration> HTTP_IDEMPOTENCY_TTL = Setting.of("KILLKRILL_HTTP_IDEMPOTENCY_TTL",
            SettingType.duration(Duration.ofMinutes(1), Duration.ofDays(30)), "24h",
            "How long the answer to an HTTP request with an Idempotency-Key is kept in Redis: a repeat within it "
                    + "stores nothing and gets the same answer (with Idempotent-Replayed: true).")
            .withDeprecatedAlias("KILLKRILL_IDEMPOTENCY_TTL");

    public static final ConfigDef DEFINITION = ConfigDef.of("receivers", CommonSettings.ALL,
            HTTP_PORT, SYSLOG_PORT, SYSLOG_UDP, SYSLOG_TLS_PORT, SYSLOG_TLS_CERT, SYSLOG_TLS_KEY,
            SYSLOG_MAX_MESSAGE_BYTES, RELP_PORT, RELP_TLS, HTTP_MAX_BODY_BYTES, HTTP_MAX_ITEMS,
            MAX_BACKLOG, HTTP_API_KEYS, SYSLOG_UDP_RECEIVE_BUFFER, HTTP_IDEMPOTENCY_TTL,
            HTTP_MEMORY_BUDGET, HTTP_BODY_TIMEOUT, HTTP_IDLE_TIMEOUT)
            .withDeprecatedAlias(CommonSettings.SHUTDOWN_GRACE, "KILLKRILL_RECEIVERS_SHUTDOWN_GRACE");

    private ReceiversSettings() {
    }

    /**
     * An empty {@code KILLKRILL_HTTP_API_KEYS=} (or its deprecated alias) counts as set: the configuration otherwise
     * treats an empty value as unset, which here would turn authentication off (e.g.
     * {@code KILLKRILL_HTTP_API_KEYS=$KEYS} with KEYS unset).
     */
    public static void refuseEmptyApiKeys(Map<String, String> environment) {
        List<String> names = new ArrayList<>(List.of(HTTP_API_KEYS.key()));
        names.addAll(HTTP_API_KEYS.deprecatedAliases());
        for (String name : names) {
            String value = environment.get(name);
            if (value != null && value.isEmpty()) {
                throw new ConfigException(List.of(name + "='' holds no key: expected "
                        + HTTP_API_KEYS.type().expects()));
            }
        }
    }

    /** At least one key, each of at least {@link #MIN_API_KEY_LENGTH} characters; blanks between commas dropped. */
    private static SettingType<List<String>> apiKeys() {
        SettingType<List<String>> list = SettingType.list();
        return SettingType.of("a comma-separated list of at least one key of at least " + MIN_API_KEY_LENGTH
                + " characters (leave the variable unset for no authentication)", text -> {
            List<String> keys = list.parse(text);
            if (keys.isEmpty()) {
                throw new IllegalArgumentException("holds no key");
            }
            long shortKeys = keys.stream().filter(k -> k.length() < MIN_API_KEY_LENGTH).count();
            if (shortKeys > 0) {
                throw new IllegalArgumentException("holds " + shortKeys + " key(s) shorter than "
                        + MIN_API_KEY_LENGTH + " characters");
            }
            return keys;
        });
    }
}
