package io.killkrill.logworker;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import io.killkrill.logworker.elasticsearch.BulkIndexer;
import io.killkrill.logworker.elasticsearch.BulkTransport;
import io.killkrill.logworker.elasticsearch.ElasticsearchClients;
import io.killkrill.logworker.elasticsearch.IndexTemplateInstaller;
import io.killkrill.model.Stage;
import io.killkrill.stream.Batch;
import io.killkrill.stream.ConsumerSettings;
import io.killkrill.stream.Retries;
import io.killkrill.stream.StreamRuntime;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.JedisPooled;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.List;

/**
 * The log-worker service: the stream runtime ({@link StreamRuntime}: consumers of the logs stream, claiming,
 * delivery limit, settling, trimming) driving a {@link LogEventSink} (validate -> enrich -> bulk index), and the
 * admin HTTP server. {@link #start()} returns at once; {@link #close()}
 * stops reading, lets each loop finish and acknowledge its batch in flight (up to the shutdown grace), then
 * releases everything.
 */
public final class LogWorker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LogWorker.class);

    private final LogWorkerConfig config;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private JedisPooled redis;
    private ElasticsearchClient elasticsearch;
    private AdminServer admin;
    private volatile StreamRuntime<Batch> runtime;
    private Thread bootstrap;
    private volatile boolean closed;

    public LogWorker(LogWorkerConfig config) {
        this.config = config;
    }

    public synchronized LogWorker start() {
        ConnectionPoolConfig pool = new ConnectionPoolConfig();
        // per consumer loop: its (blocking) reads and its heartbeat; plus maintenance, readiness and spare
        pool.setMaxTotal(2 * config.concurrency() + 4);
        pool.setMaxIdle(2 * config.concurrency() + 4);
        int redisTimeout = (int) Math.max(2_000, config.blockTime().toMillis() + 5_000);
        redis = new JedisPooled(pool, config.redisUrl(), redisTimeout);
        elasticsearch = ElasticsearchClients.create(config.elasticsearchUrl(), config.esRequestTimeout(),
                config.concurrency() + 2);
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
        Retries retries = Retries.untilStopped("bulk_index", "installing index template "
                + installer.templateName(), e -> e instanceof Exception, config.retryInitialBackoff(),
                config.retryMaxBackoff(), () -> !closed);
        try {
            retries.run(installer::install);
        } catch (InterruptedException | RuntimeException e) {
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
            ConsumerSettings consumer = new ConsumerSettings(LogEventSink.SERVICE, Stage.BULK_INDEX,
                    config.streams().logs(), config.streams().logGroup(), config.streams().logsDlq(),
                    config.consumerName(), config.batchSize(), config.blockTime(), config.claimIdle(),
                    config.runtime().maxDeliveries(), config.runtime().deadLetterMaxLength(), false);
            runtime = new StreamRuntime<>(redis, new StreamRuntime.Settings(consumer, config.concurrency(),
                    config.runtime().trimInterval(), config.runtime().consumerExpiry()),
                    () -> new LogEventSink(config.streams().logs(),
                            new Enricher(config.indexPrefix(), config.environment(), version, Clock.systemUTC()),
                            new BulkIndexer(BulkTransport.of(elasticsearch), bulk, registry)),
                    registry).start();
        }
    }

    /** Redis and Elasticsearch both answer, and every consumer can read its stream. */
    public boolean ready() {
        StreamRuntime<Batch> current = runtime;
        try {
            return current != null && current.isReading() && "PONG".equals(redis.ping())
                    && elasticsearch.cluster().health().status() != null;
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
        StreamRuntime<Batch> current = runtime;
        return current == null ? List.of() : current.consumerNames();
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
        StreamRuntime<Batch> current = runtime;
        if (current != null) {
            current.stop(config.shutdownGrace());
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
