package io.killkrill.logworker.elasticsearch;

import co.elastic.clients.elasticsearch.core.BulkResponse;
import co.elastic.clients.elasticsearch.core.bulk.BulkResponseItem;
import co.elastic.clients.elasticsearch.core.bulk.OperationType;
import io.killkrill.model.DeadLetterReason;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Per-item outcomes, whole-request answers, byte budget and the retry deadline, against scripted answers. */
class BulkIndexerTest {
    private static final long NO_LIMIT = 100L * 1024 * 1024;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private static BulkIndexer.Settings fast(long maxBulkBytes, Duration deadline) {
        return new BulkIndexer.Settings(maxBulkBytes, deadline, Duration.ofMillis(1), Duration.ofMillis(5));
    }

    /** Each scripted step answers one bulk request; after the last, a fallback answers. */
    private static final class ScriptedTransport implements BulkTransport {
        final Deque<Function<List<IndexDocument>, Object>> steps = new ArrayDeque<>();
        Function<List<IndexDocument>, Object> fallback = statuses(Map.of());
        final List<List<String>> requests = new ArrayList<>();
        final List<Integer> bodyBytes = new ArrayList<>();

        @Override
        public synchronized BulkResponse send(List<IndexDocument> operations) throws IOException {
            requests.add(operations.stream().map(IndexDocument::id).toList());
            bodyBytes.add(BulkTransport.body(operations).length);
            Object answer = (steps.isEmpty() ? fallback : steps.poll()).apply(operations);
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
                    case 403 -> "cluster_block_exception";
                    default -> "unavailable_shards_exception";
                };
                i.error(e -> e.type(type).reason("scripted " + status));
            }
            return i;
        });
    }

    private static BulkRequestFailure wholeRequest(int status, String type) {
        return new BulkRequestFailure(status, Optional.of(new ItemOutcome.ItemError(type, "scripted " + status)));
    }

    private static List<IndexDocument> documents(String... ids) {
        List<IndexDocument> documents = new ArrayList<>();
        for (String id : ids) {
            documents.add(document(id, "{\"message\":\"" + id + "\"}"));
        }
        return documents;
    }

    private static IndexDocument document(String id, String json) {
        return new IndexDocument("entry-" + id, "logs-2026.03.04", id, json.getBytes(StandardCharsets.UTF_8));
    }

    private double counter(String name, String scope) {
        return scope == null ? registry.get(name).counter().count()
                : registry.get(name).tag("scope", scope).counter().count();
    }

    @Test
    void successAndAlreadyIndexedAreFinalAndMappingErrorsAreRejectedAtOnce() throws Exception {
        ScriptedTransport transport = new ScriptedTransport();
        transport.steps.add(statuses(Map.of("b", 409, "c", 400)));
        BulkIndexer indexer = new BulkIndexer(transport, fast(NO_LIMIT, Duration.ofHours(1)), registry);

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
    void onlyPushedBackItemsAreSentAgainUntilTheySucceed() throws Exception {
        ScriptedTransport transport = new ScriptedTransport();
        transport.steps.add(statuses(Map.of("b", 429, "c", 503)));
        transport.steps.add(statuses(Map.of("c", 403)));
        BulkIndexer indexer = new BulkIndexer(transport, fast(NO_LIMIT, Duration.ofHours(1)), registry);

        List<IndexResult> results = indexer.index(documents("a", "b", "c"));

        assertThat(transport.requests).containsExactly(List.of("a", "b", "c"), List.of("b", "c"), List.of("c"));
        assertThat(results).allMatch(IndexResult::indexed);
        assertThat(results.get(2).attempts()).isEqualTo(3);
        assertThat(counter("killkrill.log_worker.retries", "item")).isEqualTo(3);
    }

    /**
     * Regression (issue 12, item 3): 429 items and cluster blocks were dead-lettered after 6 attempts (~12 s).
     * Now they are retried far past that, and given up only at the deadline.
     */
    @Test
    void pushedBackItemsAreRetriedBeyondAnyAttemptCountUntilTheDeadline() throws Exception {
        ScriptedTransport transport = new ScriptedTransport();
        transport.fallback = statuses(Map.of("b", 429, "c", 403));
        BulkIndexer indexer = new BulkIndexer(transport, fast(NO_LIMIT, Duration.ofMillis(300)), registry);

        long start = System.nanoTime();
        List<IndexResult> results = indexer.index(documents("a", "b", "c"));

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
        assertThat(transport.requests.size()).as("retried many times within the deadline").isGreaterThan(20);
        assertThat(results.get(0).indexed()).isTrue();
        assertThat(results.get(1).deadLetterReason()).contains(DeadLetterReason.MAX_RETRIES_EXCEEDED);
        assertThat(results.get(1).outcome().status()).isEqualTo(429);
        assertThat(results.get(2).deadLetterReason()).contains(DeadLetterReason.MAX_RETRIES_EXCEEDED);
        assertThat(results.get(2).outcome().error()).hasValueSatisfying(e ->
                assertThat(e.type()).isEqualTo("cluster_block_exception"));
        assertThat(results.get(1).attempts()).isEqualTo(transport.requests.size());
    }

    @Test
    void aWholeRequestOutageIsRetriedWithoutLimitAndWithoutADeadline() throws Exception {
        ScriptedTransport transport = new ScriptedTransport();
        for (int i = 0; i < 10; i++) {
            transport.steps.add(operations -> new ConnectException("Connection refused"));
        }
        transport.steps.add(operations -> wholeRequest(503, "master_not_discovered_exception"));
        transport.steps.add(operations -> wholeRequest(401, "security_exception"));
        BulkIndexer indexer = new BulkIndexer(transport, fast(NO_LIMIT, Duration.ofMillis(1)), registry);

        List<IndexResult> results = indexer.index(documents("a", "b"));

        assertThat(transport.requests).hasSize(13);
        assertThat(results).allMatch(IndexResult::indexed);
        assertThat(counter("killkrill.log_worker.retries", "request")).isEqualTo(12);
    }

    @Test
    void aWholeRequestPushedBackIsRetriedNotSplit() throws Exception {
        ScriptedTransport transport = new ScriptedTransport();
        transport.steps.add(operations -> wholeRequest(429, "circuit_breaking_exception"));
        transport.steps.add(operations -> wholeRequest(403, "cluster_block_exception"));
        BulkIndexer indexer = new BulkIndexer(transport, fast(NO_LIMIT, Duration.ofHours(1)), registry);

        List<IndexResult> results = indexer.index(documents("a", "b", "c"));

        assertThat(transport.requests).containsExactly(List.of("a", "b", "c"), List.of("a", "b", "c"),
                List.of("a", "b", "c"));
        assertThat(results).allMatch(IndexResult::indexed);
    }

    /**
     * Regression (issue 12, item 1): a whole-request 413 or 400 was retried like an outage, forever, so one bad
     * batch stopped the stream. Now the request is halved until the refused document is alone.
     */
    @Test
    void aRequestRefusedAsAWholeIsSplitAndTheDocumentRefusedAloneIsDeadLettered() throws Exception {
        ScriptedTransport transport = new ScriptedTransport();
        transport.fallback = operations -> {
            if (operations.size() > 2) {
                return wholeRequest(413, "http_413");
            }
            if (operations.stream().anyMatch(op -> op.id().equals("c"))) {
                return wholeRequest(400, "x_content_parse_exception");
            }
            return statuses(Map.of()).apply(operations);
        };
        BulkIndexer indexer = new BulkIndexer(transport, fast(NO_LIMIT, Duration.ofHours(1)), registry);

        List<IndexResult> results = indexer.index(documents("a", "b", "c", "d", "e"));

        assertThat(transport.requests).containsExactly(List.of("a", "b", "c", "d", "e"), List.of("a", "b"),
                List.of("c", "d", "e"), List.of("c"), List.of("d", "e"));
        assertThat(results).filteredOn(IndexResult::indexed).extracting(r -> r.document().id())
                .containsExactly("a", "b", "d", "e");
        IndexResult refused = results.get(2);
        assertThat(refused.deadLetterReason()).contains(DeadLetterReason.INDEX_REJECTED);
        assertThat(refused.outcome().status()).isEqualTo(400);
        assertThat(refused.outcome().error()).hasValueSatisfying(e -> {
            assertThat(e.type()).isEqualTo("x_content_parse_exception");
            assertThat(e.reason()).isEqualTo("scripted 400");
        });
        assertThat(counter("killkrill.log_worker.bulk.splits", null)).isEqualTo(2);
        assertThat(counter("killkrill.log_worker.retries", "request")).as("both halves go in the same round")
                .isZero();
        assertThat(counter("killkrill.log_worker.retries", "item")).isZero();
    }

    /**
     * Regression (issue 12, item 2): a batch was one request whatever its size (12 x 9 MB: out of memory, or
     * 413 forever). Now requests stay within the byte budget, and a document over it alone is refused unsent.
     */
    @Test
    void requestsStayWithinTheByteBudgetAndADocumentOverItIsRefusedUnsent() throws Exception {
        ScriptedTransport transport = new ScriptedTransport();
        List<IndexDocument> documents = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            documents.add(document("d" + i, "{\"message\":\"" + "x".repeat(900) + "\"}"));
        }
        documents.add(6, document("huge", "{\"message\":\"" + "y".repeat(5000) + "\"}"));
        long lineBytes = BulkTransport.lineBytes(documents.get(0));
        long budget = 3 * lineBytes + 10;
        BulkIndexer indexer = new BulkIndexer(transport, fast(budget, Duration.ofHours(1)), registry);

        List<IndexResult> results = indexer.index(documents);

        assertThat(transport.requests).hasSize(4).allSatisfy(ids -> assertThat(ids).hasSize(3));
        assertThat(transport.bodyBytes).allSatisfy(bytes -> assertThat((long) bytes).isLessThanOrEqualTo(budget));
        assertThat(transport.requests.stream().flatMap(List::stream)).doesNotContain("huge").hasSize(12)
                .doesNotHaveDuplicates();
        IndexResult huge = results.get(6);
        assertThat(huge.document().id()).isEqualTo("huge");
        assertThat(huge.deadLetterReason()).contains(DeadLetterReason.INDEX_REJECTED);
        assertThat(huge.attempts()).isZero();
        assertThat(huge.outcome().error()).hasValueSatisfying(e -> {
            assertThat(e.type()).isEqualTo("document_too_large");
            assertThat(e.reason()).contains("KILLKRILL_ELASTICSEARCH_MAX_BULK_BYTES", Long.toString(budget));
        });
        assertThat(results).filteredOn(IndexResult::indexed).hasSize(12);
        assertThat(transport.requests.get(0)).as("in order, in one round").containsExactly("d0", "d1", "d2");
        assertThat(counter("killkrill.log_worker.retries", "request")).isZero();
    }

    /** The byte budget is inclusive: a document of exactly the budget is sent, and documents that fill it share a request. */
    @Test
    void theByteBudgetIsInclusive() throws Exception {
        ScriptedTransport transport = new ScriptedTransport();
        List<IndexDocument> documents = new ArrayList<>(documents("a", "b", "c"));
        long line = BulkTransport.lineBytes(documents.get(0));
        long budget = 2 * line;
        String prefix = "{\"message\":\"";
        long emptyLine = BulkTransport.lineBytes(document("big", prefix + "\"}"));
        documents.add(document("big", prefix + "z".repeat((int) (budget - emptyLine)) + "\"}"));
        assertThat(BulkTransport.lineBytes(documents.get(3))).isEqualTo(budget);
        BulkIndexer indexer = new BulkIndexer(transport, fast(budget, Duration.ofHours(1)), registry);
        assertThat(indexer.maxBulkBytes()).isEqualTo(budget);

        List<IndexResult> results = indexer.index(documents);

        assertThat(transport.requests).containsExactly(List.of("a", "b"), List.of("c"), List.of("big"));
        assertThat(counter("killkrill.log_worker.retries", "item")).isZero();
        assertThat(transport.bodyBytes).containsExactly((int) budget, (int) line, (int) budget);
        assertThat(results).allMatch(IndexResult::indexed);
        assertThat(counter("killkrill.log_worker.indexed", null)).isEqualTo(4);
        assertThat(registry.get("killkrill.log_worker.bulk.latency").timer().count()).isEqualTo(3);
        assertThat(registry.get("killkrill.log_worker.bulk.latency").timer().totalTime(TimeUnit.SECONDS))
                .as("the time the requests took, not a clock reading").isLessThan(60);
    }

    @Test
    void aWholeRequestPushedBackPastTheDeadlineIsDeadLetteredMaxRetriesExceededWithItsAnswer() throws Exception {
        ScriptedTransport transport = new ScriptedTransport();
        transport.fallback = operations -> wholeRequest(429, "circuit_breaking_exception");
        BulkIndexer indexer = new BulkIndexer(transport, fast(NO_LIMIT, Duration.ofMillis(100)), registry);

        List<IndexResult> results = indexer.index(documents("a", "b"));

        assertThat(results).allSatisfy(r -> {
            assertThat(r.deadLetterReason()).contains(DeadLetterReason.MAX_RETRIES_EXCEEDED);
            assertThat(r.outcome().status()).isEqualTo(429);
            assertThat(r.outcome().error()).hasValueSatisfying(e ->
                    assertThat(e.type()).isEqualTo("circuit_breaking_exception"));
        });
        assertThat(transport.requests.size()).isGreaterThan(1);
    }

    /** An Error from the transport is a bug, not an outage: it is not retried. */
    @Test
    void anErrorIsNotRetriedLikeAnOutage() {
        BulkTransport broken = operations -> {
            throw new AssertionError("a bug in the transport");
        };
        BulkIndexer indexer = new BulkIndexer(broken, fast(NO_LIMIT, Duration.ofHours(1)), registry);

        assertThatThrownBy(() -> indexer.index(documents("a"))).isInstanceOf(AssertionError.class)
                .hasMessage("a bug in the transport");
        assertThat(counter("killkrill.log_worker.retries", "request")).isZero();
    }

    @Test
    void theByteBudgetMustBePositive() {
        assertThat(fast(1, Duration.ofSeconds(1)).maxBulkBytes()).isEqualTo(1);
        assertThatThrownBy(() -> fast(0, Duration.ofSeconds(1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("got 0");
    }

    @Test
    void itemStatusesAtTheEdgesOfEachClass() {
        assertThat(outcome(200, null).type()).isEqualTo(ItemOutcome.Type.INDEXED);
        assertThat(outcome(299, null).type()).isEqualTo(ItemOutcome.Type.INDEXED);
        assertThat(outcome(300, null).type()).isEqualTo(ItemOutcome.Type.DEAD_LETTER);
        assertThat(outcome(199, null).type()).isEqualTo(ItemOutcome.Type.DEAD_LETTER);
        assertThat(outcome(201, "x").type()).as("an error is never success").isEqualTo(ItemOutcome.Type.DEAD_LETTER);
        assertThat(outcome(500, "x").type()).isEqualTo(ItemOutcome.Type.RETRY);
        assertThat(outcome(499, "x").type()).isEqualTo(ItemOutcome.Type.DEAD_LETTER);
        assertThat(outcome(400, ItemOutcome.CLUSTER_BLOCK).type()).isEqualTo(ItemOutcome.Type.RETRY);
        ItemOutcome unnamed = ItemOutcome.of(BulkResponseItem.of(i -> i.operationType(OperationType.Create)
                .index("i").id("1").status(400).error(e -> e.type(null).reason(null))));
        assertThat(unnamed.error()).contains(new ItemOutcome.ItemError("unknown", ""));
    }

    private static ItemOutcome outcome(int status, String errorType) {
        return ItemOutcome.of(BulkResponseItem.of(i -> {
            i.operationType(OperationType.Index).index("i").id("1").status(status);
            if (errorType != null) {
                i.error(e -> e.type(errorType).reason("r"));
            }
            return i;
        }));
    }

    @Test
    void wholeRequestStatusesAtTheEdgesOfEachKind() {
        assertThat(kind(500)).isEqualTo(BulkRequestFailure.Kind.OUTAGE);
        assertThat(kind(499)).isEqualTo(BulkRequestFailure.Kind.REFUSED);
        assertThat(kind(400)).isEqualTo(BulkRequestFailure.Kind.REFUSED);
        assertThat(kind(399)).as("not an error answer Elasticsearch gives: treated as an outage")
                .isEqualTo(BulkRequestFailure.Kind.OUTAGE);
        assertThat(kind(408)).isEqualTo(BulkRequestFailure.Kind.OUTAGE);
        assertThat(kind(407)).isEqualTo(BulkRequestFailure.Kind.OUTAGE);
        assertThat(kind(401)).isEqualTo(BulkRequestFailure.Kind.OUTAGE);
        assertThat(kind(429)).isEqualTo(BulkRequestFailure.Kind.BACKPRESSURE);
        assertThat(wholeRequest(503, "master_not_discovered_exception").getMessage())
                .isEqualTo("Elasticsearch answered the bulk request 503 master_not_discovered_exception: scripted 503");
        assertThat(BulkRequestFailure.of(502, null, "{\"error\":\"proxy down\"}".getBytes(StandardCharsets.UTF_8))
                .error()).contains(new ItemOutcome.ItemError("unknown", "proxy down"));
        assertThat(BulkRequestFailure.of(502, " ", new byte[0]).error())
                .contains(new ItemOutcome.ItemError("http_502", "HTTP 502"));
    }

    private static BulkRequestFailure.Kind kind(int status) {
        return BulkRequestFailure.of(status, "reason", new byte[0]).kind();
    }

    @Test
    void anInterruptStopsThePushBackRetriesWithNothingFinal() throws Exception {
        ScriptedTransport transport = new ScriptedTransport();
        CountDownLatch retried = new CountDownLatch(3);
        transport.fallback = operations -> {
            retried.countDown();
            return statuses(Map.of("a", 429)).apply(operations);
        };
        BulkIndexer indexer = new BulkIndexer(transport, fast(NO_LIMIT, Duration.ofHours(1)), registry);
        CompletableFuture<Throwable> thrown = new CompletableFuture<>();
        Thread loop = new Thread(() -> {
            try {
                indexer.index(documents("a"));
                thrown.complete(null);
            } catch (Throwable t) {
                thrown.complete(t);
            }
        });
        loop.start();
        assertThat(retried.await(10, TimeUnit.SECONDS)).as("retrying the pushed-back document").isTrue();

        loop.interrupt();

        assertThat(thrown.get(10, TimeUnit.SECONDS)).isInstanceOf(InterruptedException.class);
    }

    @Test
    void aWholeRequestErrorAnswerIsReadFromElasticsearchsBody() {
        BulkRequestFailure block = BulkRequestFailure.of(403, "Forbidden", """
                {"error":{"root_cause":[],"type":"cluster_block_exception","reason":"index [x] blocked"},"status":403}"""
                .getBytes(StandardCharsets.UTF_8));
        BulkRequestFailure tooLarge = BulkRequestFailure.of(413, "Request Entity Too Large", new byte[0]);
        BulkRequestFailure parse = BulkRequestFailure.of(400, "Bad Request",
                "{\"error\":{\"type\":\"illegal_argument_exception\",\"reason\":\"Malformed action\"},\"status\":400}"
                        .getBytes(StandardCharsets.UTF_8));

        assertThat(block.kind()).isEqualTo(BulkRequestFailure.Kind.BACKPRESSURE);
        assertThat(block.error()).contains(new ItemOutcome.ItemError("cluster_block_exception", "index [x] blocked"));
        assertThat(tooLarge.kind()).isEqualTo(BulkRequestFailure.Kind.REFUSED);
        assertThat(tooLarge.error()).contains(new ItemOutcome.ItemError("http_413", "Request Entity Too Large"));
        assertThat(parse.kind()).isEqualTo(BulkRequestFailure.Kind.REFUSED);
        assertThat(BulkRequestFailure.of(502, "Bad Gateway", new byte[0]).kind())
                .isEqualTo(BulkRequestFailure.Kind.OUTAGE);
        assertThat(BulkRequestFailure.of(403, "Forbidden",
                "{\"error\":{\"type\":\"security_exception\",\"reason\":\"no\"}}".getBytes(StandardCharsets.UTF_8))
                .kind()).as("missing privileges: configuration, not the documents").isEqualTo(BulkRequestFailure.Kind.OUTAGE);
    }
}
