package io.killkrill.logworker.elasticsearch;

import co.elastic.clients.elasticsearch.core.BulkResponse;
import co.elastic.clients.elasticsearch.core.bulk.BulkResponseItem;
import co.elastic.clients.elasticsearch.core.bulk.OperationType;
import io.killkrill.model.DeadLetterReason;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/** Per-item outcomes and both retry levels, against scripted bulk responses (no network). */
class BulkIndexerTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final Backoff fast = new Backoff(Duration.ofMillis(1), Duration.ofMillis(5), 0.25);

    /** Each scripted step answers one bulk request: per document id, the item status (and error type). */
    private static final class ScriptedTransport implements BulkTransport {
        final Deque<Function<List<IndexDocument>, Object>> steps = new ArrayDeque<>();
        final List<List<String>> requests = new ArrayList<>();

        @Override
        public BulkResponse send(List<IndexDocument> operations) throws IOException {
            requests.add(operations.stream().map(IndexDocument::id).toList());
            Object answer = steps.isEmpty() ? statuses(Map.of()).apply(operations) : steps.poll().apply(operations);
            if (answer instanceof IOException e) {
                throw e;
            }
            return (BulkResponse) answer;
        }
    }

    /** Answers each operation with the status mapped for its id (201 when absent). */
    private static Function<List<IndexDocument>, Object> statuses(Map<String, Integer> byId) {
        return operations -> BulkResponse.of(b -> b.took(1).errors(!byId.isEmpty()).items(operations.stream()
                .map(op -> item(op.id(), byId.getOrDefault(op.id(), 201))).toList()));
    }

    private static BulkResponseItem item(String id, int status) {
        return BulkResponseItem.of(i -> {
            i.operationType(OperationType.Create).index("logs-2026.03.04").id(id).status(status);
            if (status >= 300) {
                String type = switch (status) {
                    case 409 -> "version_conflict_engine_exception";
                    case 429 -> "es_rejected_execution_exception";
                    case 400 -> "document_parsing_exception";
                    default -> "unavailable_shards_exception";
                };
                i.error(e -> e.type(type).reason("scripted " + status));
            }
            return i;
        });
    }

    private static List<IndexDocument> documents(String... ids) {
        List<IndexDocument> documents = new ArrayList<>();
        for (String id : ids) {
            documents.add(new IndexDocument("entry-" + id, "logs-2026.03.04", id, ("{\"message\":\"" + id + "\"}")
                    .getBytes(StandardCharsets.UTF_8)));
        }
        return documents;
    }

    @Test
    void successAndAlreadyIndexedAreFinalAndMappingErrorsAreRejectedAtOnce() throws Exception {
        ScriptedTransport transport = new ScriptedTransport();
        transport.steps.add(statuses(Map.of("b", 409, "c", 400)));
        BulkIndexer indexer = new BulkIndexer(transport, 5, fast, registry);

        List<IndexResult> results = indexer.index(documents("a", "b", "c"));

        assertThat(transport.requests).hasSize(1);
        assertThat(results).extracting(r -> r.document().id()).containsExactly("a", "b", "c");
        assertThat(results.get(0).indexed()).isTrue();
        assertThat(results.get(1).indexed()).as("409 on create: indexed by an earlier delivery").isTrue();
        assertThat(results.get(2).deadLetterReason()).contains(DeadLetterReason.INDEX_REJECTED);
        assertThat(results.get(2).outcome().type()).isEqualTo(ItemOutcome.Type.DEAD_LETTER);
        assertThat(results.get(2).outcome().error()).hasValueSatisfying(e -> {
            assertThat(e.type()).isEqualTo("document_parsing_exception");
            assertThat(e.reason()).isEqualTo("scripted 400");
        });
    }

    @Test
    void onlyRetryableItemsAreSentAgainUntilTheySucceed() throws Exception {
        ScriptedTransport transport = new ScriptedTransport();
        transport.steps.add(statuses(Map.of("b", 429, "c", 503)));
        transport.steps.add(statuses(Map.of("c", 503)));
        BulkIndexer indexer = new BulkIndexer(transport, 5, fast, registry);

        List<IndexResult> results = indexer.index(documents("a", "b", "c"));

        assertThat(transport.requests).containsExactly(List.of("a", "b", "c"), List.of("b", "c"), List.of("c"));
        assertThat(results).allMatch(IndexResult::indexed);
        assertThat(results.get(2).attempts()).isEqualTo(3);
        assertThat(registry.get("killkrill.log_worker.retries").tag("scope", "item").counter().count()).isEqualTo(3);
    }

    @Test
    void aRetryableItemPastTheAttemptBudgetIsDeadLettered() throws Exception {
        ScriptedTransport transport = new ScriptedTransport();
        for (int i = 0; i < 3; i++) {
            transport.steps.add(statuses(Map.of("b", 429)));
        }
        BulkIndexer indexer = new BulkIndexer(transport, 3, fast, registry);

        List<IndexResult> results = indexer.index(documents("a", "b"));

        assertThat(transport.requests).hasSize(3);
        assertThat(results.get(0).indexed()).isTrue();
        assertThat(results.get(1).deadLetterReason()).contains(DeadLetterReason.MAX_RETRIES_EXCEEDED);
        assertThat(results.get(1).attempts()).isEqualTo(3);
        assertThat(results.get(1).outcome().status()).isEqualTo(429);
    }

    @Test
    void aWholeRequestFailureIsRetriedWithoutCountingAgainstItems() throws Exception {
        ScriptedTransport transport = new ScriptedTransport();
        for (int i = 0; i < 10; i++) {
            transport.steps.add(operations -> new ConnectException("Connection refused"));
        }
        BulkIndexer indexer = new BulkIndexer(transport, 2, fast, registry);

        List<IndexResult> results = indexer.index(documents("a", "b"));

        assertThat(transport.requests).hasSize(11);
        assertThat(results).allMatch(IndexResult::indexed);
        assertThat(registry.get("killkrill.log_worker.retries").tag("scope", "request").counter().count())
                .isEqualTo(10);
    }

    @Test
    void backoffGrowsExponentiallyWithinItsCap() {
        Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(2), 0.25);
        assertThat(backoff.delay(1).toMillis()).isBetween(75L, 125L);
        assertThat(backoff.delay(3).toMillis()).isBetween(300L, 500L);
        assertThat(backoff.delay(30).toMillis()).isBetween(1500L, 2000L);
    }
}
