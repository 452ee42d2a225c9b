package io.killkrill.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

class MetricSampleCodecTest {
    private static final Instant RECEIVED = Instant.parse("2026-11-25T12:00:00Z");
    private static final IngestContext CONTEXT =
            new IngestContext(EventIds.next(), RECEIVED, Source.http("10.0.0.1:5000"), Optional.empty());

    static MetricSample valid(String text) throws Exception {
        Validated<MetricSample> result = MetricSampleCodec.fromInput(Json.MAPPER.readTree(text), CONTEXT);
        assertThat(result).isInstanceOf(Validated.Valid.class);
        return ((Validated.Valid<MetricSample>) result).value();
    }

    static List<FieldError> errors(String text) throws Exception {
        Validated<MetricSample> result = MetricSampleCodec.fromInput(Json.MAPPER.readTree(text), CONTEXT);
        assertThat(result).isInstanceOf(Validated.Invalid.class);
        return ((Validated.Invalid<MetricSample>) result).errors();
    }

    @Test
    void minimalSampleTakesDefaultsAndRoundTrips() throws Exception {
        MetricSample sample = valid("{\"name\":\"cpu_usage\",\"value\":0.5}");

        assertThat(sample.type()).isEqualTo(MetricType.GAUGE);
        assertThat(sample.timestamp()).isEqualTo(RECEIVED);
        assertThat(MetricSampleCodec.fromEntry(MetricSampleCodec.toEntry(sample)))
                .isEqualTo(new EntryDecoding.Decoded<>(sample));
    }

    @Test
    void fullSampleRoundTripsWithSortedLabels() throws Exception {
        MetricSample sample = valid("""
                {"name":"http_requests_total","value":42,"type":"Counter","timestamp":1764072000,
                 "labels":{"status":"200","method":"GET"}}""");

        assertThat(sample.labels().keySet()).containsExactly("method", "status");
        assertThat(sample.type()).isEqualTo(MetricType.COUNTER);
        assertThat(sample.timestamp()).isEqualTo(Instant.ofEpochSecond(1764072000));
        assertThat(MetricSampleCodec.fromEntry(MetricSampleCodec.toEntry(sample)))
                .isEqualTo(new EntryDecoding.Decoded<>(sample));
    }

    @ParameterizedTest
    @CsvSource({"1764072000, 2025-11-25T12:00:00Z", "1764072000.25, 2025-11-25T12:00:00.250Z",
            "1764072000123, 2025-11-25T12:00:00.123Z", "'\"2025-11-25T13:00:00+01:00\"', 2025-11-25T12:00:00Z"})
    void timestampAcceptsSecondsMillisAndRfc3339(String json, String expected) throws Exception {
        assertThat(valid("{\"name\":\"m\",\"value\":1,\"timestamp\":" + json + "}").timestamp())
                .isEqualTo(Instant.parse(expected));
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"soon\"", "-5", "true"})
    void timestampRejectsEverythingElse(String json) throws Exception {
        assertThat(errors("{\"name\":\"m\",\"value\":1,\"timestamp\":" + json + "}"))
                .extracting(FieldError::field).containsExactly("timestamp");
    }

    @ParameterizedTest
    @ValueSource(strings = {"a", "_x", "ns:sub_total", "A9"})
    void namesFollowPrometheusRules(String name) throws Exception {
        assertThat(valid("{\"name\":\"" + name + "\",\"value\":1}").name()).isEqualTo(name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"9lives", "with-dash", "sp ace", ""})
    void badNamesAreRejected(String name) throws Exception {
        assertThat(errors("{\"name\":\"" + name + "\",\"value\":1}")).extracting(FieldError::field)
                .containsExactly("name");
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"1\"", "null", "[1]"})
    void valueMustBeAFiniteNumber(String json) throws Exception {
        assertThat(errors("{\"name\":\"m\",\"value\":" + json + "}")).extracting(FieldError::field)
                .containsExactly("value");
    }

    @Test
    void labelRulesAreEnforced() throws Exception {
        assertThat(errors("{\"name\":\"m\",\"value\":1,\"labels\":{\"__name__\":\"x\",\"bad-name\":\"y\",\"n\":3}}"))
                .extracting(FieldError::field).containsExactlyInAnyOrder("labels.__name__", "labels.bad-name", "labels.n");
        String tooMany = IntStream.range(0, 33).mapToObj(i -> "\"l" + i + "\":\"v\"").collect(Collectors.joining(","));
        assertThat(errors("{\"name\":\"m\",\"value\":1,\"labels\":{" + tooMany + "}}"))
                .extracting(FieldError::field).containsExactly("labels");
        String justEnough = IntStream.range(0, 32).mapToObj(i -> "\"l" + i + "\":\"v\"").collect(Collectors.joining(","));
        assertThat(valid("{\"name\":\"m\",\"value\":1,\"labels\":{" + justEnough + "}}").labels()).hasSize(32);
    }

    @Test
    void typeIsCounterOrGauge() throws Exception {
        assertThat(valid("{\"name\":\"m\",\"value\":1,\"type\":\"GAUGE\"}").type()).isEqualTo(MetricType.GAUGE);
        assertThat(errors("{\"name\":\"m\",\"value\":1,\"type\":\"histogram\"}")).extracting(FieldError::field)
                .containsExactly("type");
    }

    @Test
    void everyErrorIsReported() throws Exception {
        assertThat(errors("{\"labels\":5,\"type\":1}")).extracting(FieldError::field)
                .containsExactlyInAnyOrder("name", "value", "labels", "type");
    }

    @Test
    void undecodableEntrySaysWhy() {
        assertThat(MetricSampleCodec.fromEntry(Map.of(StreamEntry.SCHEMA_VERSION, "2", StreamEntry.DATA, "{}")))
                .isInstanceOfSatisfying(EntryDecoding.Undecodable.class,
                        u -> assertThat(u.reason()).isEqualTo(DeadLetterReason.UNSUPPORTED_SCHEMA_VERSION));
        assertThat(MetricSampleCodec.fromEntry(Map.of(StreamEntry.SCHEMA_VERSION, "1", StreamEntry.DATA, "[]")))
                .isInstanceOfSatisfying(EntryDecoding.Undecodable.class,
                        u -> assertThat(u.reason()).isEqualTo(DeadLetterReason.INVALID_JSON));
    }
}
