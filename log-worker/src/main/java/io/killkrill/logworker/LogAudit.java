package io.killkrill.logworker;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.aggregations.Aggregate;
import co.elastic.clients.elasticsearch._types.aggregations.DateHistogramBucket;
import co.elastic.clients.elasticsearch._types.query_dsl.Query;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import io.killkrill.config.Config;
import io.killkrill.config.ConfigLoader;
import io.killkrill.config.StreamNames;
import io.killkrill.logworker.elasticsearch.ElasticsearchClients;
import io.killkrill.model.AuditSlot;
import io.killkrill.stream.RedisClients;
import io.killkrill.stream.audit.AuditCommand;
import io.killkrill.stream.audit.AuditTable;
import io.killkrill.stream.StreamRuntimes;
import io.killkrill.stream.audit.StreamAudit;
import io.killkrill.stream.RedisFailovers;
import redis.clients.jedis.UnifiedJedis;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The log audit ({@code ./killkrill audit --stream logs}, or {@code java -cp log-worker-all.jar
 * io.killkrill.logworker.LogAudit --since 1h}): per minute of receipt, the receivers' accepted count against the
 * events indexed in {@code <prefix>-*} (a {@code date_histogram} of {@code received_at}), dead-lettered and still
 * pending on the logs stream. Also run every minute by the log-worker for the gauge
 * {@code killkrill_log_worker_audit_unreconciled}.
 */
public final class LogAudit {
    private final StreamAudit stream;
    private final ElasticsearchClient elasticsearch;
    private final String indexPrefix;

    public LogAudit(UnifiedJedis redis, StreamNames streams, ElasticsearchClient elasticsearch, String indexPrefix) {
        this.stream = new StreamAudit(redis, StreamRuntimes.Shard.ofLogs(streams), streams.logGroup());
        this.elasticsearch = elasticsearch;
        this.indexPrefix = indexPrefix;
    }

    public AuditTable run(AuditCommand.Range range) throws InterruptedException {
        return stream.audit("logs (per minute of receipt)", "indexed", range, this::indexed);
    }

    /** Events indexed per minute of {@code received_at} in [from, to), of one service if given. */
    Map<Long, Long> indexed(long fromMinute, long toMinute, Optional<String> service) {
        List<Query> filters = new ArrayList<>();
        filters.add(Query.of(q -> q.range(r -> r.date(d -> d.field("received_at")
                .gte(AuditSlot.startOf(fromMinute).toString()).lt(AuditSlot.startOf(toMinute).toString())))));
        service.ifPresent(s -> filters.add(Query.of(q -> q.term(t -> t.field("service").value(s)))));
        SearchResponse<Void> response;
        try {
            response = elasticsearch.search(s -> s.index(indexPrefix + "-*").size(0).trackTotalHits(t -> t.enabled(false))
                    .ignoreUnavailable(true).allowNoIndices(true)
                    .query(q -> q.bool(b -> b.filter(filters)))
                    .aggregations("per_minute", a -> a.dateHistogram(h -> h.field("received_at")
                            .fixedInterval(i -> i.time("1m")).minDocCount(1))), Void.class);
        } catch (IOException e) {
            throw new UncheckedIOException("Elasticsearch search for the audit failed", e);
        }
        Map<Long, Long> indexed = new TreeMap<>();
        Aggregate perMinute = response.aggregations().get("per_minute");
        if (perMinute == null) {
            return indexed; // no index yet
        }
        for (DateHistogramBucket bucket : perMinute.dateHistogram().buckets().array()) {
            indexed.put(Math.floorDiv(bucket.key(), 60_000L), bucket.docCount());
        }
        return indexed;
    }

    public static void main(String[] args) {
        Config config = ConfigLoader.loadOrExit(LogWorkerSettings.DEFINITION, System.getenv());
        LogWorkerConfig worker = LogWorkerConfig.from(config);
        int status;
        try (UnifiedJedis redis = RedisClients.forConsumers(worker.redis(), 1, Duration.ofSeconds(1),
                RedisFailovers.logged())) {
            ElasticsearchClient elasticsearch = ElasticsearchClients.create(worker.elasticsearchUrl(),
                    worker.esRequestTimeout(), 2);
            try {
                LogAudit audit = new LogAudit(redis, worker.streams(), elasticsearch, worker.indexPrefix());
                status = AuditCommand.run("audit", args, Clock.systemUTC(), audit::run, System.out, System.err);
            } finally {
                elasticsearch._transport().close();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        System.exit(status);
    }
}
