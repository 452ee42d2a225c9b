package io.killkrill.it.logworker;

import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch._types.query_dsl.Query;
import co.elastic.clients.elasticsearch.core.search.Hit;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.killkrill.it.support.ElasticsearchExtension;
import io.killkrill.it.support.ElasticsearchService;
import io.killkrill.it.support.RedisExtension;
import io.killkrill.it.support.RedisService;
import io.killkrill.logworker.LogWorker;
import io.killkrill.model.EventIds;
import io.killkrill.model.IngestContext;
import io.killkrill.model.Json;
import io.killkrill.model.LogEvent;
import io.killkrill.model.LogEventCodec;
import io.killkrill.model.Source;
import io.killkrill.model.SyslogMetadata;
import io.killkrill.model.Validated;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The index template against real Elasticsearch, field by field, for a document the log-worker wrote from an event
 * that carries every field: each field people search or aggregate on finds the document by its value, each field
 * kept only in {@code _source} is there with its value and cannot be searched, and every field of the document is
 * one or the other (a new field must be classified here and in docs/log-worker.md's mapping table).
 */
@ExtendWith({RedisExtension.class, ElasticsearchExtension.class})
class IndexMappingIT {
    /** The searchable fields, each with a query that must find the document by its value. */
    private static final Map<String, Query> SEARCHABLE = Map.ofEntries(
            Map.entry("@timestamp", range("@timestamp", "2026-03-05T00:00:00Z", "2026-03-05T00:00:00Z")),
            Map.entry("message", Query.of(q -> q.matchPhrase(m -> m.field("message").query("payment accepted")))),
            Map.entry("service", term("service", "checkout")),
            Map.entry("level", term("level", "warn")),
            Map.entry("host", term("host", "web-1")),
            Map.entry("trace_id", term("trace_id", "4bf92f3577b34da6a3ce929d0e0e4736")),
            Map.entry("span_id", term("span_id", "00f067aa0ba902b7")),
            Map.entry("attributes.order", term("attributes.order", "o-42")),
            Map.entry("attributes.items", term("attributes.items", "3")),
            Map.entry("syslog.format", term("syslog.format", "rfc5424")),
            Map.entry("syslog.facility", term("syslog.facility", "16")),
            Map.entry("syslog.severity", term("syslog.severity", "4")),
            Map.entry("syslog.app_name", term("syslog.app_name", "checkout")),
            Map.entry("syslog.proc_id", term("syslog.proc_id", "4711")),
            Map.entry("syslog.msg_id", term("syslog.msg_id", "PAY")),
            Map.entry("source.type", term("source.type", "syslog")),
            Map.entry("received_at", Query.of(q -> q.range(r -> r.date(d -> d.field("received_at")
                    .gte("now-1h").lte("now+1h"))))));

    /** The fields kept in {@code _source} only: not indexed, no doc values. */
    private static final List<String> STORED_ONLY = List.of("event_id", "processed_at", "ingest_lag_ms",
            "environment", "version", "source.peer");

    private LogStreamFixture fixture;

    @BeforeEach
    void setUp(RedisService redis, ElasticsearchService elasticsearch) {
        fixture = new LogStreamFixture(redis, elasticsearch, "mapping");
    }

    @AfterEach
    void tearDown() {
        fixture.cleanUp();
    }

    @Test
    void everyFieldIsSearchableOrKeptInSourceAndNothingIsLeftUnclassified() throws Exception {
        LogEvent event = everyField();
        fixture.write(LogEventCodec.toEntry(event));
        try (LogWorker worker = new LogWorker(fixture.config()).start()) {
            await("the document indexed").atMost(Duration.ofSeconds(30)).until(() -> fixture.documentCount() == 1);
        }
        String index = fixture.indexOf(event.receivedAt());
        ObjectNode source = fixture.documents().get(0).source();

        List<String> fields = new ArrayList<>();
        leaves("", source, fields);
        TreeSet<String> classified = new TreeSet<>(SEARCHABLE.keySet());
        classified.addAll(STORED_ONLY);
        assertThat(new TreeSet<>(fields)).as("every field of the document is classified, and each is written")
                .isEqualTo(classified);

        for (Map.Entry<String, Query> field : SEARCHABLE.entrySet()) {
            List<Hit<ObjectNode>> hits = search(index, field.getValue());
            assertThat(hits).as("a query on %s finds the document", field.getKey()).hasSize(1);
        }
        HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                fixture.elasticsearch.uri().resolve("/" + index + "/_mapping")).build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode mapping = Json.MAPPER.readTree(answer.body()).path(index).path("mappings");
        for (String field : STORED_ONLY) {
            JsonNode value = at(source, field);
            assertThat(value.isMissingNode() || value.isNull()).as("%s kept in _source", field).isFalse();
            JsonNode fieldMapping = mappingOf(mapping, field);
            assertThat(fieldMapping.path("index").asBoolean(true)).as("%s not indexed", field).isFalse();
            assertThat(fieldMapping.path("doc_values").asBoolean(true)).as("%s without doc values", field).isFalse();
            assertThatThrownBy(() -> search(index, term(field, value.asText())))
                    .as("a query on %s is refused: it is kept, not searchable", field)
                    .isInstanceOfSatisfying(ElasticsearchException.class, e -> assertThat(e.error().rootCause())
                            .anySatisfy(cause -> assertThat(cause.reason()).contains("not indexed")));
        }
        assertThat(mappingOf(mapping, "message").has("fields")).as("no keyword copy of message").isFalse();
        assertThat(search(index, Query.of(q -> q.ids(i -> i.values(event.eventId())))))
                .as("the event ID is the _id: an ids query finds it").hasSize(1);
    }

    private static LogEvent everyField() throws IOException {
        SyslogMetadata syslog = new SyslogMetadata(SyslogMetadata.RFC5424, 16, 4, Optional.of("checkout"),
                Optional.of("4711"), Optional.of("PAY"));
        IngestContext context = new IngestContext(EventIds.next(), Instant.now(), Source.syslog("192.168.0.9:514"),
                Optional.of(syslog));
        Validated<LogEvent> validated = LogEventCodec.fromInput(Json.MAPPER.readTree("""
                {"message":"payment accepted","service":"checkout","level":"warning","host":"web-1",
                 "timestamp":"2026-03-05T00:00:00Z","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736",
                 "span_id":"00f067aa0ba902b7","attributes":{"order":"o-42","items":3}}"""), context);
        return ((Validated.Valid<LogEvent>) validated).value();
    }

    private List<Hit<ObjectNode>> search(String index, Query query) throws IOException {
        return fixture.elasticsearch.client().search(s -> s.index(index).query(query), ObjectNode.class).hits().hits();
    }

    private static Query term(String field, String value) {
        return Query.of(q -> q.term(t -> t.field(field).value(value)));
    }

    private static Query range(String field, String from, String to) {
        return Query.of(q -> q.range(r -> r.date(d -> d.field(field).gte(from).lte(to))));
    }

    private static void leaves(String prefix, JsonNode node, List<String> into) {
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (field.getValue().isObject()) {
                leaves(prefix + field.getKey() + ".", field.getValue(), into);
            } else {
                into.add(prefix + field.getKey());
            }
        }
    }

    private static JsonNode at(JsonNode node, String dotted) {
        for (String part : dotted.split("\\.")) {
            node = node.path(part);
        }
        return node;
    }

    private static JsonNode mappingOf(JsonNode mapping, String dotted) {
        JsonNode node = mapping;
        for (String part : dotted.split("\\.")) {
            node = node.path("properties").path(part);
        }
        return node;
    }
}
