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

    // ---------------------------------------------------------------- limits of the stored form (issue 12)

    private static String quoted(String text) {
        return Json.write(Json.MAPPER.getNodeFactory().textNode(text));
    }

    /** Regression: a 300-character name was accepted and made the worker's transaction fail (varchar(255)). */
    @Test
    void namesAreAtMostTheColumnsLength() throws Exception {
        assertThat(valid("{\"name\":\"" + "n".repeat(255) + "\",\"value\":1}").name()).hasSize(255);
        assertThat(errors("{\"name\":\"" + "n".repeat(300) + "\",\"value\":1}"))
                .containsExactly(new FieldError("name", "must be at most 255 characters, got 300"));
    }

    /** Regression: a value beyond the sketch's range made the worker's accept throw. */
    @ParameterizedTest
    @ValueSource(strings = {"1.7798941929329858E308", "-1.7798941929329858E308", "1e308", "-1e308", "5e-324",
            "-5e-324", "2.2250738585072014E-308", "-0.0", "0", "1e-400"})
    void valuesTheSketchTracksAreAccepted(String json) throws Exception {
        MetricSample sample = valid("{\"name\":\"m\",\"value\":" + json + "}");

        assertThat(sample.value()).isEqualTo(Double.parseDouble(json));
        assertThat(MetricSampleCodec.fromEntry(MetricSampleCodec.toEntry(sample)))
                .isEqualTo(new EntryDecoding.Decoded<>(sample));
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.779894192932986E308", "-1.779894192932986E308", "1.7976931348623157E308", "1e309"})
    void valuesBeyondTheSketchsRangeAreRejected(String json) throws Exception {
        assertThat(errors("{\"name\":\"m\",\"value\":" + json + "}")).extracting(FieldError::field)
                .containsExactly("value");
    }

    @Test
    void labelNamesAndValuesAreBounded() throws Exception {
        String longestName = "l".repeat(MetricSampleCodec.MAX_LABEL_NAME_LENGTH);
        String longestValue = "v".repeat(MetricSampleCodec.MAX_LABEL_VALUE_LENGTH);
        assertThat(valid("{\"name\":\"m\",\"value\":1,\"labels\":{\"" + longestName + "\":\"" + longestValue
                + "\"}}").labels()).containsEntry(longestName, longestValue);

        assertThat(errors("{\"name\":\"m\",\"value\":1,\"labels\":{\"" + longestName + "l\":\"v\",\"k\":\""
                + longestValue + "v\"}}")).extracting(FieldError::field)
                .containsExactly("labels." + FieldReader.abbreviate(longestName + "l"), "labels.k");
    }

    @Test
    void theCanonicalLabelTextIsBoundedInUtf8Bytes() throws Exception {
        // {"a":"<1024 x>","b":"<336 euro signs, 3 bytes each>x"} = 15 + 1024 + 1008 + 1 = 2048 bytes
        Map<String, String> labels = new java.util.TreeMap<>(Map.of("a", "x".repeat(1024),
                "b", "\u20ac".repeat(336) + "x"));
        String canonical = MetricSampleCodec.canonicalLabels(labels);
        assertThat(canonical.getBytes(java.nio.charset.StandardCharsets.UTF_8)).hasSize(2048);
        assertThat(MetricSampleCodec.utf8Length(canonical)).isEqualTo(2048);
        assertThat(valid("{\"name\":\"m\",\"value\":1,\"labels\":" + canonical + "}").labels()).isEqualTo(labels);

        labels.put("b", labels.get("b") + "x");
        assertThat(errors("{\"name\":\"m\",\"value\":1,\"labels\":" + MetricSampleCodec.canonicalLabels(labels)
                + "}")).containsExactly(new FieldError("labels", "must take at most 2048 bytes as canonical JSON text "
                + "(UTF-8, keys sorted), got 2049"));
    }

    @Test
    void escapesCountInTheCanonicalText() throws Exception {
        // a control character is written as a six-character escape in the stored text
        String value = "\u0001".repeat(MetricSampleCodec.MAX_LABEL_VALUE_LENGTH);
        Map<String, String> labels = new java.util.TreeMap<>();
        labels.put("a", value);
        labels.put("b", "x");
        assertThat(errors("{\"name\":\"m\",\"value\":1,\"labels\":" + MetricSampleCodec.canonicalLabels(labels)
                + "}")).extracting(FieldError::field).containsExactly("labels");
    }

    @Test
    void utf8LengthCountsSupplementaryCharactersAsFourBytesAndLoneSurrogatesAsThree() {
        assertThat(MetricSampleCodec.utf8Length("a\u00e9\u20ac\uD83D\uDE00")).isEqualTo(1 + 2 + 3 + 4);
        assertThat(MetricSampleCodec.utf8Length("\uD83D")).isEqualTo(3);
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"+10000-01-01T00:00:00Z\"", "\"-0001-01-01T00:00:00Z\"", "\"9999-12-31T23:00:00-05:00\"",
            "253402300800000"})
    void timestampsBeyondFourDigitYearsAreRejected(String json) throws Exception {
        assertThat(errors("{\"name\":\"m\",\"value\":1,\"timestamp\":" + json + "}"))
                .extracting(FieldError::field).containsExactly("timestamp");
    }

    @ParameterizedTest
    @CsvSource({"'\"9999-12-31T23:59:59.999999999Z\"', 9999-12-31T23:59:59.999999999Z",
            "'\"0000-01-01T00:00:00Z\"', 0000-01-01T00:00:00Z", "253402300799999, 9999-12-31T23:59:59.999Z"})
    void timestampsAtTheLimitsAreAccepted(String json, String expected) throws Exception {
        assertThat(valid("{\"name\":\"m\",\"value\":1,\"timestamp\":" + json + "}").timestamp())
                .isEqualTo(Instant.parse(expected));
    }
}
