package io.killkrill.it.logworker;

import io.killkrill.it.support.DeadLetterToolProcess;
import io.killkrill.it.support.ElasticsearchExtension;
import io.killkrill.it.support.ElasticsearchService;
import io.killkrill.it.support.RedisExtension;
import io.killkrill.it.support.RedisService;
import io.killkrill.logworker.DeadLetterTool;
import io.killkrill.logworker.LogWorker;
import io.killkrill.model.DeadLetter;
import io.killkrill.model.DeadLetterReason;
import io.killkrill.model.LogEvent;
import io.killkrill.model.LogEventCodec;
import io.killkrill.model.Source;
import io.killkrill.model.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Real Elasticsearch refusing part of a bulk request: the daily index (the events' receipt day) is created
 * beforehand with {@code host} mapped as {@code long}, so the events whose host is a name hit a mapping conflict while their neighbours
 * (numeric host or none) are indexed. Then the dead letters are listed and replayed with the DeadLetterTool.
 */
@ExtendWith({RedisExtension.class, ElasticsearchExtension.class})
class PartialBulkFailureIT {
    private LogStreamFixture fixture;
    private final List<LogEvent> conflicting = new ArrayList<>();
    private final List<LogEvent> fine = new ArrayList<>();
    private final Set<String> handMade = new TreeSet<>();

    @BeforeEach
    void setUp(RedisService redis, ElasticsearchService elasticsearch) throws Exception {
        fixture = new LogStreamFixture(redis, elasticsearch, "lw-partial");
        List<LogEvent> events = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            boolean conflict = i % 4 == 0;
            LogEvent event = LogStreamFixture.event("{\"message\":\"m" + i + "\",\"service\":\"svc\","
                    + "\"timestamp\":\"2026-03-04T08:00:00Z\",\"host\":\"" + (conflict ? "abc" : String.valueOf(i))
                    + "\"}", Source.http("10.0.0.1:1"));
            (conflict ? conflicting : fine).add(event);
            events.add(event);
            handMade.add(fixture.indexOf(event.receivedAt()));
        }
        for (String index : handMade) {
            elasticsearch.client().indices().create(c -> c.index(index).withJson(new StringReader(
                    "{\"settings\":{\"number_of_replicas\":0},"
                            + "\"mappings\":{\"properties\":{\"host\":{\"type\":\"long\"}}}}")));
        }
        events.forEach(event -> fixture.write(LogEventCodec.toEntry(event)));
    }

    @AfterEach
    void tearDown() {
        fixture.cleanUp();
    }

    @Test
    void conflictingDocumentsAreDeadLetteredWithElasticsearchsReasonAndTheRestIndexed() {
        try (LogWorker worker = new LogWorker(fixture.config()).start()) {
            await("15 indexed, 5 dead-lettered, all acknowledged").atMost(Duration.ofSeconds(30))
                    .until(() -> fixture.documentCount() == 15 && fixture.deadLetterCount() == 5
                            && fixture.pending() == 0);
        }

        assertThat(fixture.documentIds()).isEqualTo(ids(fine));
        List<DeadLetter> letters = fixture.deadLetters();
        assertThat(letters).extracting(l -> l.original().get("event_id"))
                .containsExactlyInAnyOrderElementsOf(ids(conflicting));
        assertThat(letters).allSatisfy(letter -> {
            assertThat(letter.reason()).isEqualTo(DeadLetterReason.INDEX_REJECTED);
            assertThat(letter.stage()).isEqualTo(Stage.BULK_INDEX);
            assertThat(letter.details()).containsEntry("status", "400");
            assertThat(letter.details().get("index")).isIn(handMade);
            assertThat(letter.details().get("error_type")).endsWith("parsing_exception");
            assertThat(letter.details().get("error_reason")).contains("host");
            assertThat(letter.attempts()).isEqualTo(1);
        });
    }

    @Test
    void deadLettersAreListedAndReplayedOntoTheStreamOnceTheCauseIsFixed() throws Exception {
        try (LogWorker worker = new LogWorker(fixture.config()).start()) {
            await("5 dead letters and nothing pending").atMost(Duration.ofSeconds(30))
                    .until(() -> fixture.deadLetterCount() == 5 && fixture.pending() == 0);
        }
        ByteArrayOutputStream listing = new ByteArrayOutputStream();
        DeadLetterTool tool = new DeadLetterTool(fixture.jedis(), fixture.streams,
                new PrintStream(listing, true, StandardCharsets.UTF_8));

        assertThat(tool.run("list", "--reason", "index_rejected", "--count", "3")).isZero();
        assertThat(tool.run("list", "--reason", "invalid_json")).isZero();
        String output = listing.toString(StandardCharsets.UTF_8);
        assertThat(output).contains("3 dead letter(s) in " + fixture.streams.logsDlq() + " with reason index_rejected",
                "0 dead letter(s) in " + fixture.streams.logsDlq() + " with reason invalid_json", "reason=index_rejected",
                "stage=bulk_index");
        String firstId = fixture.jedis().xrange(fixture.streams.logsDlq(), "-", "+", 1).get(0).getID().toString();

        // the cause: the hand-made index; without it the template maps host as keyword
        for (String index : handMade) {
            fixture.elasticsearch.client().indices().delete(d -> d.index(index));
        }
        assertThat(tool.run("replay", firstId)).isZero();
        assertThat(fixture.deadLetterCount()).isEqualTo(4);
        assertThat(tool.run("replay", "--all", "--reason", "index_rejected")).isZero();
        assertThat(fixture.deadLetterCount()).isZero();
        assertThat(tool.run("replay", firstId)).as("a replayed dead letter is gone").isEqualTo(1);

        try (LogWorker worker = new LogWorker(fixture.config()).start()) {
            await("the 5 replayed events indexed, nothing pending").atMost(Duration.ofSeconds(30))
                    .until(() -> fixture.documentCount() == 5 && fixture.pending() == 0);
        }
        assertThat(fixture.documentIds()).isEqualTo(ids(conflicting));
        assertThat(fixture.deadLetterCount()).isZero();
    }

    @Test
    void theDeadLetterToolRunsFromTheShadedJar() throws Exception {
        try (LogWorker worker = new LogWorker(fixture.config()).start()) {
            await("5 dead letters and nothing pending").atMost(Duration.ofSeconds(30))
                    .until(() -> fixture.deadLetterCount() == 5 && fixture.pending() == 0);
        }
        DeadLetterToolProcess.Result tool = DeadLetterToolProcess.run(Map.of(
                "KILLKRILL_REDIS_URL", fixture.redis.uri().toString(), "KILLKRILL_LOGS_STREAM", fixture.streams.logs(),
                "KILLKRILL_LOGS_DLQ", fixture.streams.logsDlq()), "list", "--reason", "index_rejected");
        String output = tool.output();

        assertThat(tool.exitStatus()).as(output).isZero();
        assertThat(output).contains("5 dead letter(s) in " + fixture.streams.logsDlq() + " with reason index_rejected");
        assertThat(output.lines().filter(line -> line.contains("reason=index_rejected"))).hasSize(5);
    }

    private static Set<String> ids(List<LogEvent> events) {
        return events.stream().map(LogEvent::eventId).collect(Collectors.toSet());
    }
}
