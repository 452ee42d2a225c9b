package io.killkrill.metricsworker;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.datadoghq.sketch.ddsketch.DDSketch;
import io.killkrill.metricsworker.aggregate.AggregateExposition;
import io.killkrill.metricsworker.aggregate.LabelSets;
import io.killkrill.metricsworker.aggregate.Sketches;
import io.killkrill.metricsworker.http.AdminServer;
import io.killkrill.metricsworker.http.AdminServer.Response;
import io.killkrill.metricsworker.http.AggregateQuery;
import io.killkrill.metricsworker.store.AggregateStore;
import io.killkrill.model.Json;
import io.killkrill.model.Stage;
import io.killkrill.stream.ConsumerSettings;
import io.killkrill.stream.StreamRuntime;
import io.killkrill.model.aggregate.WindowAggregate;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.JedisPooled;

import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The metrics-worker service: start() connects, migrates, validates the schema, opens the admin port and starts
 * the stream runtime ({@link StreamRuntime}, reading one batch ahead) driving a {@link MetricsSink}, and the
 * sweep of the applied-entries ledger; close() finishes the batches read (committed and acknowledged), then
 * releases everything. Usable in-process from tests and from {@link MetricsWorkerMain}.
 */
public final class MetricsWorker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MetricsWorker.class);
    private static final int QUERY_LIMIT = 10_000;

    private final MetricsWorkerConfig config;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private AggregateStore store;
    private JedisPooled redis;
    private StreamRuntime<MetricsSink.Prepared> runtime;
    private ScheduledExecutorService sweeps;
    private AdminServer admin;

    public MetricsWorker(MetricsWorkerConfig config) {
        this.config = config;
    }

    /** Starts the service; throws (after releasing what it opened) when it cannot. */
    public MetricsWorker start() {
        try {
            store = new AggregateStore(config.databaseUrl(), config.databaseUser(), config.databasePassword(),
                    config.databaseSchema(), config.databasePoolSize());
            // the socket must outlive a blocking XREADGROUP
            redis = new JedisPooled(config.redisUrl(), (int) Math.max(2000, config.readBlock().toMillis() + 2000));
            ConsumerSettings consumer = new ConsumerSettings(MetricsSink.SERVICE, Stage.PERSIST,
                    config.streams().metrics(), config.streams().metricsGroup(), config.streams().metricsDlq(),
                    config.consumerName(), config.batchSize(), config.readBlock(), config.claimIdle(),
                    config.runtime().maxDeliveries(), config.runtime().deadLetterMaxLength(), true);
            MetricsSink sink = new MetricsSink(config.streams().metrics(), store, config, registry, Clock.systemUTC());
            runtime = new StreamRuntime<>(redis, new StreamRuntime.Settings(consumer, 1,
                    config.runtime().trimInterval(), config.runtime().consumerExpiry()), () -> sink, registry);
            admin = new AdminServer(config.adminPort(), routes());
            runtime.start();
            AppliedEntriesSweeper sweeper = new AppliedEntriesSweeper(redis, store, config.streams().metrics(),
                    config.streams().metricsGroup(), config.claimIdle());
            sweeps = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "applied-entries-sweep");
                t.setDaemon(true);
                return t;
            });
            sweeps.scheduleWithFixedDelay(sweeper::sweep, config.claimIdle().toMillis(),
                    config.claimIdle().toMillis(), TimeUnit.MILLISECONDS);
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
        routes.put("/health/live", q -> Response.json(200, "{\"status\":\"UP\"}"));
        routes.put("/health/ready", q -> {
            boolean reading = runtime.isReading() && redisAnswers();
            boolean postgres = store.isReachable();
            String body = "{\"status\":\"" + (reading && postgres ? "UP" : "DOWN") + "\",\"redis\":\""
                    + (reading ? "UP" : "DOWN") + "\",\"postgresql\":\"" + (postgres ? "UP" : "DOWN") + "\"}";
            return Response.json(reading && postgres ? 200 : 503, body);
        });
        routes.put("/metrics", q -> new Response(200, "text/plain; version=0.0.4; charset=utf-8",
                registry.scrape()));
        routes.put("/metrics/aggregates", q -> new Response(200, "text/plain; version=0.0.4; charset=utf-8",
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
        List<WindowAggregate> rows = store.find(query.name(), query.from(), query.to(), query.windowSeconds(),
                QUERY_LIMIT);
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode out = body.putArray("aggregates");
        for (WindowAggregate row : rows) {
            SortedMap<String, String> labels = LabelSets.parse(row.getLabels());
            if (!query.matches(labels)) {
                continue;
            }
            ObjectNode item = out.addObject();
            item.put("name", row.getMetricName());
            ObjectNode labelNode = item.putObject("labels");
            labels.forEach(labelNode::put);
            item.put("window", AggregateExposition.windowLabel(row.getWindowSeconds()));
            item.put("window_start", row.getWindowStart().toString());
            item.put("window_end", row.getWindowEnd().toString());
            item.put("count", row.getSampleCount());
            item.put("sum", row.getValueSum());
            item.put("min", row.getMinValue());
            item.put("max", row.getMaxValue());
            item.put("last_value", row.getLastValue());
            item.put("last_timestamp", row.getLastTimestamp().toString());
            DDSketch sketch = Sketches.decode(row.getSketch());
            ObjectNode quantiles = item.putObject("quantiles");
            for (double q : AggregateExposition.QUANTILES) {
                quantiles.put(Double.toString(q), sketch.getValueAtQuantile(q));
            }
        }
        body.put("truncated", rows.size() >= QUERY_LIMIT);
        return Response.json(200, Json.write(body));
    }

    private boolean redisAnswers() {
        try {
            return "PONG".equals(redis.ping());
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Finishes the batches read (commit, then acknowledge) and releases everything; idempotent. */
    @Override
    public void close() {
        if (runtime != null) {
            runtime.stop(Duration.ofSeconds(30));
            runtime = null;
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
