package io.killkrill.it.metricsworker;

import com.fasterxml.jackson.databind.JsonNode;
import io.killkrill.it.support.PostgresExtension;
import io.killkrill.it.support.PostgresService;
import io.killkrill.it.support.RedisExtension;
import io.killkrill.it.support.RedisService;
import io.killkrill.metricsworker.MetricsWorker;
import io.killkrill.metricsworker.MetricsWorkerSettings.FaultInjection;
import io.killkrill.model.DeadLetter;
import io.killkrill.model.DeadLetterReason;
import io.killkrill.model.Json;
import io.killkrill.model.MetricSample;
import io.killkrill.model.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.killkrill.it.metricsworker.MetricsWorkerFixture.closedMinute;
import static io.killkrill.it.metricsworker.MetricsWorkerFixture.sample;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/** The metrics-worker in-process against the real Redis and PostgreSQL: aggregation, merging, dead letters. */
@ExtendWith({RedisExtension.class, PostgresExtension.class})
class MetricsWorkerAggregationIT {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

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

    private void startWorker(int maxSeries) {
        worker = new MetricsWorker(fixture.config(fixture.postgres.jdbcUrl(), 1000, List.of(Duration.ofSeconds(60)),
                maxSeries, FaultInjection.NONE)).start();
    }

    private void awaitAllSettled(long expectedRowsCount) {
        await("every entry acknowledged and " + expectedRowsCount + " samples counted").atMost(Duration.ofSeconds(30))
                .until(() -> fixture.undelivered() == 0 && fixture.pending() == 0
                        && fixture.totalCount() == expectedRowsCount);
    }

    @Test
    void fiveSamplesOfOneSeriesInOneWindowGiveOneRowAndAnotherLabelSetItsOwn() throws Exception {
        Instant window = closedMinute();
        for (int i = 0; i < 5; i++) {
            fixture.send(sample("http_latency", 100 + i, Map.of("route", "/a"), window.plusSeconds(10 + i)));
        }
        fixture.send(sample("http_latency", 7, Map.of("route", "/b"), window.plusSeconds(5)));
        startWorker(1000);

        awaitAllSettled(6);

        List<MetricsWorkerFixture.Row> rows = fixture.rows();
        assertThat(rows).hasSize(2);
        MetricsWorkerFixture.Row a = rows.get(0);
        assertThat(a.labels()).isEqualTo("{\"route\":\"/a\"}");
        assertThat(a.windowStart()).isEqualTo(window);
        assertThat(a.windowSeconds()).isEqualTo(60);
        assertThat(a.count()).isEqualTo(5);
        assertThat(a.sum()).isEqualTo(510.0);
        assertThat(a.min()).isEqualTo(100.0);
        assertThat(a.max()).isEqualTo(104.0);
        assertThat(a.last()).isEqualTo(104.0);
        assertThat(a.lastAt()).isEqualTo(window.plusSeconds(14));
        MetricsWorkerFixture.Row b = rows.get(1);
        assertThat(b.labels()).isEqualTo("{\"route\":\"/b\"}");
        assertThat(b.count()).isEqualTo(1);
        assertThat(b.sum()).isEqualTo(7.0);
        assertThat(fixture.deadLetters()).isEmpty();
    }

    @Test
    void aLateSampleMergesIntoItsFlushedWindowAndOneBeyondTheLatenessLimitIsDeadLettered() throws Exception {
        Instant window = closedMinute();
        fixture.send(sample("queue_depth", 10, Map.of(), window.plusSeconds(30)));
        fixture.send(sample("queue_depth", 20, Map.of(), window.plusSeconds(40)));
        startWorker(1000);
        awaitAllSettled(2);

        // flushed; now a late sample of the same window, with the earliest timestamp and a new minimum
        fixture.send(sample("queue_depth", 5, Map.of(), window.plusSeconds(1)));
        // and one older than now - 1h (KILLKRILL_METRICS_WORKER_MAX_LATENESS)
        MetricSample tooLate = sample("queue_depth", 1000, Map.of(), Instant.now().minus(Duration.ofHours(2)));
        fixture.send(tooLate);
        awaitAllSettled(3);

        assertThat(fixture.rows()).singleElement().satisfies(row -> {
            assertThat(row.count()).isEqualTo(3);
            assertThat(row.sum()).isEqualTo(35.0);
            assertThat(row.min()).isEqualTo(5.0);
            assertThat(row.max()).isEqualTo(20.0);
            // the late sample is older than the last one, so the last value stays
            assertThat(row.last()).isEqualTo(20.0);
            assertThat(row.lastAt()).isEqualTo(window.plusSeconds(40));
        });
        assertThat(fixture.deadLetters()).singleElement().satisfies(letter -> {
            assertThat(letter.reason()).isEqualTo(DeadLetterReason.TOO_LATE);
            assertThat(letter.stage()).isEqualTo(Stage.AGGREGATE);
            assertThat(letter.original().get("event_id")).isEqualTo(tooLate.eventId());
        });
    }

    @Test
    void thousandSamplesAreCountedExactlyOnceWithNothingPending() throws Exception {
        // proof: sent = sum of counts over all rows (+ 0 dead letters), and nothing pending or undelivered
        Instant window = closedMinute();
        for (int i = 0; i < 1000; i++) {
            fixture.send(sample("jobs_seconds", i % 17, Map.of("shard", "s" + (i % 7)),
                    window.plusMillis((i * 137L) % 120_000)));
        }
        startWorker(1000);

        awaitAllSettled(1000);

        assertThat(fixture.totalCount()).isEqualTo(1000);
        assertThat(fixture.deadLetters()).isEmpty();
        assertThat(fixture.rows()).hasSize(14); // 7 shards x 2 windows
        assertThat(fixture.rows().stream().mapToDouble(MetricsWorkerFixture.Row::sum).sum())
                .isEqualTo((double) java.util.stream.IntStream.range(0, 1000).map(i -> i % 17).sum());
        // one applied-entries record per read batch, none per sample (they are swept a retention period after
        // their entries were acknowledged: MetricsWorkerCrashIT waits for that)
        fixture.send(sample("jobs_seconds", 0, Map.of("shard", "s0"), window));
        awaitAllSettled(1001);
        assertThat(fixture.appliedEntryRows()).isBetween(1L, 2L);
    }

    @Test
    void malformedEntriesAreDeadLetteredAndTheCardinalityLimitIsEnforced() throws Exception {
        Instant window = closedMinute();
        fixture.sendRaw(Map.of("schema_version", "1", "data", "{not json"));
        fixture.sendRaw(Map.of("schema_version", "99", "data", "{}"));
        fixture.sendRaw(Map.of("schema_version", "1", "data", "{\"name\":\"x\"}"));
        for (int i = 0; i < 5; i++) {
            fixture.send(sample("per_user", 1, Map.of("user", "u" + i), window.plusSeconds(i)));
        }
        fixture.send(sample("per_user", 1, Map.of("user", "u0"), window.plusSeconds(20)));
        startWorker(3);

        await("all 9 entries acknowledged, 5 of them dead-lettered").atMost(Duration.ofSeconds(30))
                .until(() -> fixture.undelivered() == 0 && fixture.pending() == 0
                        && fixture.deadLetters().size() == 5);

        List<DeadLetter> letters = fixture.deadLetters();
        assertThat(letters).extracting(DeadLetter::reason).containsExactlyInAnyOrder(DeadLetterReason.INVALID_JSON,
                DeadLetterReason.UNSUPPORTED_SCHEMA_VERSION, DeadLetterReason.INVALID_EVENT,
                DeadLetterReason.CARDINALITY_LIMIT, DeadLetterReason.CARDINALITY_LIMIT);
        assertThat(letters).allSatisfy(l -> assertThat(l.stream()).contains(fixture.streams.metrics()));
        assertThat(letters).filteredOn(l -> l.reason() == DeadLetterReason.CARDINALITY_LIMIT)
                .extracting(l -> l.original().get("data")).allSatisfy(d -> assertThat(d).containsAnyOf("u3", "u4"));
        // sent 9 = 4 counted (u0 twice, u1, u2) + 5 dead-lettered
        assertThat(fixture.totalCount()).isEqualTo(4);
        assertThat(fixture.rows()).extracting(MetricsWorkerFixture.Row::labels).containsExactly(
                "{\"user\":\"u0\"}", "{\"user\":\"u1\"}", "{\"user\":\"u2\"}");
        String scrape = get(worker.adminPort(), "/metrics").body();
        assertThat(scrape).containsPattern(
                "killkrill_metrics_worker_stream_dead_lettered_total\\{[^}]*reason=\"cardinality_limit\"[^}]*} 2\\.0");
    }

    @Test
    void prometheusAggregatesPassPromtoolAndMatchTheRowsAndTheQueryApiReturnsThem() throws Exception {
        Instant window = closedMinute();
        for (int i = 1; i <= 100; i++) {
            fixture.send(sample("req_size", i, Map.of("path", "/a\"b\\c", "window", "user-label"),
                    window.plusMillis(i * 100L)));
        }
        fixture.send(sample("req_size", 42, Map.of("path", "/other"), window.plusSeconds(59)));
        fixture.send(sample("temp", -3.5, Map.of(), window.plusSeconds(1)));
        startWorker(1000);
        awaitAllSettled(102);

        String exposition = get(worker.adminPort(), "/metrics/aggregates").body();
        assertThat(exposition)
                .contains("# TYPE req_size_window summary")
                .contains("req_size_window_count{exported_window=\"user-label\",path=\"/a\\\"b\\\\c\",window=\"60s\"} 100\n")
                .contains("req_size_window_sum{exported_window=\"user-label\",path=\"/a\\\"b\\\\c\",window=\"60s\"} 5050.0\n")
                .contains("req_size_window_min{exported_window=\"user-label\",path=\"/a\\\"b\\\\c\",window=\"60s\"} 1.0\n")
                .contains("req_size_window_max{exported_window=\"user-label\",path=\"/a\\\"b\\\\c\",window=\"60s\"} 100.0\n")
                .contains("req_size_window_count{path=\"/other\",window=\"60s\"} 1\n")
                .contains("temp_window_min{window=\"60s\"} -3.5\n");
        // the text-format library writes a summary's quantile label after the data point's own labels
        double p50 = Double.parseDouble(exposition.lines().filter(l -> l.startsWith(
                "req_size_window{exported_window=\"user-label\",path=\"/a\\\"b\\\\c\",")
                && l.contains("quantile=\"0.5\"")).findFirst()
                .orElseThrow().replaceAll(".* ", ""));
        assertThat(p50).isCloseTo(50.0, within(1.0));
        assertPromtoolAccepts(exposition);
        assertPromtoolAccepts(get(worker.adminPort(), "/metrics").body());

        JsonNode answer = Json.MAPPER.readTree(get(worker.adminPort(),
                "/api/v1/aggregates?name=req_size&labels=path=/other&window=60s").body());
        assertThat(answer.get("aggregates")).hasSize(1);
        JsonNode other = answer.get("aggregates").get(0);
        assertThat(other.get("count").asLong()).isEqualTo(1);
        assertThat(other.get("sum").asDouble()).isEqualTo(42.0);
        assertThat(other.get("window_start").asText()).isEqualTo(window.toString());
        JsonNode byJson = Json.MAPPER.readTree(get(worker.adminPort(),
                "/api/v1/aggregates?name=req_size&labels=" + java.net.URLEncoder.encode(
                        "{\"window\":\"user-label\"}", java.nio.charset.StandardCharsets.UTF_8)).body());
        assertThat(byJson.get("aggregates")).hasSize(1);
        assertThat(byJson.get("aggregates").get(0).get("max").asDouble()).isEqualTo(100.0);

        HttpResponse<String> bad = get(worker.adminPort(), "/api/v1/aggregates?labels=oops&from=yesterday");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("name is required").contains("oops").contains("from 'yesterday'");
        assertThat(get(worker.adminPort(), "/health/ready").statusCode()).isEqualTo(200);
        assertThat(get(worker.adminPort(), "/health/live").statusCode()).isEqualTo(200);
    }

    static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(MetricsWorkerFixture.admin(port, path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static void assertPromtoolAccepts(String exposition) throws IOException, InterruptedException {
        Path file = Files.createTempFile("exposition", ".prom");
        Files.writeString(file, exposition);
        Process promtool = new ProcessBuilder("promtool", "check", "metrics")
                .redirectInput(file.toFile()).redirectErrorStream(true).start();
        String output = new String(promtool.getInputStream().readAllBytes());
        assertThat(promtool.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(promtool.exitValue()).as("promtool check metrics: %s\n%s", output, exposition).isZero();
        Files.delete(file);
    }
}
