package io.killkrill.it.metricsworker;

import io.killkrill.it.support.PostgresExtension;
import io.killkrill.it.support.PostgresService;
import io.killkrill.it.support.RedisExtension;
import io.killkrill.it.support.RedisService;
import io.killkrill.metricsworker.MetricsWorker;
import io.killkrill.metricsworker.MetricsWorkerSettings.FaultInjection;
import io.killkrill.metricsworker.aggregate.BatchAggregation;
import io.killkrill.metricsworker.aggregate.LabelSets;
import io.killkrill.metricsworker.aggregate.SeriesWindow;
import io.killkrill.metricsworker.store.AggregateStore;
import io.killkrill.model.MetricSample;
import io.killkrill.model.MetricSampleCodec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.resps.StreamConsumerInfo;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

import static io.killkrill.it.metricsworker.MetricsWorkerFixture.closedMinute;
import static io.killkrill.it.metricsworker.MetricsWorkerFixture.sample;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two metrics-worker replicas in one consumer group against the real Redis and PostgreSQL: they split the work
 * and the totals stay exact, also when both create the same new window rows at the same moment.
 */
@ExtendWith({RedisExtension.class, PostgresExtension.class})
class MetricsWorkerReplicasIT {
    private MetricsWorkerFixture fixture;
    private final List<MetricsWorker> workers = new ArrayList<>();

    @BeforeEach
    void setUp(RedisService redis, PostgresService postgres, TestInfo info) throws SQLException {
        fixture = new MetricsWorkerFixture(redis, postgres, "replicas");
    }

    @AfterEach
    void tearDown() throws SQLException {
        workers.forEach(MetricsWorker::close);
        fixture.cleanUp();
    }

    /**
     * Both replicas are consuming before the first sample is written, then 20,000 samples of 20 series land at
     * once, all in windows no row exists for yet (10 s and 60 s sizes, 100 ms batches): both replicas' first
     * batches create the same rows. Proof of exactness: every stored row equals the fold of exactly the samples
     * sent for it (count, sum, min, max), the counts add up to the number sent per window size, no dead letter,
     * nothing pending or undelivered, and the replicas' committed-sample counters add up to exactly the number
     * sent (each sample's effect committed once). Proof of the split: both replicas read and acknowledged
     * entries (their counters, and XINFO CONSUMERS lists both with nothing pending).
     */
    @Test
    void twoReplicasSplitTheStreamAndTheTotalsStayExact() throws Exception {
        List<Duration> windows = List.of(Duration.ofSeconds(10), Duration.ofSeconds(60));
        for (int i = 0; i < 2; i++) {
            workers.add(new MetricsWorker(fixture.config(fixture.postgres.jdbcUrl(), 100, windows, 1000,
                    FaultInjection.NONE)).start());
        }
        await("the consumer group exists").atMost(Duration.ofSeconds(10)).until(() -> fixture.undelivered() == 0);

        int total = 20_000;
        Instant base = closedMinute();
        List<MetricSample> sent = new ArrayList<>(total);
        try (var pipeline = fixture.redis.client().pipelined()) {
            for (int i = 0; i < total; i++) {
                MetricSample s = sample("replica_metric", i % 997, Map.of("host", "h" + (i % 20)),
                        base.plusMillis(i * 6L)); // 120 s: two 60 s windows, twelve 10 s windows per series
                sent.add(s);
                pipeline.xadd(fixture.streams.metrics(), StreamEntryID.NEW_ENTRY, MetricSampleCodec.toEntry(s));
            }
            pipeline.sync();
        }

        await("every entry read and acknowledged by the replicas").atMost(Duration.ofMinutes(2))
                .until(() -> fixture.undelivered() == 0 && fixture.pending() == 0);

        var expected = BatchAggregation.aggregate(sent, List.of(10, 60));
        List<MetricsWorkerFixture.Row> rows = fixture.rows();
        assertThat(rows).hasSize(expected.size());
        for (MetricsWorkerFixture.Row row : rows) {
            var want = expected.get(new SeriesWindow(row.name(), row.labels(), row.windowSeconds(), row.windowStart()));
            assertThat(want).as("a sent series window for row %s", row).isNotNull();
            assertThat(row.count()).as("count of %s", row).isEqualTo(want.count());
            assertThat(row.sum()).as("sum of %s", row).isEqualTo(want.sum());
            assertThat(row.min()).isEqualTo(want.min());
            assertThat(row.max()).isEqualTo(want.max());
        }
        Map<Integer, Long> countsPerSize = rows.stream().collect(Collectors.groupingBy(
                MetricsWorkerFixture.Row::windowSeconds, Collectors.summingLong(MetricsWorkerFixture.Row::count)));
        assertThat(countsPerSize).containsExactlyInAnyOrderEntriesOf(Map.of(10, (long) total, 60, (long) total));
        assertThat(fixture.deadLetters()).isEmpty();

        List<Double> aggregated = workers.stream().map(w -> counter(w, "killkrill.metrics_worker.samples.aggregated"))
                .toList();
        assertThat(aggregated).as("samples committed by each replica").allSatisfy(n -> assertThat(n).isPositive());
        assertThat(aggregated.stream().mapToDouble(Double::doubleValue).sum()).isEqualTo(total);
        List<StreamConsumerInfo> consumers = fixture.redis.client().xinfoConsumers2(fixture.streams.metrics(),
                fixture.streams.metricsGroup());
        assertThat(consumers).hasSize(2).allSatisfy(c -> assertThat(c.getPending()).isZero());
        System.out.printf("replicas: samples aggregated %s, window rows created concurrently %s%n", aggregated,
                workers.stream().map(w -> counter(w, "killkrill.metrics_worker.window.rows_raced")).toList());
    }

    /**
     * The race made deterministic: another replica's transaction has inserted a window row and not committed;
     * this replica's batch for the same window waits on it (PostgreSQL's ON CONFLICT), then merges into the
     * committed row instead of failing or overwriting it. Proof: the row holds both contributions.
     */
    @Test
    void aWindowRowCreatedConcurrentlyByAnotherReplicaIsMergedInto() throws Exception {
        Instant window = closedMinute();
        try (AggregateStore store = new AggregateStore(fixture.postgres.jdbcUrl(), fixture.postgres.user(),
                fixture.postgres.password(), fixture.schema, 2, Duration.ofSeconds(5))) {
            String labels = LabelSets.canonical(Map.of("host", "a"));
            try (Connection other = fixture.postgres.connect()) {
                other.setAutoCommit(false);
                try (PreparedStatement insert = other.prepareStatement("INSERT INTO " + fixture.schema
                        + ".window_aggregate (id, metric_name, labels, window_seconds, window_start, sample_count,"
                        + " value_sum, min_value, max_value, last_value, last_timestamp, sketch, metric_type,"
                        + " first_value, first_timestamp, value_increase, counter_points, updated_at)"
                        + " VALUES (nextval('" + fixture.schema + ".window_aggregate_seq'), 'raced', ?, 60, ?, 2, 30,"
                        + " 10, 20, 20, ?, ''::bytea, 'gauge', 10, ?, 0, ''::bytea, now())")) {
                    insert.setString(1, labels);
                    insert.setObject(2, window.atOffset(java.time.ZoneOffset.UTC));
                    insert.setObject(3, window.plusSeconds(1).atOffset(java.time.ZoneOffset.UTC));
                    insert.setObject(4, window.atOffset(java.time.ZoneOffset.UTC));
                    insert.executeUpdate();
                }
                Map<String, MetricSample> mine = Map.of("1-0", sample("raced", 5, Map.of("host", "a"),
                        window.plusSeconds(2)));
                CompletableFuture<StoreWrites.Applied> applying = CompletableFuture.supplyAsync(() ->
                        StoreWrites.apply(store, Optional.of(new AggregateStore.EntryRange("1-0", "1-0")), mine,
                                "replica-b"));
                await("this replica's merge waits on the other replica's uncommitted row")
                        .atMost(Duration.ofSeconds(10)).until(() -> lockWaiters(fixture) > 0);
                assertThat(applying).isNotDone();
                other.commit();
                StoreWrites.Applied applied = applying.get(10, java.util.concurrent.TimeUnit.SECONDS);
                assertThat(applied.rowsRaced()).isEqualTo(1);
            }
        }
        assertThat(fixture.rows()).singleElement().satisfies(row -> {
            assertThat(row.count()).isEqualTo(3);
            assertThat(row.sum()).isEqualTo(35.0);
            assertThat(row.min()).isEqualTo(5.0);
            assertThat(row.max()).isEqualTo(20.0);
            assertThat(row.last()).isEqualTo(5.0);
            assertThat(row.lastAt()).isEqualTo(window.plusSeconds(2));
        });
    }

    private static long lockWaiters(MetricsWorkerFixture fixture) throws SQLException {
        try (Connection c = fixture.postgres.connect(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                     + " AND query LIKE '%" + fixture.schema + "%' AND query LIKE '%ON CONFLICT%'")) {
            r.next();
            return r.getLong(1);
        }
    }

    private static double counter(MetricsWorker worker, String name) {
        return worker.registry().get(name).counter().count();
    }
}
