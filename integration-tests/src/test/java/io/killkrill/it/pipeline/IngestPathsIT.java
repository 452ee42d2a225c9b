package io.killkrill.it.pipeline;

import co.elastic.clients.elasticsearch.core.search.Hit;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.killkrill.it.support.ExternalTool;
import io.killkrill.it.support.PipelineProcesses;
import io.killkrill.it.support.TestServices;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Scenario 1, every ingestion path end to end: client -> receivers process -> Redis stream -> worker
 * process -> store, against real Redis, Elasticsearch and PostgreSQL. Each test reconciles exactly: what was
 * sent is what the store holds (same set, same count, no duplicate), nothing is dead-lettered, and both
 * consumer groups are drained (XPENDING 0, last-delivered = last entry).
 */
class IngestPathsIT extends PipelineScenario {

    /**
     * 60 log events over HTTP (NDJSON, 2 requests) end in Elasticsearch. Proof: both answers are 202 with
     * every item accepted; the set of indexed messages equals the set sent, the document count equals the
     * number sent (so no duplicate), no dead letter mentions the run, and the log group is drained.
     */
    @Test
    void httpLogsAreIndexedExactlyOnce() throws Exception {
        String run = run("http_logs");
        for (List<String> batch : List.of(logLines(run, 0, 30), logLines(run, 30, 60))) {
            Answer answer = postLogs(batch);
            assertThat(answer.status()).as(answer.body().toString()).isEqualTo(202);
            assertThat(answer.accepted()).isEqualTo(30);
        }

        awaitLogs(run, 60, 0, Duration.ofSeconds(60));

        assertThat(indexed(run)).isEqualTo(60);
        assertThat(indexedMessages(run)).isEqualTo(messages(run, 0, 60));
        assertThat(duplicateMessages(run)).isEmpty();
        assertThat(deadLettersOf(streams.logsDlq(), run)).isEmpty();
        assertDrained();
        ObjectNode doc = documents(run).get(0).source();
        assertThat(doc.path("source").path("type").asText()).isEqualTo("http");
        assertThat(doc.path("environment").asText()).isEqualTo("it");
        assertThat(doc.path("event_id").asText()).isNotBlank();
    }

    /**
     * Syslog from the util-linux {@code logger} client (RFC 5424 over TCP with octet counting, RFC 3164 over
     * UDP) and from raw sockets (20 LF-framed lines over TCP, 20 datagrams over UDP) ends in Elasticsearch
     * with its syslog metadata. Proof: the indexed set of messages equals the 42 sent, 42 documents (no
     * duplicate), the syslog fields of the logger message survived, nothing dead-lettered, group drained.
     */
    @Test
    void syslogFromLoggerAndRawTcpAndUdpIsIndexedExactlyOnce() throws Exception {
        String run = run("syslog");
        String port = Integer.toString(pipeline.syslogPort());
        logger("--rfc5424", "-P", port, "-T", "--octet-count", "-t", run, "-p", "local3.warning",
                "--sd-id", "zoo@123", "--sd-param", "tiger=\"hungry\"", run + "-logger-tcp");
        logger("--rfc3164", "-P", port, "-d", "-t", run, "-p", "user.err", run + "-logger-udp");
        List<String> tcp = IntStream.range(0, 20).mapToObj(i -> rfc5424(run, run + "-tcp-" + i)).toList();
        List<String> udp = IntStream.range(0, 20).mapToObj(i -> rfc5424(run, run + "-udp-" + i)).toList();
        syslogTcp(tcp);
        syslogUdp(udp);
        Set<String> expected = new HashSet<>(List.of(run + "-logger-tcp", run + "-logger-udp"));
        IntStream.range(0, 20).forEach(i -> {
            expected.add(run + "-tcp-" + i);
            expected.add(run + "-udp-" + i);
        });

        awaitLogs(run, 42, 0, Duration.ofSeconds(60));

        assertThat(indexed(run)).isEqualTo(42);
        assertThat(indexedMessages(run)).isEqualTo(expected);
        assertThat(duplicateMessages(run)).isEmpty();
        assertThat(deadLettersOf(streams.logsDlq(), run)).isEmpty();
        assertDrained();
        ObjectNode loggerDoc = documents(run).stream().map(Hit::source)
                .filter(d -> d.get("message").asText().equals(run + "-logger-tcp")).findFirst().orElseThrow();
        assertThat(loggerDoc.path("level").asText()).isEqualTo("warn");
        assertThat(loggerDoc.path("source").path("type").asText()).isEqualTo("syslog");
        assertThat(loggerDoc.path("syslog").path("format").asText()).isEqualTo("rfc5424");
        assertThat(loggerDoc.path("syslog").path("facility").asInt()).isEqualTo(19);
        assertThat(loggerDoc.path("syslog").path("app_name").asText()).isEqualTo(run);
        assertThat(loggerDoc.path("attributes").path("zoo@123.tiger").asText()).isEqualTo("hungry");
    }

    /**
     * Metric samples over HTTP (JSON array) and as a Prometheus text page end in PostgreSQL and in the
     * metrics-worker's Prometheus output. Proof: every item accepted (202); the stored sample counts and value
     * sums per metric equal what was sent; {@code /metrics/aggregates} shows each gauge series' count, sum, min
     * and max of the closed window, and the text page's counter as a counter with its increase; nothing
     * dead-lettered; metrics group drained.
     */
    @Test
    void httpMetricsAndPrometheusTextAreStoredAndExported() throws Exception {
        String run = run("metrics");
        String json = run + "_json";
        String text = run + "_text";
        long minute = Instant.now().getEpochSecond() / 60 * 60 - 180; // a closed window, within the lateness
        List<String> samples = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            samples.add("{\"name\":\"" + json + "\",\"value\":" + (i + 1) + ",\"labels\":{\"host\":\"h" + (i % 3)
                    + "\"},\"timestamp\":" + (minute + i) + "}");
        }
        Answer jsonAnswer = post("/api/v1/metrics", "application/json", "[" + String.join(",", samples) + "]");
        assertThat(jsonAnswer.status()).as(jsonAnswer.body().toString()).isEqualTo(202);
        assertThat(jsonAnswer.accepted()).isEqualTo(30);
        StringBuilder page = new StringBuilder("# HELP " + text + " requests\n# TYPE " + text + " counter\n");
        for (int i = 0; i < 10; i++) {
            page.append(text).append("{path=\"/p").append(i % 2).append("\"} ").append(i * 10).append(' ')
                    .append((minute + 30 + i) * 1000).append('\n');
        }
        Answer textAnswer = post("/api/v1/metrics", "text/plain; version=0.0.4", page.toString());
        assertThat(textAnswer.status()).as(textAnswer.body().toString()).isEqualTo(202);
        assertThat(textAnswer.accepted()).isEqualTo(10);

        awaitSamples(json, 30, Duration.ofSeconds(60));
        awaitSamples(text, 10, Duration.ofSeconds(60));

        assertThat(storedSamples(json)).isEqualTo(30);
        assertThat(storedSum(json)).isEqualTo(465.0); // 1 + ... + 30
        assertThat(storedSamples(text)).isEqualTo(10);
        assertThat(storedSum(text)).isEqualTo(450.0); // 0 + 10 + ... + 90
        assertThat(deadLettersOf(streams.metricsDlq(), run)).isEmpty();
        assertDrained();
        String exported = get(PipelineProcesses.adminUri(metricsWorker(), "/metrics/aggregates")).body();
        // host h0 got values 1, 4, ..., 28: count 10, sum 145, min 1, max 28
        assertThat(exported).contains(json + "_window_count{host=\"h0\",window=\"60s\"} 10",
                json + "_window_sum{host=\"h0\",window=\"60s\"} 145.0",
                json + "_window_min{host=\"h0\",window=\"60s\"} 1.0",
                json + "_window_max{host=\"h0\",window=\"60s\"} 28.0",
                // the text page's counter (path /p1: 10, 30, 50, 70, 90) as a counter: its running total, and
                // its increase over the window
                "# TYPE " + text + "_total counter",
                text + "_total{path=\"/p1\",window=\"60s\"} 90.0",
                text + "_window_increase{path=\"/p1\",window=\"60s\"} 80.0");
        assertThat(exported).doesNotContain(text + "_window_count");
        ExternalTool.Result check = ExternalTool.run(TestServices.repoRoot(),
                exported.getBytes(java.nio.charset.StandardCharsets.UTF_8), "promtool", "check", "metrics");
        assertThat(check.exitCode()).as("promtool check metrics: %s", check.output()).isZero();
    }

    private static Set<String> messages(String run, int from, int to) {
        Set<String> messages = new HashSet<>();
        IntStream.range(from, to).forEach(i -> messages.add(run + "-" + i));
        return messages;
    }

    private void logger(String... options) {
        List<String> command = new ArrayList<>(List.of("logger", "-n", "127.0.0.1"));
        command.addAll(List.of(options));
        ExternalTool.Result result = ExternalTool.run(TestServices.repoRoot(), new byte[0],
                command.toArray(String[]::new));
        assertThat(result.exitCode()).as("logger said: %s", result.output()).isZero();
    }
}
