package io.killkrill.receivers.http;

import io.killkrill.model.IngestContext;
import io.killkrill.model.LogEventCodec;
import io.killkrill.model.MetricSampleCodec;
import io.killkrill.model.Source;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes the four OTLP decoders (logs and metrics, protobuf and JSON) with random bytes and with mutated valid
 * requests of both encodings: each either refuses the whole body with a reason (400/413) or yields items, each
 * readable, dropped with a reason or carrying at least one error, and validation of every readable item answers
 * valid or invalid; no other exception escapes. The OTLP answer to what came out is written too.
 */
class OtlpFuzzTest {
    private static final String LOGS_JSON = """
            {"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"web"}}]},
             "scopeLogs":[{"scope":{"name":"s"},"logRecords":[{"timeUnixNano":"1764093291123456789",
             "severityNumber":17,"body":{"kvlistValue":{"values":[{"key":"a","value":{"intValue":"1"}}]}},
             "traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174",
             "attributes":[{"key":"n","value":{"arrayValue":{"values":[{"doubleValue":1.5}]}}}]}]}]}]}""";
    private static final String METRICS_JSON = """
            {"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"h.d","histogram":{"aggregationTemporality":1,
             "dataPoints":[{"count":"3","sum":2.5,"explicitBounds":[1,2],"bucketCounts":["1","1","1"],
             "attributes":[{"key":"k","value":{"boolValue":true}}]}]}},{"name":"c","sum":{"isMonotonic":true,
             "aggregationTemporality":2,"dataPoints":[{"asInt":"5","flags":0}]}},{"name":"s","summary":{
             "dataPoints":[{"count":"1","sum":1,"quantileValues":[{"quantile":0.5,"value":1}]}]}}]}]}]}""";

    private static final byte[] LOGS_PROTO = protobufOf(LOGS_JSON, true);
    private static final byte[] METRICS_PROTO = protobufOf(METRICS_JSON, false);

    private static byte[] protobufOf(String json, boolean logs) {
        try {
            List<IngestItem> ignored = logs ? OtlpDecoder.LOGS.json(json.getBytes(StandardCharsets.UTF_8), 100)
                    : OtlpDecoder.METRICS.json(json.getBytes(StandardCharsets.UTF_8), 100);
            assertThat(ignored).isNotEmpty();
            var builder = logs ? ExportLogsServiceRequest.newBuilder() : ExportMetricsServiceRequest.newBuilder();
            com.google.protobuf.util.JsonFormat.parser().merge(json
                    .replace("5b8efff798038103d269b633813fc60c", "W47/95gDgQPSabYzgT/GDA==")
                    .replace("eee19b7ec3c1b174", "7uGbfsPBsXQ="), builder);
            return builder.build().toByteArray();
        } catch (Exception e) {
            throw new IllegalStateException("the seed requests are valid", e);
        }
    }

    @Property(tries = 2000)
    void randomBytes(@ForAll @Size(max = 300) byte[] body) {
        check(body);
    }

    @Property(tries = 3000)
    void mutatedJson(@ForAll("mutatedJson") byte[] body) {
        check(body);
    }

    @Property(tries = 3000)
    void mutatedProtobuf(@ForAll("mutatedProtobuf") byte[] body) {
        check(body);
    }

    private static void check(byte[] body) {
        for (BodyDecoder decoder : List.<BodyDecoder>of(OtlpDecoder.LOGS::protobuf, OtlpDecoder.LOGS::json,
                OtlpDecoder.METRICS::protobuf, OtlpDecoder.METRICS::json)) {
            try {
                items(decoder.decode(body, 50));
            } catch (MalformedBodyException | BodyTooLargeException e) {
                assertThat(e.getMessage()).isNotBlank();
            }
        }
    }

    private static void items(List<IngestItem> items) {
        List<IngestAnswers.Verdict> verdicts = new java.util.ArrayList<>();
        for (IngestItem item : items) {
            if (item instanceof IngestItem.Parsed parsed) {
                IngestContext context = IngestContext.now(Source.http("p"));
                assertThat(LogEventCodec.fromInput(parsed.node(), context)).isNotNull();
                assertThat(MetricSampleCodec.fromInput(parsed.node(), context)).isNotNull();
                verdicts.add(IngestAnswers.Verdict.stored("id"));
            } else if (item instanceof IngestItem.Unreadable unreadable) {
                assertThat(unreadable.errors()).isNotEmpty();
                verdicts.add(IngestAnswers.Verdict.refused(unreadable.errors()));
            } else {
                assertThat(((IngestItem.Dropped) item).reason()).isNotNull();
                verdicts.add(IngestAnswers.Verdict.dropped());
            }
        }
        IngestAnswers.Verdicts results = new IngestAnswers.Verdicts(items, verdicts, System.nanoTime());
        assertThat(OtlpAnswers.of(Route.OTLP_METRICS, OtlpDecoder.PROTOBUF).stored(results).status().code())
                .isEqualTo(200);
        assertThat(OtlpAnswers.of(Route.OTLP_LOGS, "application/json").stored(results).body()).isNotEmpty();
    }

    @Provide
    Arbitrary<byte[]> mutatedJson() {
        return Mutations.ofText(List.of(LOGS_JSON, METRICS_JSON),
                List.of('{', '}', '[', ']', '"', ',', ':', '1', '-', 'e', 'a', 'F', '\\', (char) 0xE9));
    }

    @Provide
    Arbitrary<byte[]> mutatedProtobuf() {
        return Mutations.ofBytes(List.of(LOGS_PROTO, METRICS_PROTO));
    }
}
