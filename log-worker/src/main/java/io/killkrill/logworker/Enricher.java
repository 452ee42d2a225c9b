package io.killkrill.logworker;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.killkrill.model.LogEvent;
import io.killkrill.model.Json;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;

/**
 * Turns a validated log event into its Elasticsearch document: the event's fields ({@code @timestamp} is the
 * event time) plus what the worker adds: {@code processed_at}, {@code environment}, {@code version},
 * {@code ingest_lag_ms} (processing time minus receive time), and the receiver's {@code received_at},
 * {@code source} and {@code event_id}.
 */
public final class Enricher {
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy.MM.dd").withZone(ZoneOffset.UTC);

    private final String indexPrefix;
    private final String environment;
    private final String version;
    private final Clock clock;

    public Enricher(String indexPrefix, String environment, String version, Clock clock) {
        this.indexPrefix = indexPrefix;
        this.environment = environment;
        this.version = version;
        this.clock = clock;
    }

    /** {@code <prefix>-YYYY.MM.DD} of the event time in UTC. */
    public String indexFor(LogEvent event) {
        return indexPrefix + "-" + DAY.format(event.timestamp().toInstant());
    }

    public ObjectNode document(LogEvent event) {
        Instant processedAt = clock.instant();
        ObjectNode doc = Json.MAPPER.createObjectNode();
        doc.put("@timestamp", DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(event.timestamp()));
        doc.put("message", event.message());
        doc.put("service", event.service());
        doc.put("level", event.level().wireName());
        event.host().ifPresent(host -> doc.put("host", host));
        event.traceId().ifPresent(id -> doc.put("trace_id", id));
        event.spanId().ifPresent(id -> doc.put("span_id", id));
        if (!event.attributes().isEmpty()) {
            ObjectNode attributes = doc.putObject("attributes");
            for (Map.Entry<String, Object> attribute : event.attributes().entrySet()) {
                Object value = attribute.getValue();
                if (value instanceof Boolean b) {
                    attributes.put(attribute.getKey(), b);
                } else if (value instanceof Long l) {
                    attributes.put(attribute.getKey(), l);
                } else if (value instanceof Double d) {
                    attributes.put(attribute.getKey(), d);
                } else {
                    attributes.put(attribute.getKey(), String.valueOf(value));
                }
            }
        }
        event.syslog().ifPresent(syslog -> {
            ObjectNode sys = doc.putObject("syslog");
            sys.put("format", syslog.format());
            sys.put("facility", syslog.facility());
            sys.put("severity", syslog.severity());
            syslog.appName().ifPresent(v -> sys.put("app_name", v));
            syslog.procId().ifPresent(v -> sys.put("proc_id", v));
            syslog.msgId().ifPresent(v -> sys.put("msg_id", v));
        });
        doc.put("event_id", event.eventId());
        doc.put("received_at", DateTimeFormatter.ISO_INSTANT.format(event.receivedAt()));
        doc.put("processed_at", DateTimeFormatter.ISO_INSTANT.format(processedAt));
        doc.put("ingest_lag_ms", processedAt.toEpochMilli() - event.receivedAt().toEpochMilli());
        ObjectNode source = doc.putObject("source");
        source.put("type", event.source().kind().wireName());
        event.source().peer().ifPresent(peer -> source.put("peer", peer));
        doc.put("environment", environment);
        doc.put("version", version);
        return doc;
    }
}
