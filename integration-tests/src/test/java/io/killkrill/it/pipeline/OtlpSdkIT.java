package io.killkrill.it.pipeline;

import co.elastic.clients.elasticsearch.core.search.Hit;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.killkrill.it.support.ExternalTool;
import io.killkrill.model.Json;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * OTLP/HTTP with OpenTelemetry's own JavaScript SDK (issue 15's acceptance): {@code @opentelemetry/sdk-logs} with
 * {@code @opentelemetry/exporter-logs-otlp-proto} and {@code @opentelemetry/sdk-metrics} with
 * {@code @opentelemetry/exporter-metrics-otlp-proto}, installed by {@code scripts/dev-services up --test-tools} and run
 * with the machine's Node.js ({@code otlp-export.cjs}), through the real receivers (API key as {@code X-API-Key}),
 * log-worker, metrics-worker, Elasticsearch and PostgreSQL.
 */
class OtlpSdkIT extends PipelineScenario {
    private static final String KEY = "otlp-sdk-key-0123456789";
    private static final int RECORDS = 5_000;
    private static final List<String> LEVELS = List.of("trace", "debug", "info", "warn", "error", "fatal");
    private static final Path SCRIPT = Path.of(System.getProperty("killkrill.repoRoot", "."),
            "integration-tests/src/test/resources/opentelemetry/otlp-export.cjs");

    @Override
    protected void startServices() throws Exception {
        receivers = pipeline.receivers(Map.of("KILLKRILL_HTTP_API_KEYS", KEY));
        logWorkers.add(pipeline.logWorker("lw-1", Map.of()));
        metricsWorkers.add(pipeline.metricsWorker("mw-1", Map.of()));
        io.killkrill.it.support.PipelineProcesses.startAll(receivers, logWorkers.get(0), metricsWorkers.get(0));
    }

    /** What the script printed: the records it emitted and the SDK's diag errors (export failures). */
    private JsonNode export(String run) throws IOException {
        Path client = Path.of(System.getenv().getOrDefault("KILLKRILL_DEV_DIR", "/var/tmp/killkrill-dev"),
                "node-opentelemetry");
        assertThat(client.resolve("node_modules/@opentelemetry/exporter-logs-otlp-proto/package.json"))
                .as("the OpenTelemetry JS SDK: 'scripts/dev-services up --test-tools' installs it").exists();
        ExternalTool.Result result = ExternalTool.run(Path.of("."), new byte[0], "node", SCRIPT.toString(),
                client.toString(), "http://127.0.0.1:" + pipeline.httpPort(), KEY, run, Integer.toString(RECORDS));
        assertThat(result.exitCode()).as(result.output()).isZero();
        String last = result.output().lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElse("{}");
        return Json.MAPPER.readTree(last);
    }

    /**
     * 5,000 log records, then a counter and a histogram, exported by the SDK. Logs: every record indexed exactly
     * once (sent = indexed + dead-lettered, dead letters 0; the exact set of messages; no duplicate message, no
     * duplicate event ID), each with its service, its level (the SDK's severity numbers 1, 5, 9, 13, 17, 21 in
     * turn), its trace and span ID in hex, and its resource, scope and (nested) record attributes. Metrics: the
     * cumulative counter's stored {@code last_value} is its final total 42, the histogram's {@code _count} 4 and
     * {@code _sum} 5555, its cumulative buckets 1 (le=10), 2 (le=100), 3 (le=1000), 4 (le=+Inf).
     */
    @Test
    void theSdksLogRecordsAreIndexedOnceAndItsCounterAndHistogramStored() throws Exception {
        String run = run("otlp_sdk");
        JsonNode out = export(run);
        assertThat(out.get("logs").asInt()).isEqualTo(RECORDS);
        assertThat(out.get("errors")).as("the SDK reported no export error").isEmpty();

        awaitLogs(run, RECORDS, 0, Duration.ofSeconds(120));
        assertThat(indexed(run)).isEqualTo(RECORDS);
        assertThat(indexed(run) + deadLettersOf(streams.logsDlq(), run).size()).as("sent = indexed + dead-lettered")
                .isEqualTo(RECORDS);
        assertThat(duplicateMessages(run)).isEmpty();
        List<Hit<ObjectNode>> documents = documents(run);
        assertThat(documents.stream().map(Hit::id).collect(Collectors.toSet())).as("distinct event IDs")
                .hasSize(RECORDS);
        Set<String> expected = new HashSet<>();
        IntStream.range(0, RECORDS).forEach(i -> expected.add(run + "-" + i));
        assertThat(indexedMessages(run)).isEqualTo(expected);
        for (Hit<ObjectNode> hit : documents) {
            JsonNode doc = hit.source();
            int seq = doc.path("attributes").path("seq").asInt(-1);
            assertThat(doc.path("message").asText()).as(doc.toString()).isEqualTo(run + "-" + seq);
            assertThat(doc.path("service").asText()).isEqualTo(run);
            assertThat(doc.path("level").asText()).as(doc.toString()).isEqualTo(LEVELS.get(seq % LEVELS.size()));
            assertThat(doc.path("trace_id").asText()).isEqualTo(String.format("%032x", seq + 1));
            assertThat(doc.path("span_id").asText()).isEqualTo(String.format("%016x", seq + 1));
            JsonNode attributes = doc.path("attributes");
            assertThat(attributes.path("resource.host.name").asText()).as(doc.toString()).isEqualTo("otlp-it-host");
            assertThat(attributes.path("scope.name").asText()).isEqualTo("otlp-it");
            assertThat(attributes.path("user.id").asText()).isEqualTo("u" + seq % 7);
            assertThat(attributes.path("http.request.method").asText()).isEqualTo("GET");
        }

        String counter = run + "_requests";
        String histogram = run + "_latency";
        await(counter + " and " + histogram + " stored, metrics group drained").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> storedSamples(counter) > 0 && storedSamples(histogram + "_bucket") > 0 && metricsDrained());
        assertThat(lastValue(counter, "")).as("the cumulative counter's final total").isEqualTo(42.0);
        assertThat(lastValue(histogram + "_count", "")).isEqualTo(4.0);
        assertThat(lastValue(histogram + "_sum", "")).isEqualTo(5555.0);
        assertThat(lastValue(histogram + "_bucket", "\"le\":\"10\"")).isEqualTo(1.0);
        assertThat(lastValue(histogram + "_bucket", "\"le\":\"100\"")).isEqualTo(2.0);
        assertThat(lastValue(histogram + "_bucket", "\"le\":\"1000\"")).isEqualTo(3.0);
        assertThat(lastValue(histogram + "_bucket", "\"le\":\"+Inf\"")).isEqualTo(4.0);
        assertThat(labels(counter)).contains("\"route\":\"/a\"").contains("\"service_name\":\"" + run + "\"")
                .contains("\"host_name\":\"otlp-it-host\"");
    }

    /**
     * The {@code last_value} of the latest 60 s window of {@code name} whose label text contains {@code label}: the
     * value of the series' last sample.
     */
    private double lastValue(String name, String label) throws SQLException {
        try (Connection c = postgres.connect(); PreparedStatement s = c.prepareStatement(
                "SELECT last_value FROM " + pipeline.schema() + ".window_aggregate WHERE metric_name = ?"
                        + " AND window_seconds = 60 AND labels LIKE ? ORDER BY last_timestamp DESC LIMIT 1")) {
            s.setString(1, name);
            s.setString(2, "%" + label + "%");
            try (ResultSet r = s.executeQuery()) {
                assertThat(r.next()).as("a stored window of %s %s", name, label).isTrue();
                return r.getDouble(1);
            }
        }
    }

    private String labels(String name) throws SQLException {
        try (Connection c = postgres.connect(); PreparedStatement s = c.prepareStatement(
                "SELECT labels FROM " + pipeline.schema() + ".window_aggregate WHERE metric_name = ? LIMIT 1")) {
            s.setString(1, name);
            try (ResultSet r = s.executeQuery()) {
                assertThat(r.next()).isTrue();
                return r.getString(1);
            }
        }
    }
}
