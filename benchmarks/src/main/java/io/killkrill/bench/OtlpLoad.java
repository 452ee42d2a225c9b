package io.killkrill.bench;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.resource.v1.Resource;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * OTLP/HTTP logs load: the HTTP phase's events ({@link HttpLoad#logEvent}: 10 services, 7 hosts, 4 levels) as
 * protobuf {@code ExportLogsServiceRequest}s, as an OpenTelemetry SDK or Collector batches them: one
 * {@code ResourceLogs} per service (with {@code service.name} and {@code host.name}) per request, each record with
 * its time, severity number and text, body and a span's trace context.
 */
final class OtlpLoad {
    static final String[] HEADERS = {"Content-Type", "application/x-protobuf"};
    private static final String[] LEVELS = {"INFO", "WARN", "ERROR", "DEBUG"};
    private static final int[] SEVERITIES = {9, 13, 17, 5};
    private static final long TRACE_HIGH = 0x5b8efff798038103L;

    private OtlpLoad() {
    }

    static HttpLoad.Bodies bodies(int total, int perBatch, String day) {
        List<byte[]> bodies = new ArrayList<>();
        Map<byte[], Integer> records = new IdentityHashMap<>();
        long midday = Instant.parse(day + "T12:00:00Z").toEpochMilli();
        for (int start = 0; start < total; start += perBatch) {
            Map<Integer, ScopeLogs.Builder> byService = new LinkedHashMap<>();
            int end = Math.min(total, start + perBatch);
            for (int i = start; i < end; i++) {
                byService.computeIfAbsent(i % 10, s -> ScopeLogs.newBuilder()).addLogRecords(record(i, midday));
            }
            ExportLogsServiceRequest.Builder request = ExportLogsServiceRequest.newBuilder();
            byService.forEach((service, scope) -> request.addResourceLogs(ResourceLogs.newBuilder()
                    .setResource(Resource.newBuilder().addAttributes(kv("service.name", "service-" + service))
                            .addAttributes(kv("host.name", "web-0" + service % 7)))
                    .addScopeLogs(scope)));
            byte[] body = request.build().toByteArray();
            bodies.add(body);
            records.put(body, end - start);
        }
        return new HttpLoad.Bodies(bodies, records);
    }

    private static LogRecord record(long i, long middayMillis) {
        long millis = middayMillis + i / 60000 % 60 * 60_000 + i / 1000 % 60 * 1000 + i % 1000;
        return LogRecord.newBuilder().setTimeUnixNano(millis * 1_000_000L)
                .setSeverityNumber(io.opentelemetry.proto.logs.v1.SeverityNumber.forNumber(SEVERITIES[(int) (i % 4)]))
                .setSeverityText(LEVELS[(int) (i % 4)])
                .setBody(AnyValue.newBuilder().setStringValue("GET /api/v1/users/" + i + " completed status=200 "
                        + "duration_ms=" + i % 997 + " bench"))
                .setTraceId(ByteString.copyFrom(ByteBuffer.allocate(16).putLong(TRACE_HIGH).putLong(i + 1).array()))
                .setSpanId(ByteString.copyFrom(ByteBuffer.allocate(8).putLong(i + 1).array()))
                .build();
    }

    private static KeyValue kv(String key, String value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
    }
}
