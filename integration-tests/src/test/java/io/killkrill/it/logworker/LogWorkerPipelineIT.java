package io.killkrill.it.logworker;

import co.elastic.clients.elasticsearch.core.search.Hit;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.killkrill.it.support.ElasticsearchExtension;
import io.killkrill.it.support.ElasticsearchService;
import io.killkrill.it.support.RedisExtension;
import io.killkrill.it.support.RedisService;
import io.killkrill.logworker.LogWorker;
import io.killkrill.logworker.LogWorkerConfig;
import io.killkrill.model.DeadLetter;
import io.killkrill.model.DeadLetterReason;
import io.killkrill.model.LogEvent;
import io.killkrill.model.LogEventCodec;
import io.killkrill.model.Source;
import io.killkrill.model.Stage;
import io.killkrill.model.StreamEntry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.StreamEntryID;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The log-worker in-process against real Redis and Elasticsearch: indexing, enrichment, validation, no loss. */
@ExtendWith({RedisExtension.class, ElasticsearchExtension.class})
class LogWorkerPipelineIT {
    private LogStreamFixture fixture;

    @BeforeEach
    void setUp(RedisService redis, ElasticsearchService elasticsearch, TestInfo test) {
        fixture = new LogStreamFixture(redis, elasticsearch, "lw-" + test.getTestMethod().orElseThrow().getName()
                .toLowerCase().substring(0, 12));
    }

    @AfterEach
    void tearDown() {
        fixture.cleanUp();
    }

    @Test
    void receiverEntriesAreIndexedInTheirDailyIndexWithEveryEnrichmentField() throws Exception {
        LogEvent http = LogStreamFixture.event("""
                {"message":"payment accepted","service":"checkout","level":"WARNING","host":"web-1",
                 "timestamp":"2026-03-05T01:00:00.250+02:00","trace_id":"t-1","span_id":"s-1",
                 "attributes":{"order":"o-42","amount":12.5,"retry":false,"items":3}}""",
                Source.http("10.1.2.3:40000"));
        LogEvent syslog = LogStreamFixture.event("""
                {"message":"disk almost full","service":"kernel","level":"critical","timestamp":"2026-03-06T12:00:00Z"}""",
                Source.syslog("192.168.0.9:514"));
        StreamEntryID first = fixture.write(LogEventCodec.toEntry(http));
        fixture.write(LogEventCodec.toEntry(syslog));

        try (LogWorker worker = new LogWorker(fixture.config()).start()) {
            await("both documents indexed and acknowledged").atMost(Duration.ofSeconds(30))
                    .until(() -> fixture.documentCount() == 2 && fixture.pending() == 0);

            Map<String, Hit<ObjectNode>> byId = fixture.documents().stream()
                    .collect(Collectors.toMap(Hit::id, h -> h));
            Hit<ObjectNode> httpHit = byId.get(http.eventId());
            // the daily index is the receipt day (UTC), whatever the event time; @timestamp keeps the event time
            assertThat(httpHit.index()).isEqualTo(fixture.indexOf(http.receivedAt()));
            ObjectNode doc = httpHit.source();
            assertThat(doc.get("@timestamp").asText()).isEqualTo("2026-03-05T01:00:00.25+02:00");
            assertThat(doc.get("message").asText()).isEqualTo("payment accepted");
            assertThat(doc.get("service").asText()).isEqualTo("checkout");
            assertThat(doc.get("level").asText()).isEqualTo("warn");
            assertThat(doc.get("host").asText()).isEqualTo("web-1");
            assertThat(doc.get("trace_id").asText()).isEqualTo("t-1");
            assertThat(doc.get("span_id").asText()).isEqualTo("s-1");
            assertThat(doc.get("attributes").get("order").asText()).isEqualTo("o-42");
            assertThat(doc.get("attributes").get("amount").asDouble()).isEqualTo(12.5);
            assertThat(doc.get("event_id").asText()).isEqualTo(http.eventId());
            assertThat(doc.get("received_at").asText()).isEqualTo(http.receivedAt().toString());
            assertThat(doc.get("processed_at").asText()).isNotBlank();
            assertThat(doc.get("ingest_lag_ms").asLong()).isGreaterThanOrEqualTo(0);
            assertThat(doc.get("environment").asText()).isEqualTo("it");
            assertThat(doc.get("version").asText()).isEqualTo("0.1.0-SNAPSHOT");
            assertThat(doc.get("source").get("type").asText()).isEqualTo("http");
            assertThat(doc.get("source").get("peer").asText()).isEqualTo("10.1.2.3:40000");

            Hit<ObjectNode> syslogHit = byId.get(syslog.eventId());
            assertThat(syslogHit.index()).isEqualTo(fixture.indexOf(syslog.receivedAt()));
            assertThat(syslogHit.source().get("level").asText()).isEqualTo("critical");
            assertThat(syslogHit.source().get("source").get("type").asText()).isEqualTo("syslog");

            // the template made service a keyword and message text (no keyword copy: IndexMappingIT, field by field)
            var mapping = fixture.elasticsearch.client().indices()
                    .getMapping(m -> m.index(fixture.indexOf(http.receivedAt()))).result().values().iterator()
                    .next().mappings().properties();
            assertThat(mapping.get("service").isKeyword()).isTrue();
            assertThat(mapping.get("message").isText()).isTrue();
            assertThat(mapping.get("message").text().fields()).doesNotContainKey("keyword");
            assertThat(mapping.get("@timestamp").isDate()).isTrue();
            assertThat(mapping.get("attributes").isFlattened()).isTrue();
            var settings = fixture.elasticsearch.client().indices()
                    .getSettings(g -> g.index(fixture.indexOf(http.receivedAt()))).result().values().iterator().next()
                    .settings();
            assertThat(settings.index() != null ? settings.index().numberOfReplicas() : settings.numberOfReplicas())
                    .as("KILLKRILL_ELASTICSEARCH_REPLICAS=0 applied through the index template").isEqualTo("0");

            assertThat(fixture.deadLetterCount()).isZero();
            assertThat(fixture.jedis().xpending(fixture.streams.logs(), fixture.streams.logGroup()).getTotal())
                    .as("entry %s acknowledged", first).isZero();

            HttpClient http2 = HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + worker.adminPort();
            assertThat(get(http2, base + "/health/live").statusCode()).isEqualTo(200);
            assertThat(get(http2, base + "/health/ready").statusCode()).isEqualTo(200);
            HttpResponse<String> metrics = get(http2, base + "/metrics");
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.body()).contains("killkrill_log_worker_indexed_total 2.0",
                    "killkrill_log_worker_bulk_latency_seconds_count",
                    "killkrill_log_worker_stream_batch_size_entries_count",
                    "killkrill_log_worker_stream_pending_entries{", "killkrill_log_worker_stream_lag_entries{",
                    "killkrill_log_worker_stream_oldest_pending_age_seconds{",
                    "killkrill_log_worker_stream_max_deliveries_exceeded_total{",
                    "killkrill_log_worker_stream_dead_letters_trimmed_total{",
                    "killkrill_log_worker_retries_total");
        }
    }

    @Test
    void malformedEntriesAreDeadLetteredWithTheirMetadataAndValidNeighboursIndexed() {
        Map<String, Map<String, String>> malformed = new LinkedHashMap<>();
        malformed.put("invalid json", Map.of(StreamEntry.SCHEMA_VERSION, "1", StreamEntry.DATA, "{not json"));
        malformed.put("missing fields", Map.of(StreamEntry.SCHEMA_VERSION, "1", StreamEntry.DATA,
                "{\"message\":\"no service, no id\"}"));
        Map<String, String> wrongTypes = new HashMap<>(LogEventCodec.toEntry(LogStreamFixture.event(1)));
        wrongTypes.put(StreamEntry.DATA, wrongTypes.get(StreamEntry.DATA).replace("\"service\":\"checkout\"",
                "\"service\":42"));
        malformed.put("wrong types", wrongTypes);
        Map<String, String> wrongVersion = new HashMap<>(LogEventCodec.toEntry(LogStreamFixture.event(2)));
        wrongVersion.put(StreamEntry.SCHEMA_VERSION, "2");
        malformed.put("wrong schema version", wrongVersion);

        Map<String, String> entryIdToCase = new HashMap<>();
        LogEvent before = LogStreamFixture.event(10);
        fixture.write(LogEventCodec.toEntry(before));
        malformed.forEach((name, fields) -> entryIdToCase.put(fixture.write(fields).toString(), name));
        LogEvent after = LogStreamFixture.event(11);
        fixture.write(LogEventCodec.toEntry(after));

        try (LogWorker worker = new LogWorker(fixture.config()).start()) {
            await("valid neighbours indexed, malformed dead-lettered, all acknowledged")
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> fixture.documentCount() == 2 && fixture.deadLetterCount() == 4
                            && fixture.pending() == 0);
        }

        assertThat(fixture.documentIds()).containsExactlyInAnyOrder(before.eventId(), after.eventId());
        Map<String, DeadLetter> byCase = fixture.deadLetters().stream()
                .collect(Collectors.toMap(l -> entryIdToCase.get(l.entryId().orElseThrow()), l -> l));
        assertThat(byCase).containsOnlyKeys(malformed.keySet());
        assertThat(byCase.get("invalid json").reason()).isEqualTo(DeadLetterReason.INVALID_JSON);
        assertThat(byCase.get("missing fields").reason()).isEqualTo(DeadLetterReason.INVALID_EVENT);
        assertThat(byCase.get("missing fields").message()).contains("service", "event_id");
        assertThat(byCase.get("wrong types").reason()).isEqualTo(DeadLetterReason.INVALID_EVENT);
        assertThat(byCase.get("wrong types").message()).contains("service");
        assertThat(byCase.get("wrong schema version").reason()).isEqualTo(DeadLetterReason.UNSUPPORTED_SCHEMA_VERSION);
        byCase.forEach((name, letter) -> {
            assertThat(letter.stage()).as(name).isEqualTo(Stage.VALIDATE);
            assertThat(letter.stream()).as(name).contains(fixture.streams.logs());
            assertThat(letter.service()).as(name).isEqualTo("log-worker");
            assertThat(letter.original()).as(name).isEqualTo(malformed.get(name));
        });
    }

    /**
     * No loss, no duplicates: 1000 events sent = 1000 documents (count) with 1000 distinct _ids equal to the
     * sent event IDs, 0 dead letters, 0 pending; sent = indexed + dead-lettered holds exactly.
     */
    @Test
    void thousandEventsGiveExactlyThousandDocuments() {
        List<LogEvent> sent = fixture.writeEvents(1000);

        try (LogWorker worker = new LogWorker(fixture.config()).start()) {
            await("1000 documents indexed and nothing pending").atMost(Duration.ofSeconds(60))
                    .until(() -> fixture.documentCount() == 1000 && fixture.pending() == 0);
            await("the retention trimmer removed the acknowledged entries").atMost(Duration.ofSeconds(30))
                    .until(() -> fixture.jedis().xlen(fixture.streams.logs()) == 0);
        }

        Set<String> sentIds = sent.stream().map(LogEvent::eventId).collect(Collectors.toSet());
        assertThat(fixture.documentCount()).isEqualTo(1000);
        assertThat(fixture.documentIds()).hasSize(1000).isEqualTo(sentIds);
        assertThat(fixture.deadLetterCount()).isZero();
        assertThat(fixture.pending()).isZero();
    }

    @Test
    void twoWorkersInOneGroupSplitTheWork() {
        LogWorkerConfig base = fixture.config().withBatch(20, Duration.ofMillis(100));
        try (LogWorker one = new LogWorker(base.withConsumer("it-worker-one", 1)).start();
             LogWorker two = new LogWorker(base.withConsumer("it-worker-two", 1)).start()) {
            await("both workers joined the group").atMost(Duration.ofSeconds(30))
                    .until(() -> one.consumerNames().size() == 1 && two.consumerNames().size() == 1
                            && fixture.jedis().exists(fixture.streams.logs())
                            && fixture.jedis().xinfoConsumers(fixture.streams.logs(), fixture.streams.logGroup())
                            .size() == 2);
            List<LogEvent> sent = fixture.writeEvents(2000);

            await("2000 documents indexed and nothing pending").atMost(Duration.ofSeconds(60))
                    .until(() -> fixture.documentCount() == 2000 && fixture.pending() == 0);

            double byOne = one.registry().get("killkrill.log_worker.indexed").counter().count();
            double byTwo = two.registry().get("killkrill.log_worker.indexed").counter().count();
            assertThat(byOne).as("worker one indexed some").isPositive();
            assertThat(byTwo).as("worker two indexed some").isPositive();
            assertThat(byOne + byTwo).isEqualTo(2000);
            assertThat(fixture.documentIds()).isEqualTo(sent.stream().map(LogEvent::eventId)
                    .collect(Collectors.toSet()));
            assertThat(fixture.deadLetterCount()).isZero();
        }
    }

    private static HttpResponse<String> get(HttpClient client, String url) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }
}
