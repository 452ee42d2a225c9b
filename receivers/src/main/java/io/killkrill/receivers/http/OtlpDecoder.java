package io.killkrill.receivers.http;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import com.google.protobuf.util.JsonFormat;
import io.killkrill.model.Json;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;

import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * Reads an OTLP/HTTP export request (OTLP 1.x, the published {@code opentelemetry-proto} classes) into items: one
 * log event per {@code LogRecord} ({@link OtlpLogMapping}), one or more metric samples per data point
 * ({@link OtlpMetricMapping}). Protobuf bodies are parsed by the generated classes; JSON bodies by protobuf's
 * {@link JsonFormat} after the one rewrite OTLP's JSON encoding needs on top of the proto3 JSON mapping: trace and
 * span IDs are hex strings, not base64 (enums as integers, lowerCamelCase and original field names are what
 * {@code JsonFormat} reads anyway; unknown fields are ignored, as OTLP requires). A body that is no export request
 * is a {@link MalformedBodyException} (400 with a {@code google.rpc.Status}).
 */
final class OtlpDecoder {
    static final String PROTOBUF = "application/x-protobuf";

    /** The OTLP JSON fields whose hex string is bytes (LogRecord, Exemplar): base64 for {@code JsonFormat}. */
    private static final Set<String> HEX_ID_FIELDS = Set.of("traceId", "spanId", "trace_id", "span_id");
    /**
     * Exact numbers through the hex rewrite (a double or a 64-bit integer reaches JsonFormat as it was sent), one
     * JSON value per body, the contract mapper's nesting limit (64 levels).
     */
    private static final ObjectMapper EXACT = Json.MAPPER.copy()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .setNodeFactory(JsonNodeFactory.withExactBigDecimals(true));
    private static final JsonFormat.Parser JSON = JsonFormat.parser().ignoringUnknownFields();

    private OtlpDecoder() {
    }

    /**
     * The items of one export request, each with the log record or data point it came from: OTLP counts what it
     * rejected by record and by data point ({@code rejected_log_records}, {@code rejected_data_points}), and a
     * histogram point is several samples.
     */
    static final class Request extends AbstractList<IngestItem> {
        private final int maxItems;
        private final List<IngestItem> items = new ArrayList<>();
        private final List<Integer> origins = new ArrayList<>();
        private int nextOrigin;

        Request(int maxItems) {
            this.maxItems = maxItems;
        }

        /** A new record or data point: what {@link #add(IngestItem)} adds from now on is its. */
        void nextOrigin() {
            nextOrigin++;
        }

        @Override
        public boolean add(IngestItem item) {
            if (items.size() >= maxItems) {
                throw new TooMany(maxItems);
            }
            items.add(item);
            origins.add(nextOrigin);
            return true;
        }

        @Override
        public IngestItem get(int index) {
            return items.get(index);
        }

        @Override
        public int size() {
            return items.size();
        }

        /** The records or data points with at least one item refused. */
        int refusedOrigins(List<IngestAnswers.Verdict> verdicts) {
            Set<Integer> refused = new HashSet<>();
            for (int i = 0; i < verdicts.size() && i < items.size(); i++) {
                IngestAnswers.Verdict verdict = verdicts.get(i);
                if (verdict.eventId().isEmpty() && !verdict.isDropped()) {
                    refused.add(origins.get(i));
                }
            }
            return refused.size();
        }
    }

    /** Thrown through the mappings' loops when a request holds more than {@code maxItems} items. */
    private static final class TooMany extends RuntimeException {
        private final int maxItems;

        TooMany(int maxItems) {
            super(null, null, false, false);
            this.maxItems = maxItems;
        }
    }

    /** One OTLP signal: its request message and how its requests become items. */
    record Signal<R extends Message>(String message, Parser<R> parser, Supplier<Message.Builder> builder,
                                     BiConsumer<R, Request> mapping, String items) {
        /** The {@link BodyDecoder} of {@code application/x-protobuf}. */
        List<IngestItem> protobuf(byte[] body, int maxItems) throws MalformedBodyException, BodyTooLargeException {
            return decode(body, maxItems, false);
        }

        /** The {@link BodyDecoder} of {@code application/json}. */
        List<IngestItem> json(byte[] body, int maxItems) throws MalformedBodyException, BodyTooLargeException {
            return decode(body, maxItems, true);
        }

        @SuppressWarnings("unchecked") // builder() makes R's builder, so what it builds is an R
        private List<IngestItem> decode(byte[] body, int maxItems, boolean json) throws MalformedBodyException,
                BodyTooLargeException {
            R request;
            if (json) {
                Message.Builder builder = builder().get();
                mergeJson(body, builder, message);
                request = (R) builder.build();
            } else {
                try {
                    request = parser.parseFrom(body);
                } catch (InvalidProtocolBufferException e) {
                    throw malformed(message, "protobuf", e);
                }
            }
            Request result = new Request(maxItems);
            try {
                mapping.accept(request, result);
            } catch (TooMany e) {
                throw new BodyTooLargeException("the export request holds more than " + maxItems + " " + items
                        + "; at most " + maxItems + " are allowed per request (lower the exporter's batch size)");
            }
            return result;
        }
    }

    static final Signal<ExportLogsServiceRequest> LOGS = new Signal<>("ExportLogsServiceRequest",
            ExportLogsServiceRequest.parser(), ExportLogsServiceRequest::newBuilder, OtlpLogMapping::map,
            "log records");
    static final Signal<ExportMetricsServiceRequest> METRICS = new Signal<>("ExportMetricsServiceRequest",
            ExportMetricsServiceRequest.parser(), ExportMetricsServiceRequest::newBuilder, OtlpMetricMapping::map,
            "samples (a histogram data point is one per bucket, plus _count and _sum)");

    /**
     * OTLP JSON into a builder: parsed strictly (Jackson, the depth limit of the contract's mapper), hex IDs
     * rewritten, then {@link JsonFormat}. JsonFormat reports bad input as {@link InvalidProtocolBufferException};
     * the runtime exceptions caught with it are what its Gson reader throws for input it cannot read at all (a
     * number out of range), which is equally a body that is no export request.
     */
    private static void mergeJson(byte[] body, Message.Builder builder, String message)
            throws MalformedBodyException {
        JsonNode tree;
        try {
            tree = EXACT.readTree(body);
        } catch (JacksonException e) {
            throw new MalformedBodyException("the body is not OTLP JSON (an " + message + "): "
                    + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw new MalformedBodyException("the body is not OTLP JSON (an " + message + "): " + e.getMessage());
        }
        if (tree == null || !tree.isObject()) {
            throw new MalformedBodyException("the body is not OTLP JSON: an " + message + " is a JSON object");
        }
        hexIdsToBase64(tree);
        try {
            JSON.merge(EXACT.writeValueAsString(tree), builder);
        } catch (InvalidProtocolBufferException | RuntimeException e) {
            throw malformed(message, "JSON", e);
        } catch (JacksonException e) {
            throw new IllegalStateException("a tree Jackson read cannot fail to be written", e);
        }
    }

    /** Every {@code traceId}/{@code spanId} (either spelling) that is a string, hex to base64, depth first. */
    private static void hexIdsToBase64(JsonNode node) throws MalformedBodyException {
        if (node instanceof ObjectNode object) {
            Iterator<Map.Entry<String, JsonNode>> fields = object.fields();
            List<Map.Entry<String, JsonNode>> ids = new ArrayList<>();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                if (HEX_ID_FIELDS.contains(field.getKey()) && field.getValue().isTextual()) {
                    ids.add(field);
                } else {
                    hexIdsToBase64(field.getValue());
                }
            }
            for (Map.Entry<String, JsonNode> id : ids) {
                object.put(id.getKey(), Base64.getEncoder().encodeToString(hex(id.getKey(), id.getValue().asText())));
            }
        } else if (node.isArray()) {
            for (JsonNode element : node) {
                hexIdsToBase64(element);
            }
        }
    }

    private static byte[] hex(String field, String text) throws MalformedBodyException {
        try {
            return HexFormat.of().parseHex(text);
        } catch (IllegalArgumentException e) {
            throw new MalformedBodyException("the body is not OTLP JSON: " + field + " must be a hex string (OTLP "
                    + "JSON writes trace and span IDs in hex, not base64), got '" + Texts.clip(text) + "'");
        }
    }

    private static MalformedBodyException malformed(String message, String encoding, Exception e) {
        return new MalformedBodyException("the body is not a " + encoding + " OTLP " + message + ": "
                + Texts.clip(String.valueOf(e.getMessage())));
    }

    /** Short quotes of client input in answers. */
    static final class Texts {
        private Texts() {
        }

        static String clip(String text) {
            return text.length() > 200 ? text.substring(0, 200) + "..." : text;
        }
    }
}
