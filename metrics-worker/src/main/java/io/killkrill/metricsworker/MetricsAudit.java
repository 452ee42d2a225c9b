package io.killkrill.metricsworker;

import io.killkrill.config.Config;
import io.killkrill.config.ConfigLoader;
import io.killkrill.config.StreamNames;
import io.killkrill.metricsworker.store.AggregateStore;
import io.killkrill.stream.RedisClients;
import io.killkrill.stream.audit.AuditCommand;
import io.killkrill.stream.audit.AuditTable;
import io.killkrill.stream.StreamRuntimes;
import io.killkrill.stream.audit.StreamAudit;
import io.killkrill.stream.RedisFailovers;
import redis.clients.jedis.UnifiedJedis;

import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * The metrics audit ({@code ./killkrill audit --stream metrics}, or {@code java -cp metrics-worker-all.jar
 * io.killkrill.metricsworker.MetricsAudit --since 1h}): per minute of the samples' timestamps, the receivers'
 * accepted count against the samples counted in PostgreSQL ({@code sample_count} of the smallest window size's
 * rows), dead-lettered and still pending on the metrics stream. Also run every minute by the metrics-worker for
 * the gauge {@code killkrill_metrics_worker_audit_unreconciled}.
 */
public final class MetricsAudit {
    private final StreamAudit stream;
    private final AggregateStore store;
    private final int windowSeconds;

    /**
     * @param windows the configured window sizes; the smallest must be at most 60 s and divide a minute, so each
     *                of its rows lies within one minute
     */
    public MetricsAudit(UnifiedJedis redis, StreamNames streams, AggregateStore store, List<Duration> windows) {
        this.stream = new StreamAudit(redis, StreamRuntimes.Shard.ofMetrics(streams), streams.metricsGroup());
        this.store = store;
        this.windowSeconds = smallest(windows);
        if (!supports(windows)) {
            throw new IllegalArgumentException("the metrics audit needs a window size of at most 60 s that divides"
                    + " a minute (KILLKRILL_METRICS_WORKER_WINDOWS), the smallest is " + windowSeconds + " s");
        }
    }

    /** Whether the smallest of {@code windows} lets samples be counted per minute. */
    public static boolean supports(List<Duration> windows) {
        int smallest = smallest(windows);
        return smallest > 0 && smallest <= 60 && 60 % smallest == 0;
    }

    private static int smallest(List<Duration> windows) {
        return (int) windows.stream().mapToLong(Duration::toSeconds).min().orElseThrow();
    }

    public AuditTable run(AuditCommand.Range range) throws InterruptedException {
        if (range.service().isPresent()) {
            throw new IllegalArgumentException("metric samples have no service: --service applies to logs only");
        }
        return stream.audit("metrics (per minute of the sample timestamps)", "stored", range,
                (from, to, service) -> store.samplesPerMinute(windowSeconds, from, to));
    }

    public static void main(String[] args) {
        Config config = ConfigLoader.loadOrExit(MetricsWorkerSettings.DEFINITION, System.getenv());
        MetricsWorkerConfig worker = MetricsWorkerConfig.from(config);
        int status;
        try (UnifiedJedis redis = RedisClients.forConsumers(worker.redis(), 1, Duration.ofSeconds(1),
                RedisFailovers.logged());
             AggregateStore store = new AggregateStore(worker.databaseUrl(), worker.databaseUser(),
                     worker.databasePassword(), worker.databaseSchema(), 2, worker.databaseConnectTimeout())) {
            MetricsAudit audit = new MetricsAudit(redis, worker.streams(), store, worker.windows());
            status = AuditCommand.run("audit", args, Clock.systemUTC(), audit::run, System.out, System.err);
        }
        System.exit(status);
    }
}
