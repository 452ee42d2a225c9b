package io.killkrill.it.metricsworker;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.killkrill.it.support.ExternalTool;
import io.killkrill.it.support.FreePorts;
import io.killkrill.it.support.PostgresExtension;
import io.killkrill.it.support.PostgresService;
import io.killkrill.it.support.RedisExtension;
import io.killkrill.it.support.RedisService;
import io.killkrill.metricsworker.MetricsWorker;
import io.killkrill.model.Json;
import io.killkrill.model.StreamEntry;
import io.killkrill.receivers.Receivers;
import io.killkrill.receivers.ReceiversConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The real remote_write client (issue 15, item 2): a Prometheus server (Debian package {@code prometheus}, a child
 * process with its own data dir) scrapes a small target every second and remote-writes to the receivers with the
 * API key as a bearer token; the metrics-worker aggregates into PostgreSQL. The target's gauge changes on every
 * scrape; once the target stops (Prometheus writes stale markers for its series) the gauge's samples are final,
 * and the test proves, per timestamp, that what Prometheus stored ({@code /api/v1/query} of a range vector: its
 * raw samples) is exactly what the metrics stream holds (same timestamps, same values, none twice), and that
 * PostgreSQL counted each of them once (sum of {@code sample_count} and of {@code value_sum}). Prometheus itself
 * must report no failed sample and the receivers the stale markers they dropped; every sample Prometheus counts
 * as sent is one the receivers stored, refused or dropped as a stale marker.
 */
@ExtendWith({RedisExtension.class, PostgresExtension.class})
class PrometheusRemoteWriteIT {
    private static final String KEY = "prometheus-rw-0123456789abcdef";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private MetricsWorkerFixture fixture;
    private Receivers receivers;
    private MetricsWorker worker;
    private HttpServer target;
    private Process prometheus;

    @AfterEach
    void tearDown() throws Exception {
        if (prometheus != null) {
            prometheus.destroy();
            if (!prometheus.waitFor(20, TimeUnit.SECONDS)) {
                prometheus.destroyForcibly();
            }
        }
        if (target != null) {
            target.stop(0);
        }
        if (worker != null) {
            worker.close();
        }
        if (receivers != null) {
            receivers.close();
        }
        if (fixture != null) {
            fixture.cleanUp();
        }
    }

    @Test
    void whatPrometheusScrapedArrivesInRedisAndPostgresSampleForSample(RedisService redis, PostgresService postgres,
                                                                        @TempDir Path dir) throws Exception {
        Path binary = ExternalTool.locate("prometheus");
        fixture = new MetricsWorkerFixture(redis, postgres, "promrw");
        receivers = Receivers.start(ReceiversConfig.forTest(redis.uri(), fixture.streams).withApiKeys(List.of(KEY)));
        String run = UUID.randomUUID().toString().substring(0, 8);
        AtomicInteger scrapes = new AtomicInteger();
        target = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        target.createContext("/metrics", exchange -> {
            int n = scrapes.incrementAndGet();
            byte[] page = ("# TYPE rw_probe_gauge gauge\nrw_probe_gauge{run=\"" + run + "\"} " + (n * 1.5 - 4)
                    + "\n# TYPE rw_probe_scrapes_total counter\nrw_probe_scrapes_total{run=\"" + run + "\"} " + n
                    + "\n").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4");
            exchange.sendResponseHeaders(200, page.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(page);
            }
        });
        target.start();
        int port = FreePorts.next();
        Path config = dir.resolve("prometheus.yml");
        Files.writeString(config, """
                global:
                  scrape_interval: 1s
                scrape_configs:
                  - job_name: probe
                    static_configs:
                      - targets: ['127.0.0.1:%d']
                remote_write:
                  - url: http://127.0.0.1:%d/api/v1/write
                    authorization:
                      credentials: %s
                    queue_config:
                      max_samples_per_send: 20
                      batch_send_deadline: 1s
                      min_backoff: 100ms
                      max_backoff: 1s
                    metadata_config:
                      send_interval: 2s
                """.formatted(target.getAddress().getPort(), receivers.ports().http(), KEY));
        Path log = dir.resolve("prometheus.log");
        prometheus = new ProcessBuilder(binary.toString(), "--config.file=" + config,
                "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port)
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        URI api = URI.create("http://127.0.0.1:" + port);

        await("Prometheus scraped the target 6 times").atMost(Duration.ofSeconds(30)).until(() -> scrapes.get() >= 6);
        target.stop(0);
        await("Prometheus marked the target down").atMost(Duration.ofSeconds(20))
                .until(() -> query(api, "up{job=\"probe\"} == 0").size() == 1);
        Map<Long, Double> inPrometheus = rangeSamples(api, "rw_probe_gauge{run=\"" + run + "\"}[10m]");
        assertThat(inPrometheus).as("Prometheus' own samples of the gauge").hasSizeGreaterThanOrEqualTo(6);

        await("the metrics stream holds every sample Prometheus stored of the gauge")
                .atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(gaugeInRedis(run))
                        .as("Prometheus: %s%nreceivers: %s%nlog: %s", grep(get(api.resolve("/metrics")), "remote_storage"),
                                grep(get(URI.create("http://127.0.0.1:" + receivers.ports().http() + "/metrics")),
                                        "killkrill_receivers_"), Files.readString(log)).isEqualTo(inPrometheus));
        await("the stale markers of the target's two series were dropped and counted").atMost(Duration.ofSeconds(20))
                .until(() -> receiversMeter("killkrill_receivers_items_rejected_total{", "reason=\"stale_marker\"") >= 2);
        List<JsonNode> gauge = gaugeEvents(run);
        assertThat(gauge).as("no sample twice").hasSize(inPrometheus.size());
        assertThat(gauge).allSatisfy(e -> assertThat(e.get("labels").get("job").asText()).isEqualTo("probe"));
        assertThat(fixture.redis.client().xrange(fixture.streams.metrics(), "-", "+").stream()
                .map(e -> json(e.getFields().get(StreamEntry.DATA)))
                .filter(e -> e.get("name").asText().equals("rw_probe_scrapes_total")).map(e -> e.get("type")
                        .asText()).distinct().toList()).as("a _total series is a counter").containsExactly("counter");
        assertThat(prometheusMeter(api, "prometheus_remote_storage_samples_failed_total{"))
                .as("Prometheus dropped no sample for a non-retriable answer").isZero();
        assertThat(receiversMeter("killkrill_receivers_items_rejected_total{", "reason=\"metadata\"")).as("metadata requests "
                + "answered 200, counted").isPositive();

        await("every sample Prometheus sent is accounted for: stored, refused, or a stale marker dropped")
                .atMost(Duration.ofSeconds(20)).until(() -> {
                    double accepted = receiversMeter("killkrill_receivers_items_accepted_total{", "kind=\"metrics\"");
                    return prometheusMeter(api, "prometheus_remote_storage_samples_total{") == accepted
                            + receiversMeter("killkrill_receivers_items_rejected_total{", "reason=\"stale_marker\"")
                            + receiversMeter("killkrill_receivers_items_rejected_total{", "reason=\"invalid_item\"")
                            && fixture.redis.client().xlen(fixture.streams.metrics()) == accepted;
                });

        // only now: the worker's retention trimming removes what it acknowledged from the stream
        worker = new MetricsWorker(fixture.config()).start();
        double sum = inPrometheus.values().stream().mapToDouble(Double::doubleValue).sum();
        await("PostgreSQL counted each gauge sample once").atMost(Duration.ofSeconds(20)).until(() -> {
            List<MetricsWorkerFixture.Row> rows = fixture.rows().stream()
                    .filter(r -> r.name().equals("rw_probe_gauge") && r.labels().contains(run)).toList();
            return rows.stream().mapToLong(MetricsWorkerFixture.Row::count).sum() == inPrometheus.size()
                    && Math.abs(rows.stream().mapToDouble(MetricsWorkerFixture.Row::sum).sum() - sum) < 1e-9;
        });
    }

    private Map<Long, Double> gaugeInRedis(String run) {
        Map<Long, Double> samples = new TreeMap<>();
        for (JsonNode e : gaugeEvents(run)) {
            samples.put(Instant.parse(e.get("timestamp").asText()).toEpochMilli(), e.get("value").asDouble());
        }
        return samples;
    }

    private List<JsonNode> gaugeEvents(String run) {
        return fixture.redis.client().xrange(fixture.streams.metrics(), "-", "+").stream()
                .map(e -> json(e.getFields().get(StreamEntry.DATA)))
                .filter(e -> e.get("name").asText().equals("rw_probe_gauge")
                        && e.get("labels").path("run").asText().equals(run)).toList();
    }

    /** The raw samples of a range vector selector, epoch millis to value. */
    private static Map<Long, Double> rangeSamples(URI api, String selector) {
        Map<Long, Double> samples = new TreeMap<>();
        for (JsonNode series : query(api, selector)) {
            for (JsonNode point : series.get("values")) {
                samples.put(Math.round(point.get(0).asDouble() * 1000), Double.parseDouble(point.get(1).asText()));
            }
        }
        return samples;
    }

    private static JsonNode query(URI api, String promql) {
        JsonNode answer = json(get(api.resolve("/api/v1/query?query="
                + URLEncoder.encode(promql, StandardCharsets.UTF_8))));
        assertThat(answer.path("status").asText()).as(answer.toString()).isEqualTo("success");
        return answer.get("data").get("result");
    }

    private double receiversMeter(String prefix, String label) {
        return meter(get(URI.create("http://127.0.0.1:" + receivers.ports().http() + "/metrics")), prefix, label);
    }

    private static double prometheusMeter(URI api, String name) {
        return meter(get(api.resolve("/metrics")), name, "");
    }

    private static double meter(String page, String prefix, String label) {
        return page.lines().filter(l -> l.startsWith(prefix) && l.contains(label))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    private static String grep(String page, String part) {
        return String.join("\n", page.lines().filter(l -> l.contains(part) && !l.startsWith("#")).toList());
    }

    private static String get(URI uri) {
        try {
            return HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode json(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
