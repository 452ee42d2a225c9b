package io.killkrill.receivers;

import io.killkrill.receivers.enqueue.BacklogMonitor;
import io.killkrill.receivers.enqueue.FlowGate;
import io.killkrill.config.StreamNames;
import io.killkrill.receivers.enqueue.IdempotencyStore;
import io.killkrill.receivers.enqueue.StreamWriter;
import io.killkrill.receivers.http.HttpReceiver;
import io.killkrill.receivers.http.HttpSettings;
import io.killkrill.receivers.syslog.SyslogIngest;
import io.killkrill.receivers.syslog.SyslogReceiver;
import io.killkrill.service.Health;
import io.killkrill.service.HealthCheck;
import io.killkrill.service.Service;
import io.killkrill.service.StreamKeyCheck;
import io.killkrill.stream.RedisClients;
import io.killkrill.stream.RedisFailovers;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The receivers service: HTTP and syslog transports over one {@link StreamWriter}, a {@link Service}.
 * {@link #start()} binds the ports (the receivers listen when it returns); {@link #stop} stops accepting, reads what
 * syslog clients already sent (up to the grace), sends what is pending and closes Redis. Ready while Redis answers.
 * Usable in-process (tests bind port 0) through {@link #start(ReceiversConfig)} and {@link #close()}.
 */
public final class Receivers implements Service, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Receivers.class);

    /** The ports actually bound. */
    public record BoundPorts(int http, int syslogTcp, Optional<Integer> syslogUdp, Optional<Integer> syslogTls,
                             Optional<Integer> relp) {
    }

    private final ReceiversConfig config;
    private final ReceiverMetrics metrics = new ReceiverMetrics();
    private volatile StreamWriter writer;
    private BacklogMonitor backlog;
    private FlowGate gate;
    private IdempotencyStore idempotency;
    private EventLoopGroup boss;
    private EventLoopGroup workers;
    private HttpReceiver http;
    private SyslogReceiver syslog;
    private boolean stopped;

    public Receivers(ReceiversConfig config) {
        this.config = config;
    }

    @Override
    public String name() {
        return "receivers";
    }

    /** Opens Redis, refuses stream keys of another type (exit 3), binds every listener. */
    @Override
    public synchronized Receivers start() throws Exception {
        List<String> shardKeys = config.streams().allShards().stream().map(StreamNames::logs).toList();
        writer = StreamWriter.sharded(config.streams(), RedisClients.forWriters(config.redis(), shardKeys,
                RedisFailovers.counted(metrics.registry(), name()), config.replicaAcks().replyAllowance()), metrics,
                config.replicaAcks());
        try {
            for (int shard = 0; shard < writer.shards(); shard++) {
                StreamNames names = writer.streamsOf(shard);
                Map<String, String> streams = new LinkedHashMap<>();
                streams.put("KILLKRILL_LOGS_STREAM", names.logs());
                streams.put("KILLKRILL_METRICS_STREAM", names.metrics());
                streams.put("KILLKRILL_LOGS_DLQ", names.logsDlq());
                redis.clients.jedis.util.Pool<redis.clients.jedis.Jedis> pool = writer.pool(shard);
                StreamKeyCheck.requireStreams(streams, key -> {
                    try (redis.clients.jedis.Jedis jedis = pool.getResource()) {
                        return jedis.type(key);
                    }
                });
            }
        } catch (RuntimeException e) {
            writer.close();
            stopped = true;
            throw e;
        }
        backlog = new BacklogMonitor(writer, config.streams().logs(), config.streams().metrics(),
                config.maxBacklog(), metrics);
        gate = new FlowGate(writer, backlog, config.streams().logs(), metrics);
        idempotency = new IdempotencyStore(writer, config.streams().logs(), config.idempotencyTtl());
        boss = new NioEventLoopGroup(1);
        workers = new NioEventLoopGroup();
        try {
            http = new HttpReceiver(boss, workers, new HttpSettings(config.httpPort(), config.httpMaxBodyBytes(),
                    config.httpMaxItems(), config.streams().logs(), config.streams().metrics(),
                    config.httpBounds().memoryBudgetBytes(), config.httpBounds().bodyTimeout(),
                    config.httpBounds().idleTimeout(), config.apiKeys()), writer, gate, idempotency, metrics);
            SyslogIngest ingest = new SyslogIngest(config.streams().logs(), config.streams().logsDlq(),
                    config.syslogMaxMessageBytes(), writer, metrics);
            syslog = new SyslogReceiver(boss, workers, config.syslogPort(), config.syslogUdp(),
                    config.udpReceiveBuffer(), config.syslogTls().map(t -> new SyslogReceiver.TlsListener(t.port(),
                            t.certificate(), t.privateKey())),
                    config.relp().map(r -> new SyslogReceiver.RelpListener(r.port(),
                            r.tls().map(p -> new SyslogReceiver.Pem(p.certificate(), p.privateKey())))),
                    ingest, gate, metrics);
        } catch (Exception e) {
            shutdownGroups();
            idempotency.close();
            backlog.close();
            writer.close();
            stopped = true;
            throw e;
        }
        LOG.info("receivers listening: {}", ports());
        return this;
    }

    /** Started receivers, in-process. */
    public static Receivers start(ReceiversConfig config) throws Exception {
        return new Receivers(config).start();
    }

    @Override
    public Health health() {
        return Health.of(readiness(writer));
    }

    /**
     * The one readiness check of the receivers, also answered on the ingestion port by the HTTP router: down while
     * Redis does not answer, and while it answers but refuses writes ({@code OOM}, {@code READONLY}, ...), when
     * nothing sent here could be stored.
     */
    public static HealthCheck readiness(StreamWriter writer) {
        if (writer == null || !writer.redisAvailable()) {
            return HealthCheck.down("redis", "Redis does not answer");
        }
        return writer.refusal().map(why -> HealthCheck.down("redis", "Redis refuses writes (" + why + ")"))
                .orElse(HealthCheck.up("redis"));
    }

    public BoundPorts ports() {
        return new BoundPorts(http.port(), syslog.tcpPort(), syslog.udpPort(), syslog.tlsPort(), syslog.relpPort());
    }

    public ReceiverMetrics metrics() {
        return metrics;
    }

    /**
     * Stop accepting, read and answer what syslog TCP/TLS and RELP clients already sent (up to the shutdown grace),
     * flush pending XADDs, close.
     */
    /** {@link #stop} with the configured shutdown grace. */
    @Override
    public void close() {
        stop(config.shutdownGrace());
    }

    @Override
    public synchronized void stop(Duration shutdownGrace) {
        if (stopped || writer == null) {
            return;
        }
        stopped = true;
        LOG.info("receivers stopping: no new input, flushing {} queued entries", writer.queued());
        writer.stopAccepting();
        http.close();
        syslog.close(shutdownGrace);
        shutdownGroups();
        idempotency.close();
        backlog.close();
        writer.close();
        LOG.info("receivers stopped");
    }

    private void shutdownGroups() {
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
