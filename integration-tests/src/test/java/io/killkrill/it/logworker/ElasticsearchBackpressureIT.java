package io.killkrill.it.logworker;

import io.killkrill.it.support.ElasticsearchExtension;
import io.killkrill.it.support.ElasticsearchService;
import io.killkrill.it.support.RedisExtension;
import io.killkrill.it.support.RedisService;
import io.killkrill.logworker.LogWorker;
import io.killkrill.model.DeadLetter;
import io.killkrill.model.DeadLetterReason;
import io.killkrill.model.LogEvent;
import io.killkrill.model.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Regression (issue 12, item 3): Elasticsearch pushing back with a real index block on the test's own target
 * index (the flood-stage disk watermark puts {@code index.blocks.read_only_allow_delete} on every index: 429
 * {@code cluster_block_exception} per item; {@code index.blocks.read_only}: 403) was treated like bad
 * documents and dead-lettered after KILLKRILL_ES_MAX_ATTEMPTS (~12 s). Now the entries stay pending, retried
 * with backoff, until the block is lifted or the retry deadline passes.
 */
@ExtendWith({RedisExtension.class, ElasticsearchExtension.class})
class ElasticsearchBackpressureIT {
    private LogStreamFixture fixture;
    private final Set<String> blockedIndices = new TreeSet<>();

    @BeforeEach
    void setUp(RedisService redis, ElasticsearchService elasticsearch) {
        fixture = new LogStreamFixture(redis, elasticsearch, "lw-backpressure");
    }

    @AfterEach
    void tearDown() throws Exception {
        for (String index : blockedIndices) {
            setBlock(index, "read_only_allow_delete", null);
            setBlock(index, "read_only", null);
        }
        fixture.cleanUp();
    }

    /**
     * Proof: while the block holds, the worker sent the 50 documents again at least 10 times each (more than the
     * old 4-attempt budget of these tests' config) and nothing was indexed or dead-lettered, all 50 entries
     * pending; once lifted, sent = indexed + dead-lettered with 50 = 50 + 0, the _ids equal the sent event IDs
     * (count 50 = 50 distinct _ids: no duplicate), nothing pending.
     */
    @Test
    void aFloodStageBlockKeepsTheEntriesPendingUntilItIsLiftedThenAllAreIndexedOnce() throws Exception {
        heldUntilLifted("read_only_allow_delete", 429);
    }

    /** The same with a read-only index block, which Elasticsearch answers 403 cluster_block_exception. */
    @Test
    void aReadOnlyIndexBlockIsBackpressureToo() throws Exception {
        heldUntilLifted("read_only", 403);
    }

    /**
     * Past KILLKRILL_ELASTICSEARCH_RETRY_DEADLINE (1 s here) the pushed-back documents are given up. Proof: sent =
     * indexed + dead-lettered with 10 = 0 + 10, every dead letter max_retries_exceeded at bulk_index with
     * Elasticsearch's 429 and cluster_block_exception, after more than one attempt; nothing pending.
     */
    @Test
    void pastTheRetryDeadlineThePushedBackDocumentsAreDeadLetteredMaxRetriesExceeded() throws Exception {
        List<LogEvent> sent = blockedEvents(10, "read_only_allow_delete");

        try (LogWorker worker = new LogWorker(fixture.config().withRetries(Duration.ofSeconds(5),
                Duration.ofSeconds(1), Duration.ofMillis(50), Duration.ofMillis(200))).start()) {
            await("10 dead letters and nothing pending").atMost(Duration.ofSeconds(30))
                    .until(() -> fixture.deadLetterCount() == 10 && fixture.pending() == 0);
        }

        assertThat(fixture.documentCount()).isZero();
        List<DeadLetter> letters = fixture.deadLetters();
        assertThat(letters).extracting(l -> l.original().get("event_id"))
                .containsExactlyInAnyOrderElementsOf(sent.stream().map(LogEvent::eventId).toList());
        assertThat(letters).allSatisfy(letter -> {
            assertThat(letter.reason()).isEqualTo(DeadLetterReason.MAX_RETRIES_EXCEEDED);
            assertThat(letter.stage()).isEqualTo(Stage.BULK_INDEX);
            assertThat(letter.details()).containsEntry("status", "429")
                    .containsEntry("error_type", "cluster_block_exception");
            assertThat(letter.attempts()).isGreaterThan(1);
        });
    }

    private void heldUntilLifted(String block, int expectedStatus) throws Exception {
        List<LogEvent> sent = blockedEvents(50, block);
        String probeIndex = blockedIndices.iterator().next();
        HttpResponse<String> probe = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        fixture.elasticsearch.uri().resolve("/" + probeIndex + "/_doc/probe"))
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"message\":\"probe\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(probe.statusCode()).as("Elasticsearch itself answers a write to the blocked index: %s",
                probe.body()).isEqualTo(expectedStatus);
        assertThat(probe.body()).contains("\"type\":\"cluster_block_exception\"");

        try (LogWorker worker = new LogWorker(fixture.config()).start()) {
            // its bulk indexer, which registers the retry counter, exists from here: before, get() threw
            await("the worker installed its template and joined the group").atMost(Duration.ofSeconds(30))
                    .until(() -> !worker.consumerNames().isEmpty());
            await("the blocked documents were sent again at least 10 times each").atMost(Duration.ofSeconds(30))
                    .until(() -> itemRetries(worker) >= 10 * 50);
            assertThat(fixture.deadLetterCount()).as("a block dead-letters nothing").isZero();
            assertThat(fixture.documentCount()).as("nothing indexed while blocked").isZero();
            assertThat(fixture.pending()).as("all entries held pending").isEqualTo(50);

            for (String index : blockedIndices) {
                setBlock(index, block, null);
            }
            await("all 50 indexed once the block is lifted, nothing pending").atMost(Duration.ofSeconds(30))
                    .until(() -> fixture.documentCount() == 50 && fixture.pending() == 0);
        }

        assertThat(fixture.documentIds()).hasSize(50)
                .isEqualTo(sent.stream().map(LogEvent::eventId).collect(Collectors.toSet()));
        assertThat(fixture.documentCount()).as("no duplicate").isEqualTo(50);
        assertThat(fixture.deadLetterCount()).isZero();
    }

    /** {@code count} events in the stream, their receipt day's index created with {@code block} set. */
    private List<LogEvent> blockedEvents(int count, String block) throws Exception {
        List<LogEvent> sent = fixture.writeEvents(count);
        sent.forEach(event -> blockedIndices.add(fixture.indexOf(event.receivedAt())));
        for (String index : blockedIndices) {
            fixture.elasticsearch.client().indices().create(c -> c.index(index).withJson(new StringReader(
                    "{\"settings\":{\"number_of_replicas\":0}}")));
            setBlock(index, block, true);
        }
        return sent;
    }

    private void setBlock(String index, String block, Boolean value) {
        try {
            fixture.elasticsearch.client().indices().putSettings(p -> p.index(index).withJson(new StringReader(
                    "{\"index.blocks." + block + "\":" + (value == null ? "null" : value) + "}")));
        } catch (Exception e) {
            if (value != null) {
                throw new IllegalStateException("cannot set index.blocks." + block + " on " + index, e);
            }
        }
    }

    private static double itemRetries(LogWorker worker) {
        return worker.registry().get("killkrill.log_worker.retries").tag("scope", "item").counter().count();
    }
}
