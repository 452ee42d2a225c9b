package io.killkrill.it.metricsworker;

import com.fasterxml.jackson.databind.JsonNode;
import io.killkrill.it.support.FreePorts;
import io.killkrill.it.support.PostgresExtension;
import io.killkrill.it.support.PostgresService;
import io.killkrill.it.support.RedisExtension;
import io.killkrill.it.support.RedisService;
import io.killkrill.metricsworker.MetricsWorker;
import io.killkrill.metricsworker.MetricsWorkerSettings.FaultInjection;
import io.killkrill.model.Json;
import io.killkrill.model.MetricType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.killkrill.it.metricsworker.MetricsWorkerAggregationIT.assertPromtoolAccepts;
import static io.killkrill.it.metricsworker.MetricsWorkerAggregationIT.get;
import static io.killkrill.it.metricsworker.MetricsWorkerFixture.closedMinute;
import static io.killkrill.it.metricsworker.MetricsWorkerFixture.sample;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/**
 * Counters are stored as what users query: a window's increase with counter resets detected, exactly once
 * across batches and a crash; delta series add their increments; gauges keep their statistics; Prometheus sees
 * counters as counters. The figures are read from the real {@code window_aggregate} row in PostgreSQL, the
 * aggregates API and the exposition (checked by promtool).
 */
@ExtendWith({RedisExtension.class, PostgresExtension.class})
class CounterSemanticsIT {
    private static final double[] RUNNING_TOTALS = {100, 130, 5, 20};

    private MetricsWorkerFixture fixture;
    private MetricsWorker worker;

    @BeforeEach
    void setUp(RedisService redis, PostgresService postgres, TestInfo info) throws SQLException {
        fixture = MetricsWorkerFixture.forTest(redis, postgres, info);
    }

    @AfterEach
    void tearDown() throws SQLException {
        fixture.cleanUp(worker);
    }

    @Test
    void runningTotalsWithAResetInOneWindowAreStoredAsAnIncreaseOf50AndExposedAsACounter() throws Exception {
        Instant window = closedMinute();
        sendRunningTotals(window);
        for (int i = 0; i < 3; i++) {
            fixture.send(sample("jobs_done", 3 + i, Map.of(), window.plusSeconds(10 + i), MetricType.DELTA));
        }
        fixture.send(sample("queue_depth", 7, Map.of(), window.plusSeconds(5)));
        fixture.send(sample("queue_depth", 3, Map.of(), window.plusSeconds(6)));
        worker = new MetricsWorker(fixture.config()).start();
        awaitSettled(RUNNING_TOTALS.length + 5);

        StoredWindow counter = stored("http_requests_total");
        assertThat(counter.type()).isEqualTo("counter");
        assertThat(counter.increase()).as("30 + 5 (reset) + 15").isEqualTo(50.0);
        assertThat(counter.first()).isEqualTo(100.0);
        assertThat(counter.last()).isEqualTo(20.0);
        assertThat(counter.count()).isEqualTo(4);
        StoredWindow delta = stored("jobs_done");
        assertThat(delta.type()).isEqualTo("delta");
        assertThat(delta.increase()).as("3 + 4 + 5").isEqualTo(12.0);
        StoredWindow gauge = stored("queue_depth");
        assertThat(gauge.type()).isEqualTo("gauge");
        assertThat(gauge.increase()).isZero();
        assertThat(gauge.sum()).isEqualTo(10.0);

        JsonNode api = Json.MAPPER.readTree(get(worker.adminPort(),
                "/api/v1/aggregates?name=http_requests_total&window=60s").body()).get("aggregates").get(0);
        assertThat(api.get("type").asText()).isEqualTo("counter");
        assertThat(api.get("increase").asDouble()).isEqualTo(50.0);
        assertThat(api.get("rate").asDouble()).as("50 over the 3 s from first to last sample")
                .isCloseTo(50.0 / 3, within(1e-9));
        JsonNode deltaApi = Json.MAPPER.readTree(get(worker.adminPort(),
                "/api/v1/aggregates?name=jobs_done&window=60s").body()).get("aggregates").get(0);
        assertThat(deltaApi.get("rate").asDouble()).as("12 over the 60 s window").isCloseTo(0.2, within(1e-9));
        assertThat(Json.MAPPER.readTree(get(worker.adminPort(), "/api/v1/aggregates?name=queue_depth").body())
                .get("aggregates").get(0).has("increase")).as("a gauge has no increase").isFalse();

        String exposition = get(worker.adminPort(), "/metrics/aggregates").body();
        assertThat(exposition)
                .contains("# TYPE http_requests_total counter\n")
                .contains("http_requests_total{window=\"60s\"} 20.0\n")
                .contains("http_requests_total_window_increase{window=\"60s\"} 50.0\n")
                .doesNotContain("http_requests_total_window{")
                .contains("jobs_done_window_increase{window=\"60s\"} 12.0\n")
                .contains("# TYPE queue_depth_window summary")
                .doesNotContain("queue_depth_window_increase");
        assertPromtoolAccepts(exposition);
    }

    /**
     * The same four running totals read in two batches of two, the worker halted (exit 137, no shutdown hook,
     * as SIGKILL leaves it) right after committing the first: the restarted worker claims the pending entries,
     * skips the two applied ones and merges the other two into the same row, which then holds an increase of 50
     * from exactly 4 samples.
     */
    @Test
    void theSameRunningTotalsSplitOverTwoBatchesWithAWorkerKilledInBetweenIncreaseBy50() throws Exception {
        Instant window = closedMinute();
        sendRunningTotals(window);
        var crashing = fixture.config(fixture.postgres.jdbcUrl(), 2, List.of(Duration.ofSeconds(60)), 1000,
                FaultInjection.CRASH_AFTER_COMMIT);
        try (MetricsWorkerProcess first = MetricsWorkerProcess.start(crashing, FreePorts.next())) {
            assertThat(first.process().waitFor(60, TimeUnit.SECONDS)).as("worker halts after its first commit")
                    .isTrue();
            assertThat(first.process().exitValue()).as(first.output()).isEqualTo(137);
        }
        StoredWindow half = stored("http_requests_total");
        assertThat(half.count()).as("the first batch is committed").isEqualTo(2);
        assertThat(half.increase()).isEqualTo(30.0);

        var healthy = fixture.config(fixture.postgres.jdbcUrl(), 2, List.of(Duration.ofSeconds(60)), 1000,
                FaultInjection.NONE).withClaimIdle(Duration.ofMillis(500));
        try (MetricsWorkerProcess second = MetricsWorkerProcess.start(healthy, FreePorts.next())) {
            await("restarted worker settles all 4 entries").atMost(Duration.ofSeconds(60))
                    .until(() -> fixture.undelivered() == 0 && fixture.pending() == 0
                            && stored("http_requests_total").count() == RUNNING_TOTALS.length);
            StoredWindow whole = stored("http_requests_total");
            assertThat(whole.increase()).as(second.output()).isEqualTo(50.0);
            assertThat(whole.first()).isEqualTo(100.0);
            assertThat(whole.last()).isEqualTo(20.0);
        }
        assertThat(fixture.deadLetters()).isEmpty();
    }

    /**
     * The same window's running totals in two parts with a real SIGKILL between them: 100 and 130 stored (2
     * samples counted, entries acknowledged), the worker process killed with SIGKILL
     * ({@code Process.destroyForcibly}), then 5 and 20 sent and a new worker started: the one row holds exactly
     * 4 samples and an increase of 50, the reset found across the two parts.
     */
    @Test
    void theRunningTotalsSentInTwoPartsWithTheWorkerSigkilledInBetweenIncreaseBy50() throws Exception {
        Instant window = closedMinute();
        var config = fixture.config(fixture.postgres.jdbcUrl(), 2, List.of(Duration.ofSeconds(60)), 1000,
                FaultInjection.NONE).withClaimIdle(Duration.ofMillis(500));
        for (int i = 0; i < 2; i++) {
            fixture.send(sample("http_requests_total", RUNNING_TOTALS[i], Map.of(), window.plusSeconds(1 + i),
                    MetricType.COUNTER));
        }
        try (MetricsWorkerProcess first = MetricsWorkerProcess.start(config, FreePorts.next())) {
            await("the first part stored and acknowledged").atMost(Duration.ofSeconds(60))
                    .until(() -> stored("http_requests_total").count() == 2 && fixture.pending() == 0);
            first.process().destroyForcibly(); // SIGKILL
            assertThat(first.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(first.process().exitValue()).as("killed by SIGKILL").isEqualTo(137);
        }
        for (int i = 2; i < RUNNING_TOTALS.length; i++) {
            fixture.send(sample("http_requests_total", RUNNING_TOTALS[i], Map.of(), window.plusSeconds(1 + i),
                    MetricType.COUNTER));
        }
        try (MetricsWorkerProcess second = MetricsWorkerProcess.start(config, FreePorts.next())) {
            await("the second part stored").atMost(Duration.ofSeconds(60))
                    .until(() -> fixture.undelivered() == 0 && fixture.pending() == 0
                            && stored("http_requests_total").count() == RUNNING_TOTALS.length);
            StoredWindow whole = stored("http_requests_total");
            assertThat(whole.increase()).as(second.output()).isEqualTo(50.0);
            assertThat(whole.last()).isEqualTo(20.0);
        }
    }

    private void sendRunningTotals(Instant window) {
        for (int i = 0; i < RUNNING_TOTALS.length; i++) {
            fixture.send(sample("http_requests_total", RUNNING_TOTALS[i], Map.of(), window.plusSeconds(1 + i),
                    MetricType.COUNTER));
        }
    }

    private void awaitSettled(long samples) {
        await("every entry acknowledged and " + samples + " samples counted").atMost(Duration.ofSeconds(30))
                .until(() -> fixture.undelivered() == 0 && fixture.pending() == 0 && fixture.totalCount() == samples);
    }

    record StoredWindow(String type, long count, double sum, double first, double last, double increase) {
    }

    /** The one 60 s window row of {@code name}; an empty one (count 0) while there is none. */
    private StoredWindow stored(String name) throws SQLException {
        try (Connection c = fixture.postgres.connect(); PreparedStatement s = c.prepareStatement(
                "SELECT metric_type, sample_count, value_sum, first_value, last_value, value_increase FROM "
                        + fixture.schema + ".window_aggregate WHERE metric_name = ? AND window_seconds = 60")) {
            s.setString(1, name);
            try (ResultSet r = s.executeQuery()) {
                if (!r.next()) {
                    return new StoredWindow("none", 0, 0, 0, 0, 0);
                }
                StoredWindow row = new StoredWindow(r.getString(1), r.getLong(2), r.getDouble(3), r.getDouble(4),
                        r.getDouble(5), r.getDouble(6));
                assertThat(r.next()).as("one window row of " + name).isFalse();
                return row;
            }
        } catch (SQLException e) {
            if ("42P01".equals(e.getSQLState()) || "42703".equals(e.getSQLState())) {
                return new StoredWindow("none", 0, 0, 0, 0, 0); // not migrated yet, or half-way
            }
            throw e;
        }
    }
}
