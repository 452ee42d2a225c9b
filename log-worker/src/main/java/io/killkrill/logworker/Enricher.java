package io.killkrill.logworker;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import io.killkrill.model.EventIds;
import io.killkrill.model.Json;
import io.killkrill.model.LogEvent;
import io.killkrill.model.SyslogMetadata;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.Optional;

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

    /**
     * {@code <prefix>-YYYY.MM.DD} of the day, in UTC, of the event ID's UUIDv7 time: the moment the receivers
     * received the event, or for a client's own {@code event_id} the moment the client made it (the contract
     * bounds it to a week before receipt). Not the event's own time, which a client sets to any day (a thousand
     * distinct dates would make a thousand indices, until the node's shard limit refuses everyone's documents):
     * the event time stays in {@code @timestamp}, the way data streams route by arrival. The ID rather than
     * processing time: every delivery and every replay of an entry, and every copy of an event a client sent
     * twice with its own ID, goes to the same index, where the {@code _id} makes it a 409, not a copy.
     */
    public String indexFor(LogEvent event) {
        return indexPrefix + "-" + DAY.format(Instant.ofEpochMilli(EventIds.epochMillis(event.eventId())));
    }

    /**
     * The document as JSON bytes, written straight from the event (no intermediate tree: this is the worker's
     * hottest step per event).
     */
    public byte[] document(LogEvent event) {
        Instant processedAt = clock.instant();
        ByteArrayBuilder bytes = new ByteArrayBuilder(512);
        try (JsonGenerator json = Json.MAPPER.getFactory().createGenerator(bytes)) {
            json.writeStartObject();
            json.writeStringField("@timestamp", DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(event.timestamp()));
            json.writeStringField("message", event.message());
            json.writeStringField("service", event.service());
            json.writeStringField("level", event.level().wireName());
            if (event.host().isPresent()) {
                json.writeStringField("host", event.host().get());
            }
            if (event.traceId().isPresent()) {
                json.writeStringField("trace_id", event.traceId().get());
            }
            if (event.spanId().isPresent()) {
                json.writeStringField("span_id", event.spanId().get());
            }
            if (!event.attributes().isEmpty()) {
                json.writeObjectFieldStart("attributes");
                for (Map.Entry<String, Object> attribute : event.attributes().entrySet()) {
                    json.writeFieldName(attribute.getKey());
                    Object value = attribute.getValue();
                    if (value instanceof Boolean b) {
                        json.writeBoolean(b);
                    } else if (value instanceof Long l) {
                        json.writeNumber(l);
                    } else if (value instanceof Double d) {
                        json.writeNumber(d);
                    } else {
                        json.writeString(String.valueOf(value));
                    }
                }
                json.writeEndObject();
            }
            if (event.syslog().isPresent()) {
                SyslogMetadata syslog = event.syslog().get();
                json.writeObjectFieldStart("syslog");
                json.writeStringField("format", syslog.format());
                json.writeNumberField("facility", syslog.facility());
                json.writeNumberField("severity", syslog.severity());
                writeIfPresent(json, "app_name", syslog.appName());
                writeIfPresent(json, "proc_id", syslog.procId());
                writeIfPresent(json, "msg_id", syslog.msgId());
                json.writeEndObject();
            }
            json.writeStringField("event_id", event.eventId());
            json.writeStringField("received_at", DateTimeFormatter.ISO_INSTANT.format(event.receivedAt()));
            json.writeStringField("processed_at", DateTimeFormatter.ISO_INSTANT.format(processedAt));
            json.writeNumberField("ingest_lag_ms", processedAt.toEpochMilli() - event.receivedAt().toEpochMilli());
            json.writeObjectFieldStart("source");
            json.writeStringField("type", event.source().kind().wireName());
            writeIfPresent(json, "peer", event.source().peer());
            json.writeEndObject();
            json.writeStringField("environment", environment);
            json.writeStringField("version", version);
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory failed", e);
        }
        return bytes.toByteArray();
    }

    private static void writeIfPresent(JsonGenerator json, String name, Optional<String> value) throws IOException {
        if (value.isPresent()) {
            json.writeStringField(name, value.get());
        }
    }
}
