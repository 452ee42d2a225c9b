package io.killkrill.metricsworker;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.datadoghq.sketch.ddsketch.DDSketch;
import io.killkrill.metricsworker.aggregate.AggregateExposition;
import io.killkrill.metricsworker.aggregate.CardinalityGuard;
import io.killkrill.metricsworker.aggregate.LabelSets;
import io.killkrill.metricsworker.aggregate.Sketches;
import io.killkrill.metricsworker.http.AggregateQuery;
import io.killkrill.metricsworker.store.AggregateStore;
import io.killkrill.metricsworker.store.PagePosition;
import io.killkrill.model.Json;
import io.killkrill.model.MetricType;
import io.killkrill.model.Stage;
import io.killkrill.service.AdminEndpoints;
import io.killkrill.service.AdminEndpoints.Response;
import io.killkrill.service.AdminServer;
import io.killkrill.service.Health;
import io.killkrill.service.HealthCheck;
import io.killkrill.service.Service;
import io.killkrill.service.StreamKeyCheck;
import io.killkrill.stream.ConsumerSettings;
import io.killkrill.stream.RedisClients;
import io.killkrill.stream.StreamRuntime;
import io.killkrill.stream.StreamRuntimes;
import io.killkrill.stream.audit.PeriodicAudit;
import io.killkrill.metricsworker.store.entity.WindowAggregate;
import io.killkrill.service.ServiceMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.killkrill.stream.RedisFailovers;
import redis.clients.jedis.UnifiedJedis;

import java.time.Clock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The metrics-worker service, a {@link Service}: start() connects, migrates, validates the schema (a mismatch is
 * an {@link io.killkrill.service.IncompatibleContractException}, exit 3), opens the admin port and starts
 * the stream runtime ({@link StreamRuntimes}: a consumer per stream shard, reading one batch ahead) driving a
 * {@link MetricsSink} per shard, and the sweep of the applied-entries ledger of each shard; close() finishes the
 * batches read (committed and acknowledged), then releases everything. Usable in-process from tests and from {@link MetricsWorkerMain}.
 */
public final class MetricsWorker implements Service, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MetricsWorker.class);

    private final MetricsWorkerConfig config;
    /** The shards of the metrics stream this worker reads (one unless KILLKRILL_STREAM_SHARDS says more). */
    private final List<StreamRuntimes.Shard> shards;
    private final PrometheusMeterRegistry registry = ServiceMetrics.newRegistry();
    private volatile AggregateStore store;
    private volatile UnifiedJedis redis;
    private volatile StreamRuntimes<MetricsSink.Prepared> runtime;
    private ScheduledExecutorService sweeps;
    private AdminServer admin;
    private PeriodicAudit audit;

    public MetricsWorker(MetricsWorkerConfig config) {
        this.config = config;
        this.shards = StreamRuntimes.Shard.ofMetrics(config.streams());
    }

    @Override
    public String name() {
        return "metrics-worker";
    }

    /** Starts the service; throws (after releasing what it opened) when it cannot. */
    @Override
    public MetricsWorker start() {
        try {
            // each shard's consumer holds a connection for its transaction: one more per shard beyond the first
            store = new AggregateStore(config.databaseUrl(), config.databaseUser(), config.databasePassword(),
                    config.databaseSchema(), config.databasePoolSize() + shards.size() - 1,
                    config.databaseConnectTimeout());
            redis = RedisClients.forConsumers(config.redis(), shards.size(), config.readBlock(),
                    config.runtime().replicaAcks(), RedisFailovers.counted(registry, name()));
            for (StreamRuntimes.Shard shard : shards) {
                Map<String, String> streams = new LinkedHashMap<>();
                streams.put("KILLKRILL_METRICS_STREAM", shard.stream());
                streams.put("KILLKRILL_METRICS_DLQ", shard.deadLetterStream());
                StreamKeyCheck.requireStreams(streams, redis::type);
            }
            ConsumerSettings consumer = ConsumerSettings.of(MetricsSink.SERVICE, Stage.PERSIST,
                    config.streams().metrics(), config.streams().metricsGroup(), config.streams().metricsDlq(),
                    config.consumerName(), config.batchSize(), config.readBlock(), config.claimIdle(), true,
                    config.runtime());
            // one consumer per shard, each with a sink of its own (its shard's keys in the ledger), one guard for all
            CardinalityGuard cardinality = MetricsSink.cardinalityGuard(store, config, registry);
            List<MetricsSink> sinks = new ArrayList<>();
            for (int i = 0; i < shards.size(); i++) {
                sinks.add(new MetricsSink(i, shards.get(i).stream(), store, cardinality, config, registry,
                        Clock.systemUTC()));
            }
            runtime = new StreamRuntimes<>(redis, new StreamRuntime.Settings(consumer, 1,
                    config.runtime().trimInterval(), config.runtime().consumerExpiry()), shards,
                    (shard, reading) -> sinks.get(shard), registry);
            admin = new AdminServer(config.adminPort(), new AdminEndpoints(this::health, registry::scrape), routes());
            runtime.start();
            sweeps = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "applied-entries-sweep");
                t.setDaemon(true);
                return t;
            });
            for (int i = 0; i < shards.size(); i++) {
                AppliedEntriesSweeper sweeper = new AppliedEntriesSweeper(redis, store, i, shards.get(i).stream(),
                        config.streams().metricsGroup(), config.claimIdle());
                sweeps.scheduleWithFixedDelay(sweeper::sweep, config.claimIdle().toMillis(),
                        config.claimIdle().toMillis(), TimeUnit.MILLISECONDS);
            }
            if (MetricsAudit.supports(config.windows())) {
                audit = new PeriodicAudit("killkrill.metrics_worker",
                        new MetricsAudit(redis, config.streams(), store, config.windows())::run, registry,
                        Clock.systemUTC()).start();
            } else {
                LOG.info("no periodic audit: it needs a window size of at most 60 s that divides a minute");
            }
            LOG.info("metrics-worker started: admin port {}, windows {}, schema {}", admin.port(), config.windows(),
                    config.databaseSchema());
            return this;
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    public int adminPort() {
        return admin.port();
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    private Map<String, AdminServer.Handler> routes() {
        Map<String, AdminServer.Handler> routes = new LinkedHashMap<>();
        routes.put("/metrics/aggregates", q -> new Response(200, AdminEndpoints.PROMETHEUS_TEXT,
                AggregateExposition.format(store.latestClosedWindows(Clock.systemUTC().instant()))));
        routes.put("/api/v1/aggregates", this::query);
        return routes;
    }

    private Response query(Map<String, String> params) {
        AggregateQuery.Either parsed = AggregateQuery.parse(params, Clock.systemUTC().instant());
        if (parsed.query().isEmpty()) {
            ObjectNode error = Json.MAPPER.createObjectNode();
            error.put("error", "bad query parameters");
            parsed.problems().forEach(error.putArray("problems")::add);
            return Response.json(400, Json.write(error));
        }
        AggregateQuery query = parsed.query().get();
        // one row more than asked for says whether there is a next page
        List<WindowAggregate> rows = store.page(query.name(), query.from(), query.to(), query.windowSeconds(),
                query.labelsJson(), query.after(), query.limit() + 1);
        boolean more = rows.size() > query.limit();
        List<WindowAggregate> page = more ? rows.subList(0, query.limit()) : rows;
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode out = body.putArray("aggregates");
        for (WindowAggregate row : page) {
            SortedMap<String, String> labels = LabelSets.parse(row.getLabels());
            ObjectNode item = out.addObject();
            item.put("name", row.getMetricName());
            ObjectNode labelNode = item.putObject("labels");
            labels.forEach(labelNode::put);
            item.put("window", AggregateExposition.windowLabel(row.getWindowSeconds()));
            item.put("window_start", row.getWindowStart().toString());
            item.put("window_end", row.getWindowEnd().toString());
            item.put("type", row.getMetricType().wireName());
            item.put("count", row.getSampleCount());
            number(item, "sum", row.getValueSum());
            number(item, "min", row.getMinValue());
            number(item, "max", row.getMaxValue());
            number(item, "first_value", row.getFirstValue());
            item.put("first_timestamp", row.getFirstTimestamp().toString());
            number(item, "last_value", row.getLastValue());
            item.put("last_timestamp", row.getLastTimestamp().toString());
            if (row.getMetricType() != MetricType.GAUGE) {
                number(item, "increase", row.getValueIncrease());
                rate(row).ifPresentOrElse(rate -> number(item, "rate", rate), () -> item.putNull("rate"));
            }
            DDSketch sketch = Sketches.decode(row.getSketch());
            ObjectNode quantiles = item.putObject("quantiles");
            for (double q : AggregateExposition.QUANTILES) {
                number(quantiles, Double.toString(q), sketch.getValueAtQuantile(q));
            }
        }
        if (more) {
            WindowAggregate last = page.get(page.size() - 1);
            body.put("next_cursor", AggregateQuery.Cursor.encode(new PagePosition(last.getWindowSeconds(),
                    last.getWindowStart(), last.getLabels())));
        } else {
            body.putNull("next_cursor");
        }
        body.put("truncated", more);
        return Response.json(200, Json.write(body));
    }

    /**
     * The per-second rate a window's increase implies: for a delta series over the window's length (each
     * increment covers the time before it); for a counter over the time from its first to its last sample, the
     * span the increase was observed over; none for a counter window with one sample.
     */
    static Optional<Double> rate(WindowAggregate row) {
        if (row.getMetricType() == MetricType.DELTA) {
            return Optional.of(row.getValueIncrease() / row.getWindowSeconds());
        }
        long spanMicros = ChronoUnit.MICROS.between(row.getFirstTimestamp(), row.getLastTimestamp());
        return spanMicros <= 0 ? Optional.empty() : Optional.of(row.getValueIncrease() * 1e6 / spanMicros);
    }

    /**
     * A value as a JSON number; a non-finite one (a sum that overflowed, a sample of +Inf) as the string
     * {@code "+Inf"}, {@code "-Inf"} or {@code "NaN"}, as the Prometheus HTTP API writes them (JSON has no number
     * for them).
     */
    static void number(ObjectNode node, String field, double value) {
        if (Double.isFinite(value)) {
            node.put(field, value);
        } else if (Double.isNaN(value)) {
            node.put(field, "NaN");
        } else {
            node.put(field, value > 0 ? "+Inf" : "-Inf");
        }
    }

    /** Redis answers and the consumer reads; PostgreSQL answers. */
    @Override
    public Health health() {
        StreamRuntimes<MetricsSink.Prepared> current = runtime;
        AggregateStore currentStore = store;
        HealthCheck redisCheck = HealthCheck.of("redis", redisAnswers(), "Redis does not answer PING");
        HealthCheck consumers = HealthCheck.of("consumers", current != null && current.isReading(),
                "the consumer cannot read its stream");
        HealthCheck postgres = HealthCheck.of("postgresql", currentStore != null && currentStore.isReachable(),
                "PostgreSQL does not answer");
        return Health.of(redisCheck, postgres, consumers);
    }

    private boolean redisAnswers() {
        UnifiedJedis current = redis;
        return current != null && RedisClients.answersPing(current,
                shards.stream().map(StreamRuntimes.Shard::stream).toList());
    }

    /** {@link #stop} with the configured shutdown grace (KILLKRILL_SHUTDOWN_GRACE). */
    @Override
    public void close() {
        stop(config.shutdownGrace());
    }

    /** Finishes the batches read (commit, then acknowledge) within {@code grace}, releases everything; idempotent. */
    @Override
    public synchronized void stop(Duration grace) {
        if (runtime != null) {
            runtime.stop(grace);
            runtime = null;
        }
        if (audit != null) {
            audit.close();
        }
        if (sweeps != null) {
            sweeps.shutdownNow();
            sweeps = null;
        }
        if (admin != null) {
            admin.close();
            admin = null;
        }
        if (redis != null) {
            redis.close();
            redis = null;
        }
        if (store != null) {
            store.close();
            store = null;
        }
        registry.close();
    }
}
