package io.killkrill.it.receivers;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import io.killkrill.it.support.MutatedBodies;
import io.killkrill.it.support.RedisExtension;
import io.killkrill.it.support.RedisService;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.logs.v1.SeverityNumber;
import io.opentelemetry.proto.resource.v1.Resource;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * POST /v1/logs and /v1/metrics (OTLP/HTTP, issue 15 item 1) against the real Redis, with the guarantees of the
 * native endpoints: the mapping as stored on the stream, OTLP's partial-success answer in the request's encoding,
 * a 4xx with a {@code google.rpc.Status} that stores nothing for every body that is no export request, a gzip bomb,
 * a wrong Content-Type, a missing key; the backlog's 429 with Retry-After (OTLP exporters retry 429 and 503 and
 * honour Retry-After); Idempotency-Key. Each test counts the streams' entries, so anything stored that should not
 * be fails it.
 */
@ExtendWith(RedisExtension.class)
class OtlpIT {
    private static final String KEY = "otlp-it-key-0123456789abcdef";
    private static final String PROTOBUF = "application/x-protobuf";
    private static final String TRACE = "5b8efff798038103d269b633813fc60c";
    private static final String SPAN = "eee19b7ec3c1b174";
    private static final long T = Instant.parse("2026-11-25T12:00:00Z").toEpochMilli() * 1_000_000L;

    private static ReceiversUnderTest start(RedisService redis, String name) throws Exception {
        return ReceiversUnderTest.start(redis, name, c -> c.withApiKeys(List.of(KEY)));
    }

    private static KeyValue kv(String key, String value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
    }

    /** {@code count} records of service {@code service}; every one whose index is in {@code empty} has no body. */
    private static byte[] logs(String service, int count, int... empty) {
        ScopeLogs.Builder scope = ScopeLogs.newBuilder();
        for (int i = 0; i < count; i++) {
            int seq = i;
            LogRecord.Builder record = LogRecord.newBuilder().setTimeUnixNano(T + i)
                    .setSeverityNumber(SeverityNumber.SEVERITY_NUMBER_ERROR).setSeverityText("ERROR")
                    .setTraceId(ByteString.fromHex(TRACE)).setSpanId(ByteString.fromHex(SPAN))
                    .addAttributes(kv("seq", Integer.toString(i)));
            if (Arrays.stream(empty).noneMatch(e -> e == seq)) {
                record.setBody(AnyValue.newBuilder().setStringValue(service + "-" + i));
            }
            scope.addLogRecords(record);
        }
        return ExportLogsServiceRequest.newBuilder().addResourceLogs(ResourceLogs.newBuilder()
                .setResource(Resource.newBuilder().addAttributes(kv("service.name", service))
                        .addAttributes(kv("host.name", "h1")))
                .addScopeLogs(scope)).build().toByteArray();
    }

    private static byte[] gzip(byte[] body) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
            gzip.write(body);
        }
        return out.toByteArray();
    }

    private static HttpResponse<byte[]> protobuf(ReceiversUnderTest service, String path, byte[] body,
                                                 String... headers) {
        List<String> all = new ArrayList<>(List.of("X-API-Key", KEY));
        all.addAll(Arrays.asList(headers));
        return service.post(path, PROTOBUF, body, HttpResponse.BodyHandlers.ofByteArray(), all.toArray(String[]::new));
    }

    /** The {@code google.rpc.Status} code of a protobuf refusal. */
    private static int statusCode(byte[] body) throws IOException {
        CodedInputStream in = CodedInputStream.newInstance(body);
        assertThat(in.readTag()).as("Status.code (field 1, varint)").isEqualTo(1 << 3);
        return in.readInt32();
    }

    /**
     * Three gzipped protobuf records, one without a body: 200 with a protobuf partial success that rejects one record
     * and names why; the two others on the stream with service, level, timestamp (nanoseconds), trace context and
     * flattened attributes. A JSON metrics export (OTLP JSON: integer enum, string int64) of a cumulative sum, a
     * histogram and a point flagged NO_RECORDED_VALUE: 200 in JSON, the sum as a counter, the histogram as
     * _count, _sum and 3 buckets, the flagged point dropped and counted.
     */
    @Test
    void exportsAreStoredByTheMappingAndAnsweredWithOtlpsPartialSuccess(RedisService redis) throws Exception {
        try (ReceiversUnderTest service = start(redis, "otlp-map")) {
            HttpResponse<byte[]> answer = protobuf(service, "/v1/logs", gzip(logs("checkout", 3, 1)),
                    "Content-Encoding", "gzip");

            assertThat(answer.statusCode()).isEqualTo(200);
            assertThat(answer.headers().firstValue("Content-Type")).contains(PROTOBUF);
            ExportLogsServiceResponse response = ExportLogsServiceResponse.parseFrom(answer.body());
            assertThat(response.getPartialSuccess().getRejectedLogRecords()).isEqualTo(1);
            assertThat(response.getPartialSuccess().getErrorMessage()).contains("log record 1").contains("message");
            List<JsonNode> events = service.events(service.streams.logs());
            assertThat(events).hasSize(2);
            JsonNode first = events.get(0);
            assertThat(first.get("service").asText()).isEqualTo("checkout");
            assertThat(first.get("level").asText()).isEqualTo("error");
            assertThat(first.get("message").asText()).isEqualTo("checkout-0");
            assertThat(Instant.parse(first.get("timestamp").asText()))
                    .isEqualTo(Instant.parse("2026-11-25T12:00:00Z"));
            assertThat(first.get("trace_id").asText()).isEqualTo(TRACE);
            assertThat(first.get("span_id").asText()).isEqualTo(SPAN);
            assertThat(first.get("attributes").get("resource.host.name").asText()).isEqualTo("h1");
            assertThat(first.get("attributes").get("seq").asText()).isEqualTo("0");
            assertThat(events.get(1).get("message").asText()).isEqualTo("checkout-2");

            String metrics = """
                    {"resourceMetrics":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"c"}}]},
                     "scopeMetrics":[{"metrics":[
                      {"name":"http.requests","sum":{"isMonotonic":true,"aggregationTemporality":2,
                       "dataPoints":[{"asInt":"42","timeUnixNano":"%d"},{"asInt":"1","flags":1}]}},
                      {"name":"http.latency","histogram":{"aggregationTemporality":2,"dataPoints":[{"count":"4",
                       "sum":5555,"explicitBounds":[10,100],"bucketCounts":["1","1","2"],"timeUnixNano":"%d"}]}}
                     ]}]}]}""".formatted(T, T);
            HttpResponse<String> json = service.post("/v1/metrics", "application/json",
                    metrics.getBytes(StandardCharsets.UTF_8), "X-API-Key", KEY);

            assertThat(json.statusCode()).as(json.body()).isEqualTo(200);
            assertThat(json.body()).isEqualTo("{}");
            List<JsonNode> samples = service.events(service.streams.metrics());
            assertThat(samples).extracting(s -> s.get("name").asText() + s.get("labels").path("le").asText("")
                    + "=" + s.get("value").asDouble() + ":" + s.get("type").asText()).containsExactly(
                    "http_requests=42.0:counter", "http_latency_count=4.0:counter", "http_latency_sum=5555.0:counter",
                    "http_latency_bucket10=1.0:counter", "http_latency_bucket100=2.0:counter",
                    "http_latency_bucket+Inf=4.0:counter");
            assertThat(samples.get(0).get("labels").get("service_name").asText()).isEqualTo("c");
            assertThat(service.meter("killkrill_receivers_items_rejected_total{", "kind=\"metrics\"",
                    "reason=\"no_recorded_value\"")).isEqualTo(1);
            assertThat(service.meter("killkrill_receivers_http_request_seconds_count{", "path=\"/v1/logs\"",
                    "status=\"200\"")).isEqualTo(1);
        }
    }

    /**
     * Every body that is no export request, is too big inflated, has a Content-Type OTLP/HTTP does not define or
     * comes without the right key is a clear 4xx with a google.rpc.Status in the request's encoding; nothing is
     * stored on either stream. The same receivers then store a valid export.
     */
    @Test
    void malformedBodiesAGzipBombAWrongContentTypeAndMissingKeysAre4xxAndStoreNothing(RedisService redis)
            throws Exception {
        try (ReceiversUnderTest service = ReceiversUnderTest.start(redis, "otlp-bad",
                c -> c.withApiKeys(List.of(KEY)).withLimits(64 * 1024, 10_000, 64 * 1024, 1_000_000))) {
            byte[] valid = logs("svc", 1);

            HttpResponse<byte[]> truncated = protobuf(service, "/v1/logs", Arrays.copyOf(valid, valid.length - 3));
            assertThat(truncated.statusCode()).isEqualTo(400);
            assertThat(statusCode(truncated.body())).as("INVALID_ARGUMENT").isEqualTo(3);
            assertThat(new String(truncated.body(), StandardCharsets.UTF_8)).contains("ExportLogsServiceRequest");
            assertThat(protobuf(service, "/v1/metrics", new byte[]{(byte) 0xff, 0x01}).statusCode()).isEqualTo(400);
            HttpResponse<String> badJson = service.post("/v1/logs", "application/json",
                    "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"traceId\":\"not-hex\"}]}]}]}"
                            .getBytes(StandardCharsets.UTF_8), "X-API-Key", KEY);
            assertThat(badJson.statusCode()).isEqualTo(400);
            assertThat(ReceiversUnderTest.json(badJson.body()).get("code").asInt()).isEqualTo(3);
            assertThat(ReceiversUnderTest.json(badJson.body()).get("message").asText()).contains("hex");
            // 1 MiB of zeros gzips to ~1 KB: within the 64 KiB body limit, far past it inflated
            HttpResponse<byte[]> bomb = protobuf(service, "/v1/logs", gzip(new byte[1024 * 1024]),
                    "Content-Encoding", "gzip");
            assertThat(bomb.statusCode()).isEqualTo(413);
            assertThat(statusCode(bomb.body())).as("RESOURCE_EXHAUSTED").isEqualTo(8);
            HttpResponse<String> wrongType = service.post("/v1/logs", "text/plain", valid, "X-API-Key", KEY);
            assertThat(wrongType.statusCode()).isEqualTo(415);
            assertThat(wrongType.body()).contains("application/x-protobuf, application/json");
            assertThat(protobuf(service, "/v1/logs", gzip(valid), "Content-Encoding", "br").statusCode())
                    .as("an encoding OTLP does not define").isEqualTo(415);
            HttpResponse<byte[]> noKey = service.post("/v1/logs", PROTOBUF, valid,
                    HttpResponse.BodyHandlers.ofByteArray());
            assertThat(noKey.statusCode()).isEqualTo(401);
            assertThat(statusCode(noKey.body())).as("UNAUTHENTICATED").isEqualTo(16);
            assertThat(service.post("/v1/metrics", "application/json", "{}".getBytes(StandardCharsets.UTF_8),
                    "Authorization", "Bearer wrong-key-0123456789").statusCode()).as("wrong key").isEqualTo(401);
            assertThat(service.get("/v1/logs").statusCode()).isEqualTo(405);
            assertThat(service.length(service.streams.logs())).as("no log stored").isZero();
            assertThat(service.length(service.streams.metrics())).as("no sample stored").isZero();

            assertThat(protobuf(service, "/v1/logs", valid).statusCode()).as("the same receivers store a valid body")
                    .isEqualTo(200);
            assertThat(service.length(service.streams.logs())).isEqualTo(1);
        }
    }

    /**
     * 400 random bodies drawn by jqwik (random bytes, and a valid export with bytes overwritten, as protobuf and
     * JSON, raw and gzipped): never a 5xx, a 4xx stores nothing, a 200 stores at most one entry per record.
     */
    @Test
    void randomBodiesNeverGiveA5xxAndA4xxStoresNothing(RedisService redis) throws Exception {
        byte[] valid = logs("fuzz", 4);
        Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofMaxSize(300);
        Arbitrary<byte[]> mutated = MutatedBodies.overwritten(valid);
        Arbitrary<byte[]> bodies = Arbitraries.oneOf(random, mutated, mutated.map(OtlpIT::gzipped));
        try (ReceiversUnderTest service = start(redis, "otlp-fuzz")) {
            int refused = 0;
            for (byte[] body : bodies.sampleStream().limit(400).toList()) {
                boolean gzipped = body.length > 2 && body[0] == 0x1f && body[1] == (byte) 0x8b;
                String type = body.length % 2 == 0 ? PROTOBUF : "application/json";
                long before = service.length(service.streams.logs());
                HttpResponse<String> answer = service.post("/v1/logs", type, body,
                        gzipped ? new String[]{"X-API-Key", KEY, "Content-Encoding", "gzip"}
                                : new String[]{"X-API-Key", KEY});
                long after = service.length(service.streams.logs());
                assertThat(answer.statusCode()).as("body %s: %s", Arrays.toString(body), answer.body())
                        .isIn(200, 400, 413);
                if (answer.statusCode() == 200) {
                    assertThat(after - before).isBetween(0L, 4L);
                } else {
                    assertThat(after).as("a body answered %d stored nothing", answer.statusCode()).isEqualTo(before);
                    refused++;
                }
            }
            assertThat(refused).as("most random bodies are refused").isGreaterThan(150);
        }
    }

    private static byte[] gzipped(byte[] body) {
        try {
            return gzip(body);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * Backlog over KILLKRILL_RECEIVERS_MAX_BACKLOG: 429 with Retry-After (OTLP/HTTP's "retryable" throttling
     * answer), a google.rpc.Status RESOURCE_EXHAUSTED, counted as reason backlog; nothing of the refused export is
     * stored.
     */
    @Test
    void overTheBacklogLimitIs429WithRetryAfterAndNothingIsStored(RedisService redis) throws Exception {
        try (ReceiversUnderTest service = ReceiversUnderTest.backlogLimited(redis, "otlp-backlog", KEY, 8)) {
            String stream = service.streams.logs();
            byte[] five = logs("backlog", 5);
            assertThat(protobuf(service, "/v1/logs", five).statusCode()).isEqualTo(200);
            assertThat(protobuf(service, "/v1/logs", five).statusCode()).isEqualTo(200);
            service.awaitBacklog(stream, 10);

            HttpResponse<byte[]> refused = protobuf(service, "/v1/logs", five);

            assertThat(refused.statusCode()).isEqualTo(429);
            assertThat(refused.headers().firstValue("Retry-After")).contains("5");
            assertThat(statusCode(refused.body())).as("RESOURCE_EXHAUSTED").isEqualTo(8);
            assertThat(service.length(stream)).as("nothing of the refused export was stored").isEqualTo(10);
            assertThat(service.meter("killkrill_receivers_items_rejected_total{", "reason=\"backlog\"")).isEqualTo(1);
        }
    }

    /**
     * A repeat with the same Idempotency-Key gets the first answer again (the same protobuf bytes,
     * {@code Idempotent-Replayed: true}) and stores nothing; the same key asked in JSON gets the same answer in
     * JSON; another key stores again.
     */
    @Test
    void aRepeatWithTheSameIdempotencyKeyStoresNothing(RedisService redis) throws Exception {
        try (ReceiversUnderTest service = start(redis, "otlp-idem")) {
            byte[] body = logs("idem", 3, 2);

            HttpResponse<byte[]> first = protobuf(service, "/v1/logs", body, "Idempotency-Key", "export-1");
            HttpResponse<byte[]> repeat = protobuf(service, "/v1/logs", body, "Idempotency-Key", "export-1");

            assertThat(first.statusCode()).isEqualTo(200);
            assertThat(ExportLogsServiceResponse.parseFrom(first.body()).getPartialSuccess().getRejectedLogRecords())
                    .isEqualTo(1);
            assertThat(repeat.statusCode()).isEqualTo(200);
            assertThat(repeat.body()).isEqualTo(first.body());
            assertThat(repeat.headers().firstValue("Idempotent-Replayed")).contains("true");
            assertThat(service.length(service.streams.logs())).as("stored once").isEqualTo(2);
            HttpResponse<String> asJson = service.post("/v1/logs", "application/json", "{}".getBytes(
                    StandardCharsets.UTF_8), "X-API-Key", KEY, "Idempotency-Key", "export-1");
            assertThat(asJson.headers().firstValue("Idempotent-Replayed")).contains("true");
            assertThat(ReceiversUnderTest.json(asJson.body()).get("partialSuccess").get("rejectedLogRecords").asText())
                    .isEqualTo("1");
            assertThat(protobuf(service, "/v1/logs", body, "Idempotency-Key", "export-2").statusCode())
                    .isEqualTo(200);
            assertThat(service.length(service.streams.logs())).isEqualTo(4);
        }
    }
}
