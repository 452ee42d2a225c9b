package io.killkrill.receivers.http;

import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/** Which {@link BodyDecoder} reads a request, by route and media type (Content-Type without parameters). */
final class BodyDecoders {
    /** The media type of a request that sends no Content-Type. */
    static final String DEFAULT_MEDIA_TYPE = "application/json";

    record Binding(Route route, String mediaType, String description, BodyDecoder decoder) {
    }

    private final List<Binding> bindings;

    BodyDecoders(List<Binding> bindings) {
        this.bindings = List.copyOf(bindings);
    }

    /**
     * JSON and NDJSON on both ingestion routes; the Prometheus text format on {@code /api/v1/metrics}; protobuf
     * {@code WriteRequest}s (snappy-compressed, see {@link ContentEncoding}) on {@code /api/v1/write}; the
     * Elasticsearch bulk body on {@code /_bulk} under each media type the shippers send it as (Filebeat
     * {@code application/json}, Vector and Fluent Bit {@code application/x-ndjson}, the v8 clients'
     * {@code application/vnd.elasticsearch+x-ndjson; compatible-with=8}); OTLP export requests on {@code /v1/logs}
     * and {@code /v1/metrics}, in protobuf or OTLP's JSON ({@link OtlpDecoder}).
     */
    static BodyDecoders standard() {
        return new BodyDecoders(List.of(
                new Binding(Route.LOGS, "application/json", "application/json", JsonBodyParser::json),
                new Binding(Route.LOGS, "application/x-ndjson", "application/x-ndjson", JsonBodyParser::ndjson),
                new Binding(Route.METRICS, "application/json", "application/json", JsonBodyParser::json),
                new Binding(Route.METRICS, "application/x-ndjson", "application/x-ndjson", JsonBodyParser::ndjson),
                new Binding(Route.METRICS, "text/plain", "text/plain; version=0.0.4", PrometheusTextParser::parse),
                new Binding(Route.REMOTE_WRITE, "application/x-protobuf", "application/x-protobuf",
                        RemoteWriteDecoder::decode),
                new Binding(Route.ES_BULK, "application/x-ndjson", "application/x-ndjson", EsBulkDecoder.anyIndex()),
                new Binding(Route.ES_BULK, "application/json", "application/json", EsBulkDecoder.anyIndex()),
                new Binding(Route.ES_BULK, "application/vnd.elasticsearch+x-ndjson",
                        "application/vnd.elasticsearch+x-ndjson", EsBulkDecoder.anyIndex()),
                new Binding(Route.ES_BULK, "application/vnd.elasticsearch+json", "application/vnd.elasticsearch+json",
                        EsBulkDecoder.anyIndex()),
                new Binding(Route.OTLP_LOGS, OtlpDecoder.PROTOBUF, OtlpDecoder.PROTOBUF, OtlpDecoder.LOGS::protobuf),
                new Binding(Route.OTLP_LOGS, "application/json", "application/json", OtlpDecoder.LOGS::json),
                new Binding(Route.OTLP_METRICS, OtlpDecoder.PROTOBUF, OtlpDecoder.PROTOBUF,
                        OtlpDecoder.METRICS::protobuf),
                new Binding(Route.OTLP_METRICS, "application/json", "application/json", OtlpDecoder.METRICS::json)));
    }

    Optional<BodyDecoder> find(Route route, String mediaType) {
        return bindings.stream().filter(b -> b.route() == route && b.mediaType().equals(mediaType))
                .map(Binding::decoder).findFirst();
    }

    /** For the 415 answer: what the route takes. */
    String accepted(Route route) {
        return bindings.stream().filter(b -> b.route() == route).map(Binding::description)
                .collect(Collectors.joining(", "));
    }
}
