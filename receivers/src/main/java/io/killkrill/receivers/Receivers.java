package io.killkrill.receivers;

import io.killkrill.receivers.enqueue.BacklogMonitor;
import io.killkrill.receivers.enqueue.FlowGate;
import io.killkrill.receivers.enqueue.IdempotencyStore;
import io.killkrill.receivers.enqueue.StreamWriter;
import io.killkrill.receivers.http.HttpReceiver;
import io.killkrill.receivers.http.HttpSettings;
import io.killkrill.receivers.syslog.SyslogIngest;
import io.killkrill.receivers.syslog.SyslogReceiver;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The receivers service: HTTP and syslog transports over one {@link StreamWriter}. Start with {@link #start};
 * {@link #close} stops accepting, sends what is pending and closes Redis. Usable in-process (tests bind port 0).
 */
public final class Receivers implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Receivers.class);

    /** The ports actually bound. */
    public record BoundPorts(int http, int syslogTcp, Optional<Integer> syslogUdp, Optional<Integer> syslogTls,
                             Optional<Integer> relp) {
    }

    private final ReceiverMetrics metrics;
    private final StreamWriter writer;
    private final BacklogMonitor backlog;
    private final FlowGate gate;
    private final IdempotencyStore idempotency;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final HttpReceiver http;
    private final SyslogReceiver syslog;
    private final Duration shutdownGrace;

    private Receivers(ReceiversConfig config) throws Exception {
        shutdownGrace = config.shutdownGrace();
        metrics = new ReceiverMetrics();
        writer = new StreamWriter(config.redisUri(), config.streams().logs(), metrics);
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
            throw e;
        }
    }

    public static Receivers start(ReceiversConfig config) throws Exception {
        Receivers receivers = new Receivers(config);
        LOG.info("receivers listening: {}", receivers.ports());
        return receivers;
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
    @Override
    public void close() {
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
