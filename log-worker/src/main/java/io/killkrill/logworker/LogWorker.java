package io.killkrill.logworker;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeException;
import dev.failsafe.RetryPolicy;
import io.killkrill.logworker.elasticsearch.BulkIndexer;
import io.killkrill.logworker.elasticsearch.BulkTransport;
import io.killkrill.logworker.elasticsearch.ElasticsearchClients;
import io.killkrill.logworker.elasticsearch.IndexTemplateInstaller;
import io.killkrill.logworker.stream.RetentionTrimmer;
import io.killkrill.logworker.stream.StreamGroupConsumer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.JedisPooled;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The log-worker service: consumer loops (XREADGROUP -> validate -> enrich -> bulk index -> dead letters ->
 * XACK), the retention trimmer and the admin HTTP server. {@link #start()} returns at once; {@link #close()}
 * stops reading, lets each loop finish and acknowledge its batch in flight (up to the shutdown grace), then
 * releases everything.
 */
public final class LogWorker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LogWorker.class);

    private final LogWorkerConfig config;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final AtomicLong pending = new AtomicLong();
    private final AtomicLong lag = new AtomicLong();
    private final List<StreamGroupConsumer> consumers = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private JedisPooled redis;
    private ElasticsearchClient elasticsearch;
    private AdminServer admin;
    private ScheduledExecutorService scheduler;
    private Thread bootstrap;
    private volatile boolean closed;

    public LogWorker(LogWorkerConfig config) {
        this.config = config;
    }

    public synchronized LogWorker start() {
        ConnectionPoolConfig pool = new ConnectionPoolConfig();
        pool.setMaxTotal(config.concurrency() + 4);
        pool.setMaxIdle(config.concurrency() + 4);
        int redisTimeout = (int) Math.max(2_000, config.blockTime().toMillis() + 5_000);
        redis = new JedisPooled(pool, config.redisUrl(), redisTimeout);
        elasticsearch = ElasticsearchClients.create(config.elasticsearchUrl(), config.esRequestTimeout(),
                config.concurrency() + 2);
        Gauge.builder("killkrill.log_worker.pending", pending, AtomicLong::get)
                .description("Entries delivered to the group and not yet acknowledged").register(registry);
        Gauge.builder("killkrill.log_worker.consumer.lag", lag, AtomicLong::get)
                .description("Entries in the stream not yet delivered to the group").register(registry);
        try {
            admin = new AdminServer(config.adminPort(), this::ready, registry);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the admin port " + config.adminPort(), e);
        }
        LOG.info("log-worker {} consumer {} admin on port {}", LogWorkerConfig.killkrillVersion(),
                config.consumerName(), admin.port());
        bootstrap = new Thread(this::bootstrap, "log-worker-bootstrap");
        bootstrap.start();
        return this;
    }

    /** Installs the index template (retrying while Elasticsearch is not there), then starts the loops. */
    private void bootstrap() {
        IndexTemplateInstaller installer = new IndexTemplateInstaller(elasticsearch, config.indexPrefix(),
                config.esReplicas());
        RetryPolicy<Object> retry = RetryPolicy.builder().handle(Exception.class)
                .abortOn(InterruptedException.class)
                .withBackoff(config.retryInitialBackoff(), config.retryMaxBackoff()).withJitter(0.25)
                .withMaxRetries(-1)
                .onRetry(e -> LOG.warn("stage=bulk_index cannot install index template {} yet: {}",
                        installer.templateName(), String.valueOf(e.getLastException())))
                .build();
        try {
            Failsafe.with(retry).run(installer::install);
        } catch (FailsafeException e) {
            LOG.warn("stage=bulk_index stopped before the index template was installed");
            return;
        }
        LOG.info("index template {} installed for {}-*", installer.templateName(), config.indexPrefix());
        String version = LogWorkerConfig.killkrillVersion();
        BulkIndexer.Settings bulk = new BulkIndexer.Settings(config.esMaxBulkBytes(), config.esRetryDeadline(),
                config.retryInitialBackoff(), config.retryMaxBackoff());
        synchronized (this) {
            if (closed) {
                return;
            }
            for (int i = 1; i <= config.concurrency(); i++) {
                String name = config.concurrency() == 1 ? config.consumerName() : config.consumerName() + "-" + i;
                BulkIndexer indexer = new BulkIndexer(BulkTransport.of(elasticsearch), bulk, registry);
                LogEventSink sink = new LogEventSink(config.streams().logs(),
                        new Enricher(config.indexPrefix(), config.environment(), version, Clock.systemUTC()), indexer);
                StreamGroupConsumer consumer = new StreamGroupConsumer(redis, new StreamGroupConsumer.Settings(
                        LogEventSink.SERVICE, config.streams().logs(), config.streams().logGroup(),
                        config.streams().logsDlq(), name, config.batchSize(), config.blockTime(), config.claimIdle()),
                        sink, registry);
                Thread thread = new Thread(consumer, "consumer-" + name);
                consumers.add(consumer);
                threads.add(thread);
                thread.start();
            }
            RetentionTrimmer trimmer = new RetentionTrimmer(redis, config.streams().logs());
            scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "retention-trimmer");
                t.setDaemon(true);
                return t;
            });
            scheduler.scheduleWithFixedDelay(() -> trim(trimmer), 0, config.trimInterval().toMillis(),
                    TimeUnit.MILLISECONDS);
        }
    }

    private void trim(RetentionTrimmer trimmer) {
        try {
            RetentionTrimmer.Trim trim = trimmer.trimOnce();
            trim.groups().stream().filter(g -> g.group().equals(config.streams().logGroup())).findFirst()
                    .ifPresent(g -> {
                        pending.set(g.pending());
                        lag.set(Math.max(0, g.lag()));
                    });
        } catch (RuntimeException e) {
            LOG.warn("stage=ack retention trim of {} failed: {}", config.streams().logs(), e.toString());
        }
    }

    /** Redis and Elasticsearch both answer. */
    public boolean ready() {
        try {
            return "PONG".equals(redis.ping()) && elasticsearch.cluster().health().status() != null;
        } catch (Exception e) {
            return false;
        }
    }

    public int adminPort() {
        return admin.port();
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** The consumer names of this worker's loops in the group (empty until the template is installed). */
    public synchronized List<String> consumerNames() {
        return consumers.stream().map(c -> c.settings().consumer()).toList();
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        LOG.info("log-worker stopping: finishing the batches in flight");
        if (bootstrap != null) {
            bootstrap.interrupt();
        }
        consumers.forEach(StreamGroupConsumer::stop);
        long deadline = System.nanoTime() + config.shutdownGrace().toNanos();
        for (Thread thread : threads) {
            try {
                thread.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                if (thread.isAlive()) {
                    LOG.warn("stage=ack {} did not finish within {}; its batch stays pending for another worker",
                            thread.getName(), config.shutdownGrace());
                    thread.interrupt();
                    thread.join(5_000);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
        if (admin != null) {
            admin.close();
        }
        try {
            elasticsearch._transport().close();
        } catch (IOException e) {
            LOG.warn("closing the Elasticsearch client failed: {}", e.toString());
        }
        redis.close();
        registry.close();
        LOG.info("log-worker stopped");
    }
}
