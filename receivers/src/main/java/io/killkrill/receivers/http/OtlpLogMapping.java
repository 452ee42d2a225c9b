package io.killkrill.receivers.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.killkrill.model.Json;
import io.killkrill.model.Level;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;

import java.util.List;
import java.util.stream.Collectors;

/**
 * One OTLP {@code LogRecord} as one log event in the contract's input shape (then validated by
 * {@code LogEventCodec}, so whatever it refuses is that record's rejection). docs/receivers.md has the table:
 * <ul>
 *   <li>{@code service}: the resource's {@code service.name}, characters outside {@code A-Z a-z 0-9 . _ -} as
 *   {@code _} (the SDKs' default {@code unknown_service:node} becomes {@code unknown_service_node}); absent:
 *   {@code unknown_service}, OTel's own default.</li>
 *   <li>{@code level}: from {@code severity_number} by OTel's ranges ({@link #level}); unset (0): the
 *   {@code severity_text} when it is a contract level, else {@code info}.</li>
 *   <li>{@code timestamp}: {@code time_unix_nano}, or {@code observed_time_unix_nano} when that is 0; both 0:
 *   the receipt time.</li>
 *   <li>{@code message}: a string body as itself; any other body as its JSON text.</li>
 *   <li>{@code trace_id}, {@code span_id}: lower-case hex; absent when empty.</li>
 *   <li>{@code attributes}: resource attributes as {@code resource.<key>} (but {@code service.name}), the scope
 *   as {@code scope.name}, {@code scope.version}, {@code scope.<key>}, the record's {@code event_name} as
 *   {@code event.name}, the record's own as {@code <key>}, in that order, so on a collision the record's own wins; see {@link OtlpValues#flatten}.</li>
 * </ul>
 */
final class OtlpLogMapping {
    static final String SERVICE_NAME = "service.name";
    static final String UNKNOWN_SERVICE = "unknown_service";
    /** The attribute a record's {@code event_name} is written as (before the record's own attributes). */
    static final String EVENT_NAME = "event.name";

    private OtlpLogMapping() {
    }

    static void map(ExportLogsServiceRequest request, OtlpDecoder.Request items) {
        for (ResourceLogs resource : request.getResourceLogsList()) {
            List<KeyValue> resourceAttributes = resource.getResource().getAttributesList().stream()
                    .filter(kv -> !kv.getKey().equals(SERVICE_NAME)).collect(Collectors.toList());
            String service = service(resource.getResource().getAttributesList());
            for (ScopeLogs scope : resource.getScopeLogsList()) {
                ObjectNode shared = Json.MAPPER.createObjectNode();
                OtlpValues.flatten("resource.", resourceAttributes, shared);
                scopeAttributes(scope.getScope(), shared);
                for (LogRecord record : scope.getLogRecordsList()) {
                    items.nextOrigin();
                    items.add(new IngestItem.Parsed(event(service, shared, record)));
                }
            }
        }
    }

    static ObjectNode event(String service, ObjectNode sharedAttributes, LogRecord record) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("service", service);
        node.put("level", level(record.getSeverityNumberValue(), record.getSeverityText()).wireName());
        long time = record.getTimeUnixNano() != 0 ? record.getTimeUnixNano() : record.getObservedTimeUnixNano();
        OtlpValues.timestamp(time).ifPresent(t -> node.put("timestamp", t));
        node.put("message", message(record.getBody()));
        OtlpValues.hexId(record.getTraceId()).ifPresent(id -> node.put("trace_id", id));
        OtlpValues.hexId(record.getSpanId()).ifPresent(id -> node.put("span_id", id));
        ObjectNode attributes = sharedAttributes.deepCopy();
        if (!record.getEventName().isEmpty()) {
            attributes.put(EVENT_NAME, record.getEventName());
        }
        OtlpValues.flatten("", record.getAttributesList(), attributes);
        if (!attributes.isEmpty()) {
            node.set("attributes", attributes);
        }
        return node;
    }

    private static void scopeAttributes(InstrumentationScope scope, ObjectNode out) {
        if (!scope.getName().isEmpty()) {
            out.put("scope.name", scope.getName());
        }
        if (!scope.getVersion().isEmpty()) {
            out.put("scope.version", scope.getVersion());
        }
        OtlpValues.flatten("scope.", scope.getAttributesList(), out);
    }

    /** The resource's {@code service.name} as a contract service name. */
    static String service(List<KeyValue> resourceAttributes) {
        String name = resourceAttributes.stream().filter(kv -> kv.getKey().equals(SERVICE_NAME))
                .reduce((first, second) -> second)
                .flatMap(kv -> OtlpValues.text(kv.getValue())).orElse("");
        if (name.isEmpty()) {
            return UNKNOWN_SERVICE;
        }
        StringBuilder service = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean allowed = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || c == '.' || c == '_' || c == '-';
            service.append(allowed ? c : '_');
        }
        return service.toString();
    }

    /**
     * OTel's {@code SeverityNumber} ranges (logs data model): 1-4 TRACE, 5-8 DEBUG, 9-12 INFO, 13-16 WARN,
     * 17-20 ERROR, 21-24 FATAL. Unspecified (0) or outside 1-24: the severity text when the contract knows it
     * as a level (any case, {@code warning} as {@code warn}), else {@code info}.
     */
    static Level level(int severityNumber, String severityText) {
        if (severityNumber >= 1 && severityNumber <= 24) {
            return switch ((severityNumber - 1) / 4) {
                case 0 -> Level.TRACE;
                case 1 -> Level.DEBUG;
                case 2 -> Level.INFO;
                case 3 -> Level.WARN;
                case 4 -> Level.ERROR;
                default -> Level.FATAL;
            };
        }
        return Level.parse(severityText).orElse(Level.INFO);
    }

    /** A string body as itself; any other as its JSON text; an absent body as empty (refused: no message). */
    static String message(AnyValue body) {
        return OtlpValues.text(body).orElse("");
    }
}
