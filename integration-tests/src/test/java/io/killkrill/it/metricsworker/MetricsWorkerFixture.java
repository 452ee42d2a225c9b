package io.killkrill.it.metricsworker;

import io.killkrill.config.RedisEndpoint;
import io.killkrill.config.StreamNames;
import io.killkrill.it.support.PostgresService;
import io.killkrill.it.support.RedisService;
import io.killkrill.config.ConsumerGroupSettings;
import io.killkrill.metricsworker.MetricsWorker;
import io.killkrill.metricsworker.MetricsWorkerConfig;
import io.killkrill.metricsworker.MetricsWorkerSettings.FaultInjection;
import io.killkrill.model.DeadLetter;
import io.killkrill.model.DeadLetterCodec;
import io.killkrill.model.EventIds;
import io.killkrill.model.MetricSample;
import io.killkrill.model.MetricSampleCodec;
import io.killkrill.model.MetricType;
import io.killkrill.model.Source;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.Response;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.resps.StreamGroupInfo;

import org.junit.jupiter.api.TestInfo;

import java.net.URI;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** What the metrics-worker ITs share: a config on unique keys and schema, writing samples, reading rows. */
final class MetricsWorkerFixture {
    final RedisService redis;
    final PostgresService postgres;
    final StreamNames streams;
    final String schema;

    MetricsWorkerFixture(RedisService redis, PostgresService postgres, String testName) throws SQLException {
        this.redis = redis;
        this.postgres = postgres;
        this.streams = StreamNames.prefixed(RedisService.uniquePrefix("mw-" + testName));
        this.schema = postgres.createUniqueSchema("mw_" + testName);
    }

    /** A fixture named after the running test method (its first 12 letters). */
    static MetricsWorkerFixture forTest(RedisService redis, PostgresService postgres, TestInfo test)
            throws SQLException {
        return new MetricsWorkerFixture(redis, postgres, test.getTestMethod().orElseThrow().getName()
                .replaceAll("[^A-Za-z]", "").substring(0, 12));
    }

    MetricsWorkerConfig config() {
        return config(postgres.jdbcUrl(), 1000, List.of(Duration.ofSeconds(60)), 1000, FaultInjection.NONE);
    }

    MetricsWorkerConfig config(String jdbcUrl, int batchSize, List<Duration> windows, int maxSeries,
                               FaultInjection fault) {
        return new MetricsWorkerConfig(new RedisEndpoint.Standalone(redis.uri()), streams, jdbcUrl, postgres.user(), postgres.password(), schema,
                2, Duration.ofSeconds(5), 0, batchSize, Duration.ofMillis(200), Duration.ofSeconds(2), windows, Duration.ofHours(1),
                maxSeries, fault, ConsumerGroupSettings.uniqueConsumerName(),
                MetricsWorkerConfig.defaultRuntime().withTrimInterval(Duration.ofMillis(500)), Duration.ofSeconds(30));
    }

    /** The start of an epoch-aligned minute a few minutes ago: closed, and well within the lateness limit. */
    static Instant closedMinute() {
        long minute = 60_000;
        return Instant.ofEpochMilli((System.currentTimeMillis() / minute - 3) * minute);
    }

    static MetricSample sample(String name, double value, Map<String, String> labels, Instant timestamp) {
        return sample(name, value, labels, timestamp, MetricType.GAUGE);
    }

    static MetricSample sample(String name, double value, Map<String, String> labels, Instant timestamp,
                               MetricType type) {
        return new MetricSample(EventIds.next(), name, value, new TreeMap<>(labels), timestamp, type, Instant.now(),
                Source.http("127.0.0.1:1"));
    }

    StreamEntryID send(MetricSample sample) {
        return redis.client().xadd(streams.metrics(), StreamEntryID.NEW_ENTRY, MetricSampleCodec.toEntry(sample));
    }

    /**
     * Adds all samples in one MULTI ... EXEC: a worker blocked in XREADGROUP sees them all at once, so its next
     * batch holds as many of them as its batch size allows (with single XADDs it may wake up for the first few).
     */
    List<StreamEntryID> sendAtOnce(List<MetricSample> samples) {
        try (var transaction = redis.client().multi()) {
            List<Response<StreamEntryID>> ids = new ArrayList<>();
            for (MetricSample sample : samples) {
                ids.add(transaction.xadd(streams.metrics(), StreamEntryID.NEW_ENTRY,
                        MetricSampleCodec.toEntry(sample)));
            }
            transaction.exec();
            return ids.stream().map(Response::get).toList();
        }
    }

    StreamEntryID sendRaw(Map<String, String> fields) {
        return redis.client().xadd(streams.metrics(), StreamEntryID.NEW_ENTRY, fields);
    }

    List<DeadLetter> deadLetters() {
        List<DeadLetter> letters = new ArrayList<>();
        for (var entry : redis.client().xrange(streams.metricsDlq(), (StreamEntryID) null, null)) {
            letters.add(DeadLetterCodec.fromEntry(entry.getFields()));
        }
        return letters;
    }

    /** Entries of the metrics stream delivered to the group but not acknowledged; 0 when the group is absent. */
    long pending() {
        JedisPooled jedis = redis.client();
        if (!jedis.exists(streams.metrics())) {
            return 0;
        }
        for (StreamGroupInfo group : jedis.xinfoGroups(streams.metrics())) {
            if (group.getName().equals(streams.metricsGroup())) {
                return jedis.xpending(streams.metrics(), streams.metricsGroup()).getTotal();
            }
        }
        return 0;
    }

    /** Entries not yet delivered to the group (lag); every entry has been read when 0. */
    long undelivered() {
        JedisPooled jedis = redis.client();
        for (StreamGroupInfo group : jedis.xinfoGroups(streams.metrics())) {
            if (group.getName().equals(streams.metricsGroup())) {
                Object lag = group.getGroupInfo().get("lag");
                return lag == null ? -1 : ((Number) lag).longValue();
            }
        }
        return -1;
    }

    record Row(String name, String labels, int windowSeconds, Instant windowStart, long count, double sum,
               double min, double max, double last, Instant lastAt) {
    }

    List<Row> rows() throws SQLException {
        List<Row> rows = new ArrayList<>();
        try (Connection c = postgres.connect(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT * FROM " + schema + ".window_aggregate ORDER BY metric_name,"
                     + " labels, window_seconds, window_start")) {
            while (r.next()) {
                rows.add(new Row(r.getString("metric_name"), r.getString("labels"), r.getInt("window_seconds"),
                        r.getTimestamp("window_start").toInstant(), r.getLong("sample_count"),
                        r.getDouble("value_sum"), r.getDouble("min_value"), r.getDouble("max_value"),
                        r.getDouble("last_value"), r.getTimestamp("last_timestamp").toInstant()));
            }
        } catch (SQLException e) {
            if ("42P01".equals(e.getSQLState())) {
                return List.of(); // not migrated yet
            }
            throw e;
        }
        return rows;
    }

    long totalCount() throws SQLException {
        return rows().stream().mapToLong(Row::count).sum();
    }

    long appliedEntryRows() throws SQLException {
        try (Connection c = postgres.connect(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT count(*) FROM " + schema + ".applied_entries")) {
            r.next();
            return r.getLong(1);
        }
    }

    /** Closes the test's worker, if it started one, then {@link #cleanUp()}. */
    void cleanUp(MetricsWorker worker) throws SQLException {
        if (worker != null) {
            worker.close();
        }
        cleanUp();
    }

    void cleanUp() throws SQLException {
        redis.client().del(streams.metrics(), streams.metricsDlq());
        try (Connection c = postgres.connect(); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }
    }

    static URI admin(int port, String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + port + pathAndQuery);
    }
}
