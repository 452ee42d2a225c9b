package io.killkrill.logworker;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import io.killkrill.model.EventIds;
import io.killkrill.model.Json;
import io.killkrill.model.LogEvent;
import io.killkrill.model.LogEventCodec;
import io.killkrill.model.Rfc3339;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

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
     * hottest step per event): the event's fields by the contract's one writer ({@link LogEventCodec#writeFields}),
     * the event time as {@code @timestamp}, then the worker's own.
     */
    public byte[] document(LogEvent event) {
        Instant processedAt = clock.instant();
        ByteArrayBuilder bytes = new ByteArrayBuilder(512);
        try (JsonGenerator json = Json.MAPPER.getFactory().createGenerator(bytes)) {
            json.writeStartObject();
            LogEventCodec.writeFields(event, "@timestamp", json);
            json.writeStringField("processed_at", Rfc3339.format(processedAt));
            json.writeNumberField("ingest_lag_ms", processedAt.toEpochMilli() - event.receivedAt().toEpochMilli());
            json.writeStringField("environment", environment);
            json.writeStringField("version", version);
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory failed", e);
        }
        return bytes.toByteArray();
    }
}
