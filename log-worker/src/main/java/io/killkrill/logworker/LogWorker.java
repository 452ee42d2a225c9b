package io.killkrill.logworker;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import io.killkrill.logworker.elasticsearch.BulkIndexer;
import io.killkrill.logworker.elasticsearch.BulkTransport;
import io.killkrill.logworker.elasticsearch.ElasticsearchClients;
import io.killkrill.logworker.elasticsearch.IndexTemplateInstaller;
import io.killkrill.model.Stage;
import io.killkrill.service.AdminEndpoints;
import io.killkrill.service.AdminServer;
import io.killkrill.service.Health;
import io.killkrill.service.HealthCheck;
import io.killkrill.service.Service;
import io.killkrill.service.StreamKeyCheck;
import io.killkrill.stream.Batch;
import io.killkrill.stream.ConsumerSettings;
import io.killkrill.stream.RedisClients;
import io.killkrill.stream.Retries;
import io.killkrill.stream.StreamRuntime;
import io.killkrill.stream.StreamRuntimes;
import io.killkrill.stream.audit.PeriodicAudit;
import io.killkrill.service.ServiceMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.killkrill.stream.RedisFailovers;
import redis.clients.jedis.UnifiedJedis;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The log-worker service: the stream runtime ({@link StreamRuntimes}: consumers of each shard of the logs stream,
 * {@code KILLKRILL_LOG_WORKER_CONCURRENCY} per shard, claiming, delivery limit, settling, trimming) driving a
 * {@link LogEventSink} each (validate -> enrich -> bulk index), and the
 * shared admin HTTP server; a {@link Service}. {@link #start()} returns at once (the index template is installed,
 * then the loops started, by a bootstrap thread that retries while Elasticsearch is not there); {@link #stop}
 * stops reading, lets each loop finish and acknowledge its batch in flight (up to the grace), then releases
 * everything. Ready when Redis and Elasticsearch answer and every consumer loop reads.
 */
public final class LogWorker implements Service, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LogWorker.class);

    private final LogWorkerConfig config;
    /** The shards of the logs stream this worker reads (one unless KILLKRILL_STREAM_SHARDS says more). */
    private final List<StreamRuntimes.Shard> shards;
    private final PrometheusMeterRegistry registry = ServiceMetrics.newRegistry();
    private PeriodicAudit audit;
    private UnifiedJedis redis;
    private ElasticsearchClient elasticsearch;
    private AdminServer admin;
    private volatile StreamRuntimes<Batch> runtime;
    private Thread bootstrap;
    private volatile boolean closed;

    public LogWorker(LogWorkerConfig config) {
        this.config = config;
        this.shards = StreamRuntimes.Shard.ofLogs(config.streams());
    }

    @Override
    public String name() {
        return "log-worker";
    }

    @Override
    public synchronized LogWorker start() {
        int loops = config.concurrency() * config.streams().shards();
        redis = RedisClients.forConsumers(config.redis(), loops, config.blockTime(),
                config.runtime().replicaAcks(), RedisFailovers.counted(registry, name()));
        elasticsearch = ElasticsearchClients.create(config.elasticsearchUrl(), config.esRequestTimeout(), loops + 2);
        try {
            for (StreamRuntimes.Shard shard : shards) {
                Map<String, String> streams = new LinkedHashMap<>();
                streams.put("KILLKRILL_LOGS_STREAM", shard.stream());
                streams.put("KILLKRILL_LOGS_DLQ", shard.deadLetterStream());
                StreamKeyCheck.requireStreams(streams, redis::type);
            }
            admin = new AdminServer(config.adminPort(), new AdminEndpoints(this::health, registry::scrape), Map.of());
            audit = new PeriodicAudit("killkrill.log_worker",
                    new LogAudit(redis, config.streams(), elasticsearch, config.indexPrefix())::run, registry,
                    Clock.systemUTC()).start();
        } catch (RuntimeException e) {
            closed = true;
            release();
            throw e;
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
            ConsumerSettings consumer = ConsumerSettings.of(LogEventSink.SERVICE, Stage.BULK_INDEX,
                    config.streams().logs(), config.streams().logGroup(), config.streams().logsDlq(),
                    config.consumerName(), config.batchSize(), config.blockTime(), config.claimIdle(), false,
                    config.runtime());
            runtime = new StreamRuntimes<>(redis, new StreamRuntime.Settings(consumer, config.concurrency(),
                    config.runtime().trimInterval(), config.runtime().consumerExpiry()),
                    shards,
                    (shard, reading) -> new LogEventSink(reading.stream(),
                            new Enricher(config.indexPrefix(), config.environment(), version, Clock.systemUTC()),
                            new BulkIndexer(BulkTransport.of(elasticsearch), bulk, registry)),
                    registry).start();
        }
    }

    /** Redis and Elasticsearch both answer, and every consumer can read its stream. */
    public boolean ready() {
        return health().isUp();
    }

    @Override
    public Health health() {
        StreamRuntimes<Batch> current = runtime;
        HealthCheck redisCheck = HealthCheck.of("redis", RedisClients.answersPing(redis,
                shards.stream().map(StreamRuntimes.Shard::stream).toList()),
                "Redis (the master of every shard) does not answer PING");
        HealthCheck esCheck;
        try {
            esCheck = HealthCheck.of("elasticsearch", elasticsearch.cluster().health().status() != null,
                    "no cluster health status");
        } catch (Exception e) {
            esCheck = HealthCheck.down("elasticsearch", "Elasticsearch does not answer: " + e.getMessage());
        }
        HealthCheck consumers = current == null
                ? HealthCheck.down("consumers", "not started: the index template is not installed yet")
                : HealthCheck.of("consumers", current.isReading(), "a consumer loop cannot read its stream");
        return Health.of(redisCheck, esCheck, consumers);
    }

    public int adminPort() {
        return admin.port();
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** The consumer names of this worker's loops in the group (empty until the template is installed). */
    public synchronized List<String> consumerNames() {
        StreamRuntimes<Batch> current = runtime;
        return current == null ? List.of() : current.consumerNames();
    }

    /** {@link #stop} with the configured shutdown grace. */
    @Override
    public void close() {
        stop(config.shutdownGrace());
    }

    @Override
    public void stop(Duration grace) {
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
        StreamRuntimes<Batch> current = runtime;
        if (current != null) {
            current.stop(grace);
        }
        release();
        LOG.info("log-worker stopped");
    }

    private void release() {
        if (audit != null) {
            audit.close();
        }
        if (admin != null) {
            admin.close();
        }
        if (elasticsearch != null) {
            try {
                elasticsearch._transport().close();
            } catch (IOException e) {
                LOG.warn("closing the Elasticsearch client failed: {}", e.toString());
            }
        }
        if (redis != null) {
            redis.close();
        }
        registry.close();
    }
}
