package io.killkrill.receivers;

import io.killkrill.config.CommonSettings;
import io.killkrill.config.Config;
import io.killkrill.config.ConfigException;
import io.killkrill.config.StreamNames;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The receivers' effective configuration. Port 0 binds an ephemeral port (tests); {@link Receivers#start}
 * reports the bound ones.
 */
public record ReceiversConfig(URI redisUri, StreamNames streams, int httpPort, int syslogPort, boolean syslogUdp,
                              Optional<SyslogTls> syslogTls, int syslogMaxMessageBytes, long httpMaxBodyBytes,
                              int httpMaxItems, long maxBacklog, List<String> apiKeys, HttpBounds httpBounds) {

    /** How much the HTTP receiver holds at once, and for how long. */
    public record HttpBounds(long memoryBudgetBytes, Duration bodyTimeout, Duration idleTimeout) {
        public static final HttpBounds DEFAULTS = new HttpBounds(128L * 1024 * 1024, Duration.ofSeconds(60),
                Duration.ofSeconds(60));

        public HttpBounds {
            Objects.requireNonNull(bodyTimeout, "bodyTimeout");
            Objects.requireNonNull(idleTimeout, "idleTimeout");
        }
    }

    /** TLS syslog listener: port and PEM files. */
    public record SyslogTls(int port, Path certificate, Path privateKey) {
    }

    public ReceiversConfig {
        Objects.requireNonNull(redisUri, "redisUri");
        Objects.requireNonNull(streams, "streams");
        Objects.requireNonNull(syslogTls, "syslogTls");
        apiKeys = List.copyOf(apiKeys);
        Objects.requireNonNull(httpBounds, "httpBounds");
    }

    public static ReceiversConfig from(Config config) {
        Optional<Integer> tlsPort = config.optional(ReceiversSettings.SYSLOG_TLS_PORT);
        Optional<SyslogTls> tls = Optional.empty();
        if (tlsPort.isPresent()) {
            Optional<String> cert = config.optional(ReceiversSettings.SYSLOG_TLS_CERT);
            Optional<String> key = config.optional(ReceiversSettings.SYSLOG_TLS_KEY);
            if (cert.isEmpty() || key.isEmpty()) {
                throw new ConfigException(List.of(ReceiversSettings.SYSLOG_TLS_PORT.key() + " is set: expected "
                        + ReceiversSettings.SYSLOG_TLS_CERT.key() + " and " + ReceiversSettings.SYSLOG_TLS_KEY.key()
                        + " to name PEM files"));
            }
            tls = Optional.of(new SyslogTls(tlsPort.get(), Path.of(cert.get()), Path.of(key.get())));
        }
        return new ReceiversConfig(config.get(CommonSettings.REDIS_URL), CommonSettings.streamNames(config),
                config.get(ReceiversSettings.HTTP_PORT), config.get(ReceiversSettings.SYSLOG_PORT),
                config.get(ReceiversSettings.SYSLOG_UDP), tls,
                Math.toIntExact(config.get(ReceiversSettings.SYSLOG_MAX_MESSAGE_BYTES)),
                config.get(ReceiversSettings.HTTP_MAX_BODY_BYTES), config.get(ReceiversSettings.HTTP_MAX_ITEMS),
                config.get(ReceiversSettings.MAX_BACKLOG),
                config.optional(ReceiversSettings.API_KEYS).orElse(List.of()),
                new HttpBounds(config.get(ReceiversSettings.HTTP_MEMORY_BUDGET),
                        config.get(ReceiversSettings.HTTP_BODY_TIMEOUT), config.get(ReceiversSettings.HTTP_IDLE_TIMEOUT)));
    }

    /** Defaults for tests: ephemeral ports, everything else as documented. */
    public static ReceiversConfig forTest(URI redisUri, StreamNames streams) {
        return new ReceiversConfig(redisUri, streams, 0, 0, true, Optional.empty(), 64 * 1024,
                10L * 1024 * 1024, 10_000, 1_000_000, List.of(), HttpBounds.DEFAULTS);
    }

    public ReceiversConfig withApiKeys(List<String> keys) {
        return new ReceiversConfig(redisUri, streams, httpPort, syslogPort, syslogUdp, syslogTls,
                syslogMaxMessageBytes, httpMaxBodyBytes, httpMaxItems, maxBacklog, keys, httpBounds);
    }

    public ReceiversConfig withLimits(long maxBodyBytes, int maxItems, int maxSyslogMessageBytes, long backlog) {
        return new ReceiversConfig(redisUri, streams, httpPort, syslogPort, syslogUdp, syslogTls,
                maxSyslogMessageBytes, maxBodyBytes, maxItems, backlog, apiKeys, httpBounds);
    }

    public ReceiversConfig withSyslogTls(SyslogTls tls) {
        return new ReceiversConfig(redisUri, streams, httpPort, syslogPort, syslogUdp, Optional.of(tls),
                syslogMaxMessageBytes, httpMaxBodyBytes, httpMaxItems, maxBacklog, apiKeys, httpBounds);
    }

    public ReceiversConfig withHttpBounds(HttpBounds bounds) {
        return new ReceiversConfig(redisUri, streams, httpPort, syslogPort, syslogUdp, syslogTls,
                syslogMaxMessageBytes, httpMaxBodyBytes, httpMaxItems, maxBacklog, apiKeys, bounds);
    }
}
