package io.killkrill.receivers.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import io.killkrill.model.IngestContext;
import io.killkrill.model.LogEvent;
import io.killkrill.model.LogEventCodec;
import io.killkrill.model.MetricSample;
import io.killkrill.model.MetricSampleCodec;
import io.killkrill.model.Source;
import io.killkrill.model.Validated;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.logs.v1.SeverityNumber;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.DataPointFlags;
import io.opentelemetry.proto.metrics.v1.Exemplar;
import io.opentelemetry.proto.metrics.v1.ExponentialHistogram;
import io.opentelemetry.proto.metrics.v1.ExponentialHistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Gauge;
import io.opentelemetry.proto.metrics.v1.Histogram;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.metrics.v1.Sum;
import io.opentelemetry.proto.metrics.v1.Summary;
import io.opentelemetry.proto.metrics.v1.SummaryDataPoint;
import io.opentelemetry.proto.resource.v1.Resource;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

/**
 * The OTLP mapping, record by record and data point by data point, through the contract's own validation: what a
 * log record and each metric kind become, and what is dropped or refused with which reason; OTLP JSON's
 * differences from the proto3 JSON mapping (hex IDs, integer enums, either field spelling).
 */
class OtlpDecoderTest {
    private static final long T = 1_764_093_291_123_456_789L;
    private static final String TRACE = "5b8efff798038103d269b633813fc60c";
    private static final String SPAN = "eee19b7ec3c1b174";
    private static final IngestContext CONTEXT = IngestContext.now(Source.http("10.0.0.1:5000"));

    private static KeyValue kv(String key, AnyValue value) {
        return KeyValue.newBuilder().setKey(key).setValue(value).build();
    }

    private static AnyValue str(String value) {
        return AnyValue.newBuilder().setStringValue(value).build();
    }

    private static Resource resource(KeyValue... attributes) {
        return Resource.newBuilder().addAllAttributes(List.of(attributes)).build();
    }

    private static ExportLogsServiceRequest logs(Resource resource, InstrumentationScope scope, LogRecord... records) {
        return ExportLogsServiceRequest.newBuilder().addResourceLogs(ResourceLogs.newBuilder().setResource(resource)
                .addScopeLogs(ScopeLogs.newBuilder().setScope(scope).addAllLogRecords(List.of(records)))).build();
    }

    private static ExportMetricsServiceRequest metrics(Metric... metrics) {
        return ExportMetricsServiceRequest.newBuilder().addResourceMetrics(ResourceMetrics.newBuilder()
                .setResource(resource(kv("service.name", str("checkout")), kv("host.name", str("h1"))))
                .addScopeMetrics(ScopeMetrics.newBuilder().addAllMetrics(List.of(metrics)))).build();
    }

    private static LogRecord.Builder record(String message) {
        return LogRecord.newBuilder().setTimeUnixNano(T).setBody(str(message));
    }

    private static List<LogEvent> events(List<IngestItem> items) {
        return items.stream().map(i -> LogEventCodec.fromInput(((IngestItem.Parsed) i).node(), CONTEXT))
                .map(v -> ((Validated.Valid<LogEvent>) v).value()).toList();
    }

    private static List<MetricSample> samples(List<IngestItem> items) {
        return items.stream().filter(IngestItem.Parsed.class::isInstance)
                .map(i -> MetricSampleCodec.fromInput(((IngestItem.Parsed) i).node(), CONTEXT))
                .map(v -> ((Validated.Valid<MetricSample>) v).value()).toList();
    }

    private static Map<String, Double> byKey(List<MetricSample> samples, Function<MetricSample, String> key) {
        return samples.stream().collect(Collectors.toMap(key, MetricSample::value));
    }

    @Test
    void aLogRecordBecomesOneEventWithServiceLevelTimeTraceContextAndFlattenedAttributes() throws Exception {
        LogRecord record = record("payment accepted").setSeverityNumber(SeverityNumber.SEVERITY_NUMBER_WARN2)
                .setSeverityText("WARN").setTraceId(ByteString.fromHex(TRACE)).setSpanId(ByteString.fromHex(SPAN))
                .addAttributes(kv("order.id", AnyValue.newBuilder().setIntValue(42).build()))
                .addAttributes(kv("http", AnyValue.newBuilder().setKvlistValue(KeyValueList.newBuilder()
                        .addValues(kv("method", str("POST")))
                        .addValues(kv("ok", AnyValue.newBuilder().setBoolValue(true).build()))).build()))
                .addAttributes(kv("tags", AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder()
                        .addValues(str("a")).addValues(AnyValue.newBuilder().setDoubleValue(1.5))).build()))
                .addAttributes(kv("host.name", str("record-wins")))
                .build();
        List<IngestItem> items = OtlpDecoder.LOGS.protobuf(logs(resource(kv("service.name", str("checkout")),
                        kv("host.name", str("h1"))),
                InstrumentationScope.newBuilder().setName("pay-lib").setVersion("1.2").build(), record).toByteArray(),
                100);

        LogEvent event = events(items).get(0);
        assertThat(event.service()).isEqualTo("checkout");
        assertThat(event.level().wireName()).isEqualTo("warn");
        assertThat(event.message()).isEqualTo("payment accepted");
        assertThat(event.timestamp().toInstant()).isEqualTo(Instant.ofEpochSecond(1_764_093_291L, 123_456_789L));
        assertThat(event.traceId()).contains(TRACE);
        assertThat(event.spanId()).contains(SPAN);
        JsonNode attributes = ((IngestItem.Parsed) items.get(0)).node().get("attributes");
        assertThat(attributes.get("resource.host.name").asText()).isEqualTo("h1");
        assertThat(attributes.has("resource.service.name")).isFalse();
        assertThat(attributes.get("scope.name").asText()).isEqualTo("pay-lib");
        assertThat(attributes.get("scope.version").asText()).isEqualTo("1.2");
        assertThat(attributes.get("order.id").asLong()).isEqualTo(42);
        assertThat(attributes.get("http.method").asText()).isEqualTo("POST");
        assertThat(attributes.get("http.ok").asBoolean()).isTrue();
        assertThat(attributes.get("tags").asText()).isEqualTo("[\"a\",1.5]");
        assertThat(attributes.get("host.name").asText()).isEqualTo("record-wins");
    }

    @Test
    void severityNumbersMapByOtelRangesAndTextIsTheFallback() {
        assertThat(OtlpLogMapping.level(1, "").wireName()).isEqualTo("trace");
        assertThat(OtlpLogMapping.level(4, "").wireName()).isEqualTo("trace");
        assertThat(OtlpLogMapping.level(5, "").wireName()).isEqualTo("debug");
        assertThat(OtlpLogMapping.level(9, "ERROR").wireName()).isEqualTo("info");
        assertThat(OtlpLogMapping.level(12, "").wireName()).isEqualTo("info");
        assertThat(OtlpLogMapping.level(13, "").wireName()).isEqualTo("warn");
        assertThat(OtlpLogMapping.level(17, "").wireName()).isEqualTo("error");
        assertThat(OtlpLogMapping.level(20, "").wireName()).isEqualTo("error");
        assertThat(OtlpLogMapping.level(21, "").wireName()).isEqualTo("fatal");
        assertThat(OtlpLogMapping.level(24, "").wireName()).isEqualTo("fatal");
        assertThat(OtlpLogMapping.level(0, "Warning").wireName()).isEqualTo("warn");
        assertThat(OtlpLogMapping.level(0, "critical").wireName()).isEqualTo("critical");
        assertThat(OtlpLogMapping.level(0, "Information").wireName()).isEqualTo("info");
        assertThat(OtlpLogMapping.level(99, "error").wireName()).isEqualTo("error");
    }

    @Test
    void theObservedTimeStandsInForAMissingTimeAndNonStringBodiesAreJsonText() throws Exception {
        LogRecord observed = LogRecord.newBuilder().setObservedTimeUnixNano(T)
                .setBody(AnyValue.newBuilder().setKvlistValue(KeyValueList.newBuilder()
                        .addValues(kv("user", str("ann"))).addValues(kv("n", AnyValue.newBuilder()
                                .setIntValue(3).build())))).build();
        LogRecord number = LogRecord.newBuilder().setBody(AnyValue.newBuilder().setDoubleValue(2.5)).build();
        List<IngestItem> items = OtlpDecoder.LOGS.protobuf(logs(resource(), InstrumentationScope.getDefaultInstance(),
                observed, number).toByteArray(), 100);

        List<LogEvent> events = events(items);
        assertThat(events.get(0).timestamp().toInstant()).isEqualTo(Instant.ofEpochSecond(1_764_093_291L,
                123_456_789L));
        assertThat(events.get(0).message()).isEqualTo("{\"user\":\"ann\",\"n\":3}");
        assertThat(events.get(1).message()).isEqualTo("2.5");
        assertThat(events.get(0).service()).isEqualTo("unknown_service");
    }

    @Test
    void serviceNamesOutsideTheContractsCharactersAreWrittenWithUnderscores() {
        assertThat(OtlpLogMapping.service(List.of(kv("service.name", str("unknown_service:node")))))
                .isEqualTo("unknown_service_node");
        assertThat(OtlpLogMapping.service(List.of(kv("service.name", str("my svc/é"))))).isEqualTo("my_svc__");
    }

    @Test
    void aRecordTheContractRefusesIsThatRecordsRejection() throws Exception {
        LogRecord empty = LogRecord.newBuilder().setTimeUnixNano(T).build();
        List<IngestItem> items = OtlpDecoder.LOGS.protobuf(logs(resource(kv("service.name", str("s"))),
                InstrumentationScope.getDefaultInstance(), empty, record("ok").build()).toByteArray(), 100);

        Validated<LogEvent> refused = LogEventCodec.fromInput(((IngestItem.Parsed) items.get(0)).node(), CONTEXT);
        assertThat(refused).isInstanceOf(Validated.Invalid.class);
        assertThat(((Validated.Invalid<LogEvent>) refused).errors()).anySatisfy(e ->
                assertThat(e.field()).isEqualTo("message"));
    }

    @Test
    void theContractsAttributeAndLabelLimitsRefuseOneRecordOrSampleNamingWhy() throws Exception {
        LogRecord.Builder crowded = record("crowded");
        for (int i = 0; i < LogEventCodec.MAX_ATTRIBUTES; i++) {
            crowded.addAttributes(kv("a" + i, str("v")));
        }
        List<IngestItem> logs = OtlpDecoder.LOGS.protobuf(logs(resource(kv("service.name", str("s")),
                kv("host.name", str("h"))), InstrumentationScope.getDefaultInstance(), crowded.build(),
                record("fine").build()).toByteArray(), 100);

        Validated<LogEvent> refused = LogEventCodec.fromInput(((IngestItem.Parsed) logs.get(0)).node(), CONTEXT);
        assertThat(((Validated.Invalid<LogEvent>) refused).errors()).anySatisfy(e ->
                assertThat(e.field()).startsWith("attributes"));
        assertThat(LogEventCodec.fromInput(((IngestItem.Parsed) logs.get(1)).node(), CONTEXT))
                .isInstanceOf(Validated.Valid.class);

        NumberDataPoint reserved = NumberDataPoint.newBuilder().setAsDouble(1).addAttributes(kv("__x", str("y")))
                .build();
        List<IngestItem> samples = OtlpDecoder.METRICS.protobuf(metrics(Metric.newBuilder().setName("g")
                .setGauge(Gauge.newBuilder().addDataPoints(reserved)).build()).toByteArray(), 100);
        Validated<MetricSample> sample = MetricSampleCodec.fromInput(((IngestItem.Parsed) samples.get(0)).node(),
                CONTEXT);
        assertThat(((Validated.Invalid<MetricSample>) sample).errors()).anySatisfy(e ->
                assertThat(e.field()).contains("__x"));
    }

    @Test
    void otlpJsonReadsHexIdsIntegerEnumsAndBothFieldSpellings() throws Exception {
        String json = """
                {"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"web"}}]},
                 "scope_logs":[{"scope":{"name":"s"},"logRecords":[
                  {"timeUnixNano":"1764093291123456789","severityNumber":17,"body":{"stringValue":"boom"},
                   "traceId":"%s","spanId":"%s","attributes":[{"key":"n","value":{"intValue":"7"}}],
                   "someFutureField":1},
                  {"time_unix_nano":1764093291000000000,"severity_number":"SEVERITY_NUMBER_DEBUG",
                   "body":{"string_value":"two"},"trace_id":"","span_id":""}]}]}]}
                """.formatted(TRACE, SPAN);
        List<IngestItem> items = OtlpDecoder.LOGS.json(json.getBytes(StandardCharsets.UTF_8), 100);

        List<LogEvent> events = events(items);
        assertThat(events).hasSize(2);
        assertThat(events.get(0).level().wireName()).isEqualTo("error");
        assertThat(events.get(0).traceId()).contains(TRACE);
        assertThat(events.get(0).spanId()).contains(SPAN);
        assertThat(events.get(0).service()).isEqualTo("web");
        assertThat(events.get(1).level().wireName()).isEqualTo("debug");
        assertThat(events.get(1).message()).isEqualTo("two");
        assertThat(events.get(1).traceId()).isEmpty();
    }

    @Test
    void base64IdsInJsonAreNoOtlpJsonAndUnparseableBodiesAreMalformed() {
        String base64Id = "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"traceId\":\"W47/95gDgQPSabYzgT/GDA==\"}]}]}]}";
        assertThatThrownBy(() -> OtlpDecoder.LOGS.json(base64Id.getBytes(StandardCharsets.UTF_8), 10))
                .isInstanceOf(MalformedBodyException.class).hasMessageContaining("hex");
        assertThatThrownBy(() -> OtlpDecoder.LOGS.json("[1]".getBytes(StandardCharsets.UTF_8), 10))
                .isInstanceOf(MalformedBodyException.class);
        assertThatThrownBy(() -> OtlpDecoder.LOGS.json("{} {}".getBytes(StandardCharsets.UTF_8), 10))
                .as("a second JSON value after the request").isInstanceOf(MalformedBodyException.class);
        assertThatThrownBy(() -> OtlpDecoder.LOGS.json("{\"resourceLogs\":{}}".getBytes(StandardCharsets.UTF_8), 10))
                .isInstanceOf(MalformedBodyException.class);
        assertThatThrownBy(() -> OtlpDecoder.LOGS.protobuf(new byte[]{0x0a, 0x05, 0x01}, 10))
                .isInstanceOf(MalformedBodyException.class).hasMessageContaining("ExportLogsServiceRequest");
        assertThatThrownBy(() -> OtlpDecoder.METRICS.protobuf(new byte[]{(byte) 0xff, (byte) 0xff}, 10))
                .isInstanceOf(MalformedBodyException.class);
    }

    @Test
    void anEmptyExportRequestHoldsNoItems() throws Exception {
        assertThat(OtlpDecoder.LOGS.protobuf(new byte[0], 10)).isEmpty();
        assertThat(OtlpDecoder.METRICS.json("{}".getBytes(StandardCharsets.UTF_8), 10)).isEmpty();
    }

    @Test
    void moreRecordsThanAllowedIsTooLarge() {
        LogRecord r = record("m").build();
        byte[] body = logs(resource(), InstrumentationScope.getDefaultInstance(), r, r, r).toByteArray();
        assertThatThrownBy(() -> OtlpDecoder.LOGS.protobuf(body, 2)).isInstanceOf(BodyTooLargeException.class)
                .hasMessageContaining("at most 2");
    }

    @Test
    void gaugesAndSumsBecomeGaugeCounterAndDeltaSamplesWithSanitisedNamesAndLabels() throws Exception {
        NumberDataPoint point = NumberDataPoint.newBuilder().setTimeUnixNano(T).setAsDouble(3.5)
                .addAttributes(kv("http.route", str("/pay"))).addAttributes(kv("empty", str(""))).build();
        NumberDataPoint intPoint = NumberDataPoint.newBuilder().setTimeUnixNano(T).setAsInt(12).build();
        List<IngestItem> items = OtlpDecoder.METRICS.protobuf(metrics(
                Metric.newBuilder().setName("process.cpu.utilization").setGauge(Gauge.newBuilder()
                        .addDataPoints(point)).build(),
                Metric.newBuilder().setName("http.requests").setSum(Sum.newBuilder().setIsMonotonic(true)
                        .setAggregationTemporality(AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE)
                        .addDataPoints(intPoint)).build(),
                Metric.newBuilder().setName("bytes.sent").setSum(Sum.newBuilder().setIsMonotonic(true)
                        .setAggregationTemporality(AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA)
                        .addDataPoints(intPoint)).build(),
                Metric.newBuilder().setName("queue.depth").setSum(Sum.newBuilder().setIsMonotonic(false)
                        .setAggregationTemporality(AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE)
                        .addDataPoints(intPoint)).build()).toByteArray(), 100);

        List<MetricSample> samples = samples(items);
        assertThat(samples).extracting(MetricSample::name).containsExactly("process_cpu_utilization",
                "http_requests", "bytes_sent", "queue_depth");
        assertThat(samples).extracting(s -> s.type().name()).containsExactly("GAUGE", "COUNTER", "DELTA", "GAUGE");
        assertThat(samples.get(0).labels()).containsOnly(entry("service_name", "checkout"),
                entry("host_name", "h1"), entry("http_route", "/pay"));
        assertThat(samples.get(0).value()).isEqualTo(3.5);
        assertThat(samples.get(1).value()).isEqualTo(12.0);
        assertThat(samples.get(0).timestamp()).isEqualTo(Instant.ofEpochSecond(1_764_093_291L, 123_456_789L));
    }

    @Test
    void aHistogramBecomesCountSumAndCumulativeBucketsUpToInf() throws Exception {
        HistogramDataPoint point = HistogramDataPoint.newBuilder().setTimeUnixNano(T).setCount(10).setSum(123.5)
                .addAllExplicitBounds(List.of(0.5, 1.0, 10.0)).addAllBucketCounts(List.of(1L, 2L, 3L, 4L))
                .addExemplars(Exemplar.newBuilder().setAsDouble(0.7)).build();
        List<IngestItem> items = OtlpDecoder.METRICS.protobuf(metrics(Metric.newBuilder().setName("http.duration")
                .setHistogram(Histogram.newBuilder().addDataPoints(point).setAggregationTemporality(
                        AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE)).build()).toByteArray(), 100);

        List<MetricSample> samples = samples(items);
        Map<String, Double> values = byKey(samples, s -> s.name() + s.labels().getOrDefault("le", ""));
        assertThat(values).containsOnly(entry("http_duration_count", 10.0), entry("http_duration_sum", 123.5),
                entry("http_duration_bucket0.5", 1.0), entry("http_duration_bucket1", 3.0),
                entry("http_duration_bucket10", 6.0), entry("http_duration_bucket+Inf", 10.0));
        assertThat(samples).allSatisfy(s -> assertThat(s.type().name()).isEqualTo("COUNTER"));
        assertThat(items).filteredOn(IngestItem.Dropped.class::isInstance).singleElement()
                .isEqualTo(new IngestItem.Dropped(IngestItem.DropReason.EXEMPLAR));
    }

    @Test
    void aDeltaHistogramIsDeltaSamplesAndBadBucketCountsAreThePointsRejection() throws Exception {
        HistogramDataPoint ok = HistogramDataPoint.newBuilder().setCount(2).setSum(3).build();
        HistogramDataPoint bad = HistogramDataPoint.newBuilder().setCount(2).addExplicitBounds(1)
                .addBucketCounts(2).build();
        List<IngestItem> items = OtlpDecoder.METRICS.protobuf(metrics(Metric.newBuilder().setName("d")
                .setHistogram(Histogram.newBuilder().addDataPoints(ok).addDataPoints(bad).setAggregationTemporality(
                        AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA)).build()).toByteArray(), 100);

        assertThat(samples(items)).extracting(s -> s.name() + ":" + s.type().name())
                .containsExactly("d_count:DELTA", "d_sum:DELTA");
        assertThat(items.get(2)).isInstanceOf(IngestItem.Unreadable.class);
        assertThat(((IngestItem.Unreadable) items.get(2)).errors().get(0).reason()).contains("1 bucket counts for 1 explicit bounds; it needs 2")
                .doesNotContain("null");
        assertThat(((OtlpDecoder.Request) items).refusedOrigins(List.of(IngestAnswers.Verdict.stored("a"),
                IngestAnswers.Verdict.stored("b"), IngestAnswers.Verdict.refused(
                        ((IngestItem.Unreadable) items.get(2)).errors())))).isEqualTo(1);
    }

    @Test
    void aSummaryIsCountSumCountersAndQuantileGauges() throws Exception {
        SummaryDataPoint point = SummaryDataPoint.newBuilder().setCount(4).setSum(8)
                .addQuantileValues(SummaryDataPoint.ValueAtQuantile.newBuilder().setQuantile(0.5).setValue(1.5))
                .addQuantileValues(SummaryDataPoint.ValueAtQuantile.newBuilder().setQuantile(0.99).setValue(3))
                .build();
        List<MetricSample> samples = samples(OtlpDecoder.METRICS.protobuf(metrics(Metric.newBuilder()
                .setName("rpc.latency").setSummary(Summary.newBuilder().addDataPoints(point)).build()).toByteArray(),
                100));

        assertThat(samples).extracting(s -> s.name() + s.labels().getOrDefault("quantile", "") + ":"
                + s.type().name() + "=" + s.value()).containsExactly("rpc_latency_count:COUNTER=4.0",
                "rpc_latency_sum:COUNTER=8.0", "rpc_latency0.5:GAUGE=1.5", "rpc_latency0.99:GAUGE=3.0");
    }

    @Test
    void exponentialHistogramsKeepCountAndSumAndRefuseTheirBucketsPerPoint() throws Exception {
        List<IngestItem> items = OtlpDecoder.METRICS.protobuf(metrics(Metric.newBuilder().setName("e")
                .setExponentialHistogram(ExponentialHistogram.newBuilder().setAggregationTemporality(
                                AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE)
                        .addDataPoints(ExponentialHistogramDataPoint.newBuilder().setCount(5).setSum(2)))
                .build()).toByteArray(), 100);

        assertThat(samples(items)).extracting(MetricSample::name).containsExactly("e_count", "e_sum");
        assertThat(items.get(2)).isInstanceOfSatisfying(IngestItem.Unreadable.class, u ->
                assertThat(u.errors().get(0).reason()).contains("exponential histogram buckets are not stored"));
    }

    @Test
    void noRecordedValueIsDroppedAndAPointWithoutValueOrNaNIsRefusedWithAReason() throws Exception {
        NumberDataPoint stale = NumberDataPoint.newBuilder().setAsDouble(1)
                .setFlags(DataPointFlags.DATA_POINT_FLAGS_NO_RECORDED_VALUE_MASK_VALUE).build();
        NumberDataPoint none = NumberDataPoint.newBuilder().build();
        NumberDataPoint nan = NumberDataPoint.newBuilder().setAsDouble(Double.NaN).build();
        List<IngestItem> items = OtlpDecoder.METRICS.protobuf(metrics(Metric.newBuilder().setName("g")
                .setGauge(Gauge.newBuilder().addDataPoints(stale).addDataPoints(none).addDataPoints(nan)).build(),
                Metric.newBuilder().setName("nodata").build(),
                Metric.newBuilder().setName("s").setSum(Sum.newBuilder().setIsMonotonic(true)
                        .addDataPoints(NumberDataPoint.newBuilder().setAsInt(1))).build()).toByteArray(), 100);

        assertThat(items.get(0)).isEqualTo(new IngestItem.Dropped(IngestItem.DropReason.NO_RECORDED_VALUE));
        assertThat(items.get(1)).isInstanceOfSatisfying(IngestItem.Unreadable.class, u ->
                assertThat(u.errors().get(0).reason()).contains("has no value"));
        Validated<MetricSample> nanSample = MetricSampleCodec.fromInput(((IngestItem.Parsed) items.get(2)).node(),
                CONTEXT);
        assertThat(nanSample).isInstanceOf(Validated.Invalid.class);
        assertThat(items.get(3)).isInstanceOfSatisfying(IngestItem.Unreadable.class, u ->
                assertThat(u.errors().get(0).reason()).contains("holds no data"));
        assertThat(items.get(4)).isInstanceOfSatisfying(IngestItem.Unreadable.class, u ->
                assertThat(u.errors().get(0).reason()).contains("aggregation temporality"));
    }

    @Test
    void namesAndLabelNamesFollowPrometheusRules() {
        assertThat(OtlpMetricMapping.metricName("http.server.duration")).isEqualTo("http_server_duration");
        assertThat(OtlpMetricMapping.metricName("9lives:x-y")).isEqualTo("_9lives:x_y");
        assertThat(OtlpMetricMapping.labelName("k8s.pod.name")).isEqualTo("k8s_pod_name");
        assertThat(OtlpMetricMapping.labelName("a:b")).isEqualTo("a_b");
        assertThat(OtlpMetricMapping.le(1.0)).isEqualTo("1");
        assertThat(OtlpMetricMapping.le(0.25)).isEqualTo("0.25");
        assertThat(OtlpMetricMapping.le(Double.POSITIVE_INFINITY)).isEqualTo("+Inf");
    }

    @Test
    void metricsJsonReadsIntegerTemporalityAndHexExemplarIds() throws Exception {
        String json = """
                {"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"c","sum":{"isMonotonic":true,
                 "aggregationTemporality":2,"dataPoints":[{"asInt":"5","timeUnixNano":"1764093291000000000",
                 "exemplars":[{"asDouble":1,"traceId":"%s","spanId":"%s"}]}]}}]}]}]}
                """.formatted(TRACE, SPAN);
        List<IngestItem> items = OtlpDecoder.METRICS.json(json.getBytes(StandardCharsets.UTF_8), 100);

        assertThat(samples(items)).singleElement().satisfies(s -> {
            assertThat(s.type().name()).isEqualTo("COUNTER");
            assertThat(s.value()).isEqualTo(5.0);
        });
        assertThat(items.get(1)).isEqualTo(new IngestItem.Dropped(IngestItem.DropReason.EXEMPLAR));
    }
}
