package io.killkrill.receivers;

import io.killkrill.config.CommonSettings;
import io.killkrill.config.Config;
import io.killkrill.config.ConfigException;
import io.killkrill.config.RedisEndpoint;
import io.killkrill.config.StreamNames;
import io.killkrill.config.ReplicaAcks;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The receivers' effective configuration. Port 0 binds an ephemeral port (tests); {@link Receivers#start}
 * reports the bound ones.
 */
public record ReceiversConfig(RedisEndpoint redis, StreamNames streams, int httpPort, int syslogPort, boolean syslogUdp,
                              Optional<SyslogTls> syslogTls, Optional<Relp> relp, int syslogMaxMessageBytes,
                              long httpMaxBodyBytes, int httpMaxItems, long maxBacklog, List<String> apiKeys,
                              Duration shutdownGrace,
                              int udpReceiveBuffer, Duration idempotencyTtl, HttpBounds httpBounds,
                              ReplicaAcks replicaAcks) {

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

    /** The RELP listener: port, and the PEM files when it speaks TLS. */
    public record Relp(int port, Optional<Pem> tls) {
        public Relp {
            Objects.requireNonNull(tls, "tls");
        }
    }

    /** A PEM certificate chain and its PKCS#8 PEM private key. */
    public record Pem(Path certificate, Path privateKey) {
    }

    public ReceiversConfig {
        Objects.requireNonNull(redis, "redis");
        Objects.requireNonNull(streams, "streams");
        Objects.requireNonNull(syslogTls, "syslogTls");
        Objects.requireNonNull(relp, "relp");
        Objects.requireNonNull(shutdownGrace, "shutdownGrace");
        Objects.requireNonNull(idempotencyTtl, "idempotencyTtl");
        apiKeys = List.copyOf(apiKeys);
        Objects.requireNonNull(httpBounds, "httpBounds");
        Objects.requireNonNull(replicaAcks, "replicaAcks");
    }

    public static ReceiversConfig from(Config config) {
        List<String> problems = new ArrayList<>();
        Optional<String> cert = config.optional(ReceiversSettings.SYSLOG_TLS_CERT);
        Optional<String> key = config.optional(ReceiversSettings.SYSLOG_TLS_KEY);
        Optional<Pem> pem = cert.isPresent() && key.isPresent()
                ? Optional.of(new Pem(Path.of(cert.get()), Path.of(key.get()))) : Optional.empty();
        Optional<Integer> tlsPort = config.optional(ReceiversSettings.SYSLOG_TLS_PORT);
        Optional<SyslogTls> tls = Optional.empty();
        if (tlsPort.isPresent()) {
            if (pem.isEmpty()) {
                problems.add(needsPem(ReceiversSettings.SYSLOG_TLS_PORT.key() + " is set"));
            } else {
                tls = Optional.of(new SyslogTls(tlsPort.get(), pem.get().certificate(), pem.get().privateKey()));
            }
        }
        Optional<Integer> relpPort = config.optional(ReceiversSettings.RELP_PORT);
        boolean relpTls = config.get(ReceiversSettings.RELP_TLS);
        Optional<Relp> relp = Optional.empty();
        if (relpPort.isPresent()) {
            if (relpTls && pem.isEmpty()) {
                problems.add(needsPem(ReceiversSettings.RELP_TLS.key() + " is true"));
            } else {
                relp = Optional.of(new Relp(relpPort.get(), relpTls ? pem : Optional.empty()));
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new ReceiversConfig(CommonSettings.redisEndpoint(config), CommonSettings.streamNames(config),
                config.get(ReceiversSettings.HTTP_PORT), config.get(ReceiversSettings.SYSLOG_PORT),
                config.get(ReceiversSettings.SYSLOG_UDP), tls, relp,
                Math.toIntExact(config.get(ReceiversSettings.SYSLOG_MAX_MESSAGE_BYTES)),
                config.get(ReceiversSettings.HTTP_MAX_BODY_BYTES), config.get(ReceiversSettings.HTTP_MAX_ITEMS),
                config.get(ReceiversSettings.MAX_BACKLOG),
                config.optional(ReceiversSettings.HTTP_API_KEYS).orElse(List.of()),
                config.get(ReceiversSettings.SHUTDOWN_GRACE),
                Math.toIntExact(config.get(ReceiversSettings.SYSLOG_UDP_RECEIVE_BUFFER)),
                config.get(ReceiversSettings.HTTP_IDEMPOTENCY_TTL),
                new HttpBounds(config.get(ReceiversSettings.HTTP_MEMORY_BUDGET),
                        config.get(ReceiversSettings.HTTP_BODY_TIMEOUT), config.get(ReceiversSettings.HTTP_IDLE_TIMEOUT)),
                CommonSettings.replicaAcks(config));
    }

    private static String needsPem(String why) {
        return why + ": expected " + ReceiversSettings.SYSLOG_TLS_CERT.key() + " and "
                + ReceiversSettings.SYSLOG_TLS_KEY.key() + " to name PEM files";
    }

    /** Defaults for tests: ephemeral ports, RELP off, a 2 s shutdown grace, everything else as documented. */
    public static ReceiversConfig forTest(URI redisUri, StreamNames streams) {
        return new ReceiversConfig(new RedisEndpoint.Standalone(redisUri), streams, 0, 0, true, Optional.empty(), Optional.empty(), 64 * 1024,
                10L * 1024 * 1024, 10_000, 1_000_000, List.of(), Duration.ofSeconds(2),
                4 * 1024 * 1024, Duration.ofHours(24), HttpBounds.DEFAULTS, ReplicaAcks.NONE);
    }

    public ReceiversConfig withApiKeys(List<String> keys) {
        return new ReceiversConfig(redis, streams, httpPort, syslogPort, syslogUdp, syslogTls, relp,
                syslogMaxMessageBytes, httpMaxBodyBytes, httpMaxItems, maxBacklog, keys, shutdownGrace, udpReceiveBuffer,
                idempotencyTtl, httpBounds, replicaAcks);
    }

    public ReceiversConfig withLimits(long maxBodyBytes, int maxItems, int maxSyslogMessageBytes, long backlog) {
        return new ReceiversConfig(redis, streams, httpPort, syslogPort, syslogUdp, syslogTls, relp,
                maxSyslogMessageBytes, maxBodyBytes, maxItems, backlog, apiKeys, shutdownGrace, udpReceiveBuffer,
                idempotencyTtl, httpBounds, replicaAcks);
    }

    public ReceiversConfig withSyslogTls(SyslogTls tls) {
        return new ReceiversConfig(redis, streams, httpPort, syslogPort, syslogUdp, Optional.of(tls), relp,
                syslogMaxMessageBytes, httpMaxBodyBytes, httpMaxItems, maxBacklog, apiKeys, shutdownGrace, udpReceiveBuffer,
                idempotencyTtl, httpBounds, replicaAcks);
    }

    public ReceiversConfig withRelp(Relp relpListener) {
        return new ReceiversConfig(redis, streams, httpPort, syslogPort, syslogUdp, syslogTls,
                Optional.of(relpListener), syslogMaxMessageBytes, httpMaxBodyBytes, httpMaxItems, maxBacklog, apiKeys,
                shutdownGrace, udpReceiveBuffer, idempotencyTtl,
                httpBounds, replicaAcks);
    }

    public ReceiversConfig withShutdownGrace(Duration grace) {
        return new ReceiversConfig(redis, streams, httpPort, syslogPort, syslogUdp, syslogTls, relp,
                syslogMaxMessageBytes, httpMaxBodyBytes, httpMaxItems, maxBacklog, apiKeys, grace, udpReceiveBuffer,
                idempotencyTtl, httpBounds, replicaAcks);
    }

    public ReceiversConfig withUdpReceiveBuffer(int bytes) {
        return new ReceiversConfig(redis, streams, httpPort, syslogPort, syslogUdp, syslogTls, relp,
                syslogMaxMessageBytes, httpMaxBodyBytes, httpMaxItems, maxBacklog, apiKeys, shutdownGrace, bytes,
                idempotencyTtl, httpBounds, replicaAcks);
    }

    public ReceiversConfig withRedis(RedisEndpoint endpoint) {
        return new ReceiversConfig(endpoint, streams, httpPort, syslogPort, syslogUdp, syslogTls, relp,
                syslogMaxMessageBytes, httpMaxBodyBytes, httpMaxItems, maxBacklog, apiKeys, shutdownGrace,
                udpReceiveBuffer, idempotencyTtl, httpBounds, replicaAcks);
    }

    public ReceiversConfig withStreams(StreamNames names) {
        return new ReceiversConfig(redis, names, httpPort, syslogPort, syslogUdp, syslogTls, relp,
                syslogMaxMessageBytes, httpMaxBodyBytes, httpMaxItems, maxBacklog, apiKeys, shutdownGrace,
                udpReceiveBuffer, idempotencyTtl, httpBounds, replicaAcks);
    }

    public ReceiversConfig withReplicaAcks(ReplicaAcks acks) {
        return new ReceiversConfig(redis, streams, httpPort, syslogPort, syslogUdp, syslogTls, relp,
                syslogMaxMessageBytes, httpMaxBodyBytes, httpMaxItems, maxBacklog, apiKeys, shutdownGrace,
                udpReceiveBuffer, idempotencyTtl, httpBounds, acks);
    }

    public ReceiversConfig withHttpBounds(HttpBounds bounds) {
        return new ReceiversConfig(redis, streams, httpPort, syslogPort, syslogUdp, syslogTls, relp,
                syslogMaxMessageBytes, httpMaxBodyBytes, httpMaxItems, maxBacklog, apiKeys, shutdownGrace,
                udpReceiveBuffer, idempotencyTtl, bounds, replicaAcks);
    }
}
