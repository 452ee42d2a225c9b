package io.killkrill.it.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import io.killkrill.model.DeadLetter;
import io.killkrill.model.DeadLetterReason;
import io.killkrill.model.LogEventCodec;
import io.killkrill.model.MetricSampleCodec;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Input at and just beyond every limit of the stored form, through the real receivers, log-worker and
 * metrics-worker processes: each item is either a per-item 400 naming the field, or stored (a PostgreSQL row
 * holding the value sent, an Elasticsearch document), and afterwards a probe is stored within seconds (the
 * workers' streams did not stop) with no dead letter but the expected {@code too_late}. Only external
 * behaviour is used: HTTP in, rows and documents out, the DLQ streams.
 * Regressions: a 300-character metric name was accepted and failed the worker's transaction; a value beyond the
 * sketch's range made the worker throw.
 */
class StoreLimitsPipelineIT extends PipelineScenario {
    private static final Duration STORED_WITHIN = Duration.ofSeconds(30);

    /** One item: its JSON line, and the field its 400 names, or null when it must be stored. */
    private record Case(String line, String rejectedField) {
    }

    @Test
    void metricSamplesAtAndBeyondEveryLimitAreStoredOrRefusedAndTheStreamGoesOn() throws Exception {
        String run = run("mlim");
        List<Case> cases = new ArrayList<>();
        Map<String, Double> storedValues = new HashMap<>(); // metric name -> the one value stored for it
        String longestName = run + "_" + "n".repeat(MetricSampleCodec.MAX_NAME_LENGTH - run.length() - 1);
        cases.add(new Case(sample(longestName, "1", null), null));
        storedValues.put(longestName, 1.0);
        cases.add(new Case(sample(longestName + "n", "1", null), "name"));
        cases.add(new Case(sample(run + "n300" + "n".repeat(300), "1", null), "name"));

        String[] storedEdges = {"1e308", "-1e308", "5e-324", "-5e-324", "1e-310", "-0.0", "2.2250738585072014E-308",
                Double.toString(MetricSampleCodec.MAX_ABS_VALUE), Double.toString(-MetricSampleCodec.MAX_ABS_VALUE)};
        for (int i = 0; i < storedEdges.length; i++) {
            cases.add(new Case(sample(run + "_v" + i, storedEdges[i], null), null));
            storedValues.put(run + "_v" + i, Double.parseDouble(storedEdges[i]));
        }
        for (String beyond : new String[]{Double.toString(Double.MAX_VALUE), "-1.7976931348623157E308",
                Double.toString(Math.nextUp(MetricSampleCodec.MAX_ABS_VALUE)), "1e309"}) {
            cases.add(new Case(sample(run + "_beyond", beyond, null), "value"));
        }

        String l128 = "l".repeat(MetricSampleCodec.MAX_LABEL_NAME_LENGTH);
        cases.add(new Case(sample(run + "_ln", "1", "{\"" + l128 + "\":\"v\"}"), null));
        storedValues.put(run + "_ln", 1.0);
        cases.add(new Case(sample(run + "_ln", "1", "{\"" + l128 + "l\":\"v\"}"), "labels." + l128.substring(0, 61)
                + "..."));
        // ASCII: 1024 three-byte characters would be within the value limit but over the label-set limit
        String v1024 = "v".repeat(MetricSampleCodec.MAX_LABEL_VALUE_LENGTH);
        cases.add(new Case(sample(run + "_lv", "1", "{\"k\":\"" + v1024 + "\"}"), null));
        storedValues.put(run + "_lv", 1.0);
        cases.add(new Case(sample(run + "_lv", "1", "{\"k\":\"" + v1024 + "x\"}"), "labels.k"));
        String fullSet = labelSetOf(MetricSampleCodec.MAX_LABEL_SET_BYTES);
        cases.add(new Case(sample(run + "_ls", "1", fullSet), null));
        storedValues.put(run + "_ls", 1.0);
        cases.add(new Case(sample(run + "_ls", "1", labelSetOf(MetricSampleCodec.MAX_LABEL_SET_BYTES + 1)),
                "labels"));

        cases.add(new Case("{\"name\":\"" + run + "_t\",\"value\":1,\"timestamp\":\"9999-12-31T23:59:59.999Z\"}",
                null));
        cases.add(new Case("{\"name\":\"" + run + "_t\",\"value\":1,\"timestamp\":\"+10000-01-01T00:00:00Z\"}",
                "timestamp"));
        cases.add(new Case("{\"name\":\"" + run + "_t\",\"value\":1,\"timestamp\":\"9999-12-31T23:00:00-05:00\"}",
                "timestamp"));
        // accepted by the contract; the metrics-worker dead-letters it as too late (an expected dead letter)
        cases.add(new Case("{\"name\":\"" + run + "_old\",\"value\":1,\"timestamp\":\"0000-01-01T00:00:00Z\"}",
                null));
        // two samples near the limit in one series and window: the sum overflows to +Infinity, stored
        cases.add(new Case(sample(run + "_sum", Double.toString(MetricSampleCodec.MAX_ABS_VALUE), null), null));
        cases.add(new Case(sample(run + "_sum", Double.toString(MetricSampleCodec.MAX_ABS_VALUE), null), null));

        Answer answer = postMetrics(cases.stream().map(Case::line).toList());
        assertPerItemOutcomes(answer, cases);

        for (Map.Entry<String, Double> stored : storedValues.entrySet()) {
            awaitSamples(stored.getKey(), 1, STORED_WITHIN);
            assertThat(Double.doubleToRawLongBits(storedMax(stored.getKey())))
                    .as("%s stores the value sent, %s", stored.getKey(), stored.getValue())
                    .isEqualTo(Double.doubleToRawLongBits(stored.getValue()));
        }
        awaitFutureSample(run + "_t");
        awaitSamples(run + "_sum", 2, STORED_WITHIN);
        assertThat(storedSum(run + "_sum")).isEqualTo(Double.POSITIVE_INFINITY);

        String probe = run + "_probe";
        assertThat(postMetrics(List.of(sample(probe, "1", null))).status()).isEqualTo(202);
        awaitSamples(probe, 1, Duration.ofSeconds(15));
        await(run + ": the too_late dead letter").atMost(STORED_WITHIN)
                .until(() -> deadLettersOf(streams.metricsDlq(), run).size() >= 1);
        List<DeadLetter> letters = deadLettersOf(streams.metricsDlq(), run);
        assertThat(letters).as("dead letters of the run").extracting(DeadLetter::reason)
                .containsExactly(DeadLetterReason.TOO_LATE);
        assertThat(metricsDrained()).isTrue();
    }

    @Test
    void logEventsAtAndBeyondEveryLimitAreIndexedOrRefusedAndTheStreamGoesOn() throws Exception {
        String run = run("llim");
        List<Case> cases = new ArrayList<>();
        String euro = "\u20ac";
        cases.add(new Case(event(run, 0, "\"host\":\"" + euro.repeat(LogEventCodec.MAX_HOST_LENGTH) + "\""), null));
        cases.add(new Case(event(run, 1, "\"host\":\"" + "h".repeat(LogEventCodec.MAX_HOST_LENGTH + 1) + "\""),
                "host"));
        cases.add(new Case(event(run, 2, "\"trace_id\":\"" + euro.repeat(LogEventCodec.MAX_TRACE_ID_LENGTH)
                + "\",\"span_id\":\"" + euro.repeat(LogEventCodec.MAX_SPAN_ID_LENGTH) + "\""), null));
        cases.add(new Case(event(run, 3, "\"trace_id\":\"" + "t".repeat(LogEventCodec.MAX_TRACE_ID_LENGTH + 1)
                + "\""), "trace_id"));
        String longestKey = euro.repeat(LogEventCodec.MAX_ATTRIBUTE_KEY_LENGTH);
        String longestValue = euro.repeat(LogEventCodec.MAX_ATTRIBUTE_VALUE_LENGTH);
        cases.add(new Case(event(run, 4, "\"attributes\":{\"" + longestKey + "\":\"" + longestValue + "\"}"), null));
        cases.add(new Case(event(run, 5, "\"attributes\":{\"" + longestKey + euro + "\":1}"),
                "attributes." + euro.repeat(61) + "..."));
        cases.add(new Case(event(run, 6, "\"attributes\":{\"k\":\"" + longestValue + "x\"}"), "attributes.k"));
        cases.add(new Case(event(run, 7, "\"timestamp\":\"9999-12-31T23:59:59.999999999Z\""), null));
        cases.add(new Case(event(run, 8, "\"timestamp\":\"0000-01-01T00:00:00Z\""), null));
        cases.add(new Case(event(run, 9, "\"timestamp\":\"+10000-01-01T00:00:00Z\""), "timestamp"));
        cases.add(new Case(event(run, 10, "\"timestamp\":\"0000-01-01T00:00:00+01:00\""), "timestamp"));

        Answer answer = postLogs(cases.stream().map(Case::line).toList());
        assertPerItemOutcomes(answer, cases);
        long stored = cases.stream().filter(c -> c.rejectedField() == null).count();

        awaitLogs(run, stored, 0, STORED_WITHIN);
        assertThat(indexed(run)).isEqualTo(stored);
        assertThat(indexedMessages(run)).containsExactlyInAnyOrder("m0", "m2", "m4", "m7", "m8");
        assertThat(postLogs(List.of(event(run, 99, "\"level\":\"info\""))).status()).isEqualTo(202);
        await(run + ": the probe is indexed").atMost(Duration.ofSeconds(15))
                .until(() -> indexed(run) == stored + 1);
        assertThat(deadLettersOf(streams.logsDlq(), run)).as("log dead letters of the run").isEmpty();
        assertThat(logsDrained()).isTrue();
    }

    private static void assertPerItemOutcomes(Answer answer, List<Case> cases) {
        Map<Integer, List<String>> errors = new TreeMap<>();
        for (JsonNode error : answer.body().path("errors")) {
            errors.computeIfAbsent(error.path("index").asInt(), i -> new ArrayList<>()).add(error.path("field").asText());
        }
        long rejected = cases.stream().filter(c -> c.rejectedField() != null).count();
        assertThat(answer.status()).as("answer %s", answer.body()).isEqualTo(202);
        assertThat(answer.accepted()).as("accepted, answer %s", answer.body()).isEqualTo(cases.size() - rejected);
        assertThat(answer.rejected()).isEqualTo(rejected);
        for (int i = 0; i < cases.size(); i++) {
            Case c = cases.get(i);
            if (c.rejectedField() == null) {
                assertThat(errors.get(i)).as("item %d must be stored", i).isNull();
            } else {
                assertThat(errors.get(i)).as("item %d: the error names the field", i).containsExactly(c.rejectedField());
            }
        }
    }

    private static String sample(String name, String value, String labels) {
        return "{\"name\":\"" + name + "\",\"value\":" + value + (labels == null ? "" : ",\"labels\":" + labels) + "}";
    }

    private static String event(String run, int i, String extra) {
        return "{\"message\":\"m" + i + "\",\"service\":\"" + run + "\"," + extra + "}";
    }

    /** A label set whose canonical text is exactly {@code bytes} UTF-8 bytes, in 3-byte characters mostly. */
    private static String labelSetOf(int bytes) {
        TreeMap<String, String> labels = new TreeMap<>();
        labels.put("a", "\u20ac".repeat(MetricSampleCodec.MAX_LABEL_VALUE_LENGTH / 2));
        int rest = bytes - MetricSampleCodec.canonicalLabels(labels).getBytes(java.nio.charset.StandardCharsets.UTF_8)
                .length - ",\"b\":\"\"".length();
        labels.put("b", "\u20ac".repeat(rest / 3) + "x".repeat(rest % 3));
        String text = MetricSampleCodec.canonicalLabels(labels);
        assertThat(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)).hasSize(bytes);
        return text;
    }

    private double storedMax(String name) throws Exception {
        try (Connection c = postgres.connect(); PreparedStatement s = c.prepareStatement("SELECT max_value FROM "
                + pipeline.schema() + ".window_aggregate WHERE metric_name = ? AND window_seconds = 60")) {
            s.setString(1, name);
            try (ResultSet r = s.executeQuery()) {
                assertThat(r.next()).isTrue();
                return r.getDouble(1);
            }
        }
    }

    private void awaitFutureSample(String name) {
        await(name + ": the sample of 9999-12-31 is stored").atMost(STORED_WITHIN)
                .until(() -> storedSamples(name) == 1);
    }
}
