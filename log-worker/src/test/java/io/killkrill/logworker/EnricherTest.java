package io.killkrill.logworker;

import com.fasterxml.jackson.databind.JsonNode;
import io.killkrill.model.IngestContext;
import io.killkrill.model.Json;
import io.killkrill.model.LogEvent;
import io.killkrill.model.LogEventCodec;
import io.killkrill.model.Source;
import io.killkrill.model.Validated;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class EnricherTest {
    private static final Instant RECEIVED = Instant.parse("2026-03-04T23:00:00.100Z");
    private final Enricher enricher = new Enricher("logs", "prod", "1.2.3",
            Clock.fixed(Instant.parse("2026-03-04T23:00:00.350Z"), ZoneOffset.UTC));

    private static LogEvent event(String json) throws Exception {
        IngestContext context = new IngestContext(idMadeAt(RECEIVED), RECEIVED,
                Source.http("10.0.0.1:5000"), Optional.empty());
        return ((Validated.Valid<LogEvent>) LogEventCodec.fromInput(Json.MAPPER.readTree(json), context)).value();
    }

    /** A UUIDv7 whose time is {@code at}, as the receiver makes one when it receives an event. */
    static String idMadeAt(Instant at) {
        long millis = at.toEpochMilli();
        return String.format("%08x-%04x-7000-8000-000000000001", millis >>> 16, millis & 0xffff);
    }

    /**
     * Regression (issue 12, item 4): the index came from each event's own date, so events dated on 1,000 days
     * made 1,000 indices. Any event time, past or future, lands in the receipt day's index.
     */
    @Test
    void theDailyIndexIsTheReceiptDayInUtcWhateverTheEventTime() throws Exception {
        for (String timestamp : new String[] {"2026-03-05T01:00:00+02:00", "1999-12-31T23:59:59Z",
                "2091-07-01T12:00:00Z", "2026-03-05T00:30:00Z"}) {
            LogEvent event = event("{\"message\":\"m\",\"service\":\"s\",\"timestamp\":\"" + timestamp + "\"}");
            assertThat(enricher.indexFor(event)).as(timestamp).isEqualTo("logs-2026.03.04");
            assertThat(Json.MAPPER.readTree(enricher.document(event)).get("@timestamp").asText())
                    .as("@timestamp stays the event time").isEqualTo(timestamp);
        }
    }

    /**
     * Issue 13: an event a client sent with its own ID goes to the index of the ID's day, whenever it is received,
     * so a copy resent after midnight meets the first one's {@code _id} instead of making a second document.
     */
    @Test
    void anEventWithTheClientsOwnIdGoesToTheIndexOfTheIdsDay() throws Exception {
        String id = idMadeAt(Instant.parse("2026-03-04T22:59:00Z"));
        LogEvent first = event("{\"message\":\"m\",\"service\":\"s\",\"event_id\":\"" + id + "\"}");
        IngestContext nextDay = new IngestContext(idMadeAt(Instant.parse("2026-03-05T00:10:00Z")),
                Instant.parse("2026-03-05T00:10:00Z"), Source.http("10.0.0.1:5000"), Optional.empty());
        LogEvent resent = ((Validated.Valid<LogEvent>) LogEventCodec.fromInput(Json.MAPPER.readTree(
                "{\"message\":\"m\",\"service\":\"s\",\"event_id\":\"" + id + "\"}"), nextDay)).value();

        assertThat(resent.eventId()).isEqualTo(first.eventId());
        assertThat(enricher.indexFor(resent)).isEqualTo(enricher.indexFor(first)).isEqualTo("logs-2026.03.04");
    }

    @Test
    void theDocumentCarriesTheEventAndTheEnrichment() throws Exception {
        JsonNode doc = Json.MAPPER.readTree(enricher.document(event("""
                {"message":"m","service":"s","level":"Warning","host":"h","attributes":{"k":1},
                 "timestamp":"2026-03-04T22:59:59Z"}""")));
        assertThat(doc.get("@timestamp").asText()).isEqualTo("2026-03-04T22:59:59Z");
        assertThat(doc.get("level").asText()).isEqualTo("warn");
        assertThat(doc.get("attributes").get("k").asLong()).isEqualTo(1);
        assertThat(doc.get("event_id").asText()).isEqualTo(idMadeAt(RECEIVED));
        assertThat(doc.get("received_at").asText()).isEqualTo("2026-03-04T23:00:00.100Z");
        assertThat(doc.get("processed_at").asText()).isEqualTo("2026-03-04T23:00:00.350Z");
        assertThat(doc.get("ingest_lag_ms").asLong()).isEqualTo(250);
        assertThat(doc.get("environment").asText()).isEqualTo("prod");
        assertThat(doc.get("version").asText()).isEqualTo("1.2.3");
        assertThat(doc.get("source").get("type").asText()).isEqualTo("http");
        assertThat(doc.get("source").get("peer").asText()).isEqualTo("10.0.0.1:5000");
    }
}
