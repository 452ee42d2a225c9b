package io.killkrill.it.support;

import io.killkrill.config.StreamNames;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The whole pipeline of one test class as separate processes from the reactor's runnable jars: receivers,
 * log-workers and metrics-workers, on free ports, writing to stream names, an Elasticsearch index prefix and a
 * PostgreSQL schema no other test uses. Any number of worker replicas may be started; each keeps its consumer
 * name across restarts, as a restarted container would.
 *
 * <p>Settings are short for tests (small batches, 200 ms blocking reads, pending entries claimed after 2 s,
 * retries capped at 1 s) and can be overridden per service with {@code extra}.
 */
public final class PipelineProcesses implements AutoCloseable {

    /**
     * Where the stores are; a test with an own Redis / PostgreSQL / fault proxy passes those. {@code redisSettings}
     * are the services' Redis variables: {@code KILLKRILL_REDIS_URL} = {@code redis}, or the Sentinel pair.
     */
    public record Stores(URI redis, URI elasticsearch, String jdbcUrl, String databaseUser, String databasePassword,
                         Map<String, String> redisSettings) {
        public Stores {
            redisSettings = Map.copyOf(redisSettings);
        }

        public Stores(URI redis, URI elasticsearch, String jdbcUrl, String databaseUser, String databasePassword) {
            this(redis, elasticsearch, jdbcUrl, databaseUser, databasePassword,
                    Map.of("KILLKRILL_REDIS_URL", redis.toString()));
        }

        public static Stores of(RedisService redis, ElasticsearchService elasticsearch, PostgresService postgres) {
            return new Stores(redis.uri(), elasticsearch.uri(), postgres.jdbcUrl(), postgres.user(),
                    postgres.password());
        }

        public Stores withRedis(URI uri) {
            return new Stores(uri, elasticsearch, jdbcUrl, databaseUser, databasePassword);
        }

        /** The services find a Redis Cluster through these nodes ({@code host:port,...}) instead of a URL. */
        public Stores withRedisCluster(String nodes) {
            return new Stores(redis, elasticsearch, jdbcUrl, databaseUser, databasePassword, Map.of(
                    "KILLKRILL_REDIS_CLUSTER_NODES", nodes));
        }

        /** The services find Redis through these sentinels ({@code host:port,...}) instead of a URL. */
        public Stores withRedisSentinels(String sentinels, String masterName) {
            return new Stores(redis, elasticsearch, jdbcUrl, databaseUser, databasePassword, Map.of(
                    "KILLKRILL_REDIS_SENTINELS", sentinels, "KILLKRILL_REDIS_MASTER_NAME", masterName));
        }

        public Stores withElasticsearch(URI uri) {
            return new Stores(redis, uri, jdbcUrl, databaseUser, databasePassword, redisSettings);
        }

        public Stores withPostgres(PostgresService postgres) {
            return new Stores(redis, elasticsearch, postgres.jdbcUrl(), postgres.user(), postgres.password(),
                    redisSettings);
        }
    }

    private final Stores stores;
    private final StreamNames streams;
    private final String indexPrefix;
    private final String schema;
    private final int httpPort = FreePorts.next();
    private final int syslogPort = FreePorts.next();
    private final int relpPort = FreePorts.next();
    private final List<ServiceProcess> processes = new ArrayList<>();

    public PipelineProcesses(Stores stores, StreamNames streams, String indexPrefix, String schema) {
        this.stores = stores;
        this.streams = streams;
        this.indexPrefix = indexPrefix;
        this.schema = schema;
    }

    public StreamNames streams() {
        return streams;
    }

    public String indexPrefix() {
        return indexPrefix;
    }

    public String schema() {
        return schema;
    }

    public Stores stores() {
        return stores;
    }

    public int httpPort() {
        return httpPort;
    }

    public int syslogPort() {
        return syslogPort;
    }

    /** The RELP port, for a receivers process started with {@code KILLKRILL_RELP_PORT} set to it. */
    public int relpPort() {
        return relpPort;
    }

    public URI receiversUri(String path) {
        return URI.create("http://127.0.0.1:" + httpPort + path);
    }

    private Map<String, String> common() {
        Map<String, String> env = new HashMap<>();
        env.putAll(stores.redisSettings());
        env.put("KILLKRILL_LOGS_STREAM", streams.logs());
        env.put("KILLKRILL_METRICS_STREAM", streams.metrics());
        env.put("KILLKRILL_LOGS_DLQ", streams.logsDlq());
        env.put("KILLKRILL_METRICS_DLQ", streams.metricsDlq());
        env.put("KILLKRILL_LOG_GROUP", streams.logGroup());
        env.put("KILLKRILL_METRICS_GROUP", streams.metricsGroup());
        env.put("KILLKRILL_STREAM_SHARDS", Integer.toString(streams.shards()));
        return env;
    }

    /** The receivers process (HTTP and syslog TCP+UDP on this pipeline's ports), not yet started. */
    public ServiceProcess receivers(Map<String, String> extra) {
        Map<String, String> env = common();
        env.put("KILLKRILL_HTTP_PORT", Integer.toString(httpPort));
        env.put("KILLKRILL_SYSLOG_PORT", Integer.toString(syslogPort));
        env.put("KILLKRILL_SHUTDOWN_GRACE", "2s");
        env.putAll(extra);
        return register(new ServiceProcess("receivers", ServiceJar.of("receivers"), env, receiversUri("/health/ready")));
    }

    /**
     * A log-worker replica with one consumer loop named {@code consumer}, not yet started; with an empty
     * {@code consumer} it takes its default name (hostname-pid-random), new on every start, as a restarted
     * container would.
     */
    public ServiceProcess logWorker(String consumer, Map<String, String> extra) {
        int admin = FreePorts.next();
        Map<String, String> env = common();
        env.put("KILLKRILL_ELASTICSEARCH_URL", stores.elasticsearch().toString());
        env.put("KILLKRILL_ELASTICSEARCH_INDEX_PREFIX", indexPrefix);
        env.put("KILLKRILL_LOG_WORKER_ADMIN_PORT", Integer.toString(admin));
        if (!consumer.isEmpty()) {
            env.put("KILLKRILL_CONSUMER_NAME", consumer);
        }
        env.put("KILLKRILL_LOG_WORKER_CONCURRENCY", "1");
        env.put("KILLKRILL_LOG_WORKER_BATCH_SIZE", "500");
        env.put("KILLKRILL_LOG_WORKER_BLOCK_TIME", "200ms");
        env.put("KILLKRILL_CLAIM_IDLE_MS", "2000");
        env.put("KILLKRILL_LOG_WORKER_ENVIRONMENT", "it");
        env.put("KILLKRILL_ELASTICSEARCH_REQUEST_TIMEOUT", "10s");
        env.put("KILLKRILL_ELASTICSEARCH_REPLICAS", "0");
        env.put("KILLKRILL_ELASTICSEARCH_RETRY_INITIAL_BACKOFF", "50ms");
        env.put("KILLKRILL_ELASTICSEARCH_RETRY_MAX_BACKOFF", "1s");
        env.put("KILLKRILL_TRIM_INTERVAL", "1s");
        env.put("KILLKRILL_SHUTDOWN_GRACE", "10s");
        env.putAll(extra);
        return register(new ServiceProcess("log-worker-" + consumer, ServiceJar.of("log-worker"), env,
                URI.create("http://127.0.0.1:" + env.get("KILLKRILL_LOG_WORKER_ADMIN_PORT") + "/health/ready")));
    }

    /** A metrics-worker replica ({@code consumer} names its log file; its consumer name is hostname-pid-random). */
    public ServiceProcess metricsWorker(String consumer, Map<String, String> extra) {
        int admin = FreePorts.next();
        Map<String, String> env = common();
        env.put("KILLKRILL_DATABASE_URL", stores.jdbcUrl());
        env.put("KILLKRILL_DATABASE_USER", stores.databaseUser());
        env.put("KILLKRILL_DATABASE_PASSWORD", stores.databasePassword());
        env.put("KILLKRILL_DATABASE_SCHEMA", schema);
        env.put("KILLKRILL_DATABASE_POOL_SIZE", "2");
        env.put("KILLKRILL_METRICS_WORKER_ADMIN_PORT", Integer.toString(admin));
        env.put("KILLKRILL_METRICS_WORKER_BATCH_SIZE", "500");
        env.put("KILLKRILL_METRICS_WORKER_BLOCK_TIME", "200ms");
        env.put("KILLKRILL_CLAIM_IDLE_MS", "2000");
        env.put("KILLKRILL_METRICS_WORKER_WINDOWS", "60s");
        env.put("KILLKRILL_TRIM_INTERVAL", "1s");
        env.putAll(extra);
        return register(new ServiceProcess("metrics-worker-" + consumer, ServiceJar.of("metrics-worker"), env,
                URI.create("http://127.0.0.1:" + env.get("KILLKRILL_METRICS_WORKER_ADMIN_PORT") + "/health/ready")));
    }

    /** The admin URI of a worker (its /metrics, and for the metrics-worker /metrics/aggregates). */
    public static URI adminUri(ServiceProcess worker, String path) {
        String port = worker.environment().getOrDefault("KILLKRILL_LOG_WORKER_ADMIN_PORT",
                worker.environment().get("KILLKRILL_METRICS_WORKER_ADMIN_PORT"));
        return URI.create("http://127.0.0.1:" + port + path);
    }

    private ServiceProcess register(ServiceProcess process) {
        synchronized (processes) {
            processes.add(process);
        }
        return process;
    }

    /** Starts every given process, then waits until each is ready (start-ups overlap). */
    public static void startAll(ServiceProcess... services) {
        for (ServiceProcess service : services) {
            service.start();
        }
        for (ServiceProcess service : services) {
            service.awaitReady();
        }
    }

    @Override
    public void close() {
        synchronized (processes) {
            ServiceProcess.closeAll(processes);
        }
    }
}
