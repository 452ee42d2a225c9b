package io.killkrill.logworker.elasticsearch;

import co.elastic.clients.elasticsearch.core.BulkResponse;
import co.elastic.clients.elasticsearch.core.bulk.BulkResponseItem;
import io.killkrill.model.DeadLetterReason;
import io.killkrill.stream.Retries;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Indexes documents with bulk requests and decides each document's final result.
 *
 * <p>Requests are cut by bytes as well as by count: a batch whose bulk body would exceed
 * {@link Settings#maxBulkBytes} is sent as several requests, one body in memory at a time; a document whose
 * bulk lines alone exceed it is refused without being sent (INDEX_REJECTED, {@code document_too_large}).
 *
 * <p>What each answer means (Graylog's {@code Messages} two levels, Vector's {@code RetryLogic}):
 * <ul>
 *   <li>item 2xx, or 409 on {@code create} (our {@code _id} = event ID, indexed by an earlier delivery):
 *   indexed, final;</li>
 *   <li>item 429, 5xx or {@code cluster_block_exception}, and a whole request answered so
 *   ({@link BulkRequestFailure.Kind#BACKPRESSURE}): Elasticsearch pushing back, not a bad document. Those
 *   documents, only those, are sent again until {@link Settings#retryDeadline} after the first push-back of
 *   this call; then MAX_RETRIES_EXCEEDED;</li>
 *   <li>item other 4xx: INDEX_REJECTED at once;</li>
 *   <li>a whole request refused with another 4xx (413 too large, 400): the request is split in halves and each
 *   half sent; a document refused alone is INDEX_REJECTED with that status, type and reason;</li>
 *   <li>a whole request failing otherwise (refused connection, timeout, 5xx, 401/403): an outage. Retried
 *   without limit; nothing becomes final during it, so nothing is acknowledged.</li>
 * </ul>
 *
 * <p>The runtime's one retry mechanism ({@link Retries}, Failsafe) drives both outages and push-back
 * (exponential backoff, jitter, interrupt aborts): each attempt is a round that sends every document not yet final, and the policy retries a round that
 * failed as a whole or that left pushed-back documents before the deadline.
 */
public final class BulkIndexer {
    private static final Logger LOG = LoggerFactory.getLogger(BulkIndexer.class);

    /**
     * @param maxBulkBytes   largest bulk body; below Elasticsearch's {@code http.max_content_length}
     * @param retryDeadline  how long pushed-back documents are retried
     * @param initialBackoff first retry delay, doubling up to {@code maxBackoff}, 25% jitter
     */
    public record Settings(long maxBulkBytes, Duration retryDeadline, Duration initialBackoff, Duration maxBackoff) {
        public Settings {
            Objects.requireNonNull(retryDeadline, "retryDeadline");
            Objects.requireNonNull(initialBackoff, "initialBackoff");
            Objects.requireNonNull(maxBackoff, "maxBackoff");
            if (maxBulkBytes < 1) {
                throw new IllegalArgumentException("maxBulkBytes must be positive, got " + maxBulkBytes);
            }
        }
    }

    /** What a round left: {@code pushedBack} documents still wait, {@code retry} says whether to send them. */
    private record Round(int pushedBack, boolean retry) {
    }

    private final BulkTransport transport;
    private final Settings settings;
    private final Retries retries;
    private final Timer latency;
    private final Counter itemRetries;
    private final Counter requestRetries;
    private final Counter splits;
    private final Counter indexed;

    public BulkIndexer(BulkTransport transport, Settings settings, MeterRegistry registry) {
        this.transport = transport;
        this.settings = settings;
        this.latency = Timer.builder("killkrill.log_worker.bulk.latency")
                .description("Duration of one Elasticsearch bulk request").publishPercentileHistogram()
                .register(registry);
        this.itemRetries = Counter.builder("killkrill.log_worker.retries").tag("scope", "item")
                .description("Documents sent again after Elasticsearch pushed back (429, 5xx, cluster block)")
                .register(registry);
        this.requestRetries = Counter.builder("killkrill.log_worker.retries").tag("scope", "request")
                .description("Bulk requests sent again after a whole-request failure").register(registry);
        this.splits = Counter.builder("killkrill.log_worker.bulk.splits")
                .description("Bulk requests Elasticsearch refused as a whole (413, 400) and sent again in halves")
                .register(registry);
        this.indexed = Counter.builder("killkrill.log_worker.indexed")
                .description("Documents indexed (final)").register(registry);
        // the runtime's one retry mechanism: outages (an exception) until stopped, push-back (a round that left
        // documents waiting) until the round itself says the deadline has passed
        this.retries = Retries.untilStopped("bulk_index", "bulk request", e -> e instanceof Exception,
                settings.initialBackoff(), settings.maxBackoff(), () -> true).onEachRetry(requestRetries::increment);
    }

    /** The largest bulk body this indexer sends. */
    public long maxBulkBytes() {
        return settings.maxBulkBytes();
    }

    /** One final result per document, in the order given. */
    public List<IndexResult> index(List<IndexDocument> documents) throws InterruptedException {
        Call call = new Call(documents);
        Round last = retries.callWhile(call::round, Round::retry, round -> {
            itemRetries.increment(round.pushedBack());
            LOG.warn("stage=bulk_index Elasticsearch pushed back {} documents (429/5xx/cluster block); retrying for"
                    + " up to {} since the first push-back", round.pushedBack(), settings.retryDeadline());
        });
        if (last.pushedBack() > 0) {
            LOG.warn("stage=bulk_index {} documents still pushed back after {}: dead-lettered as {}",
                    last.pushedBack(), settings.retryDeadline(), DeadLetterReason.MAX_RETRIES_EXCEEDED.code());
        }
        return call.results();
    }

    /** The state of one {@link #index} call, across its rounds. */
    private final class Call {
        final List<IndexDocument> documents;
        final IndexResult[] results;
        final ItemOutcome[] lastPushBack;
        final int[] attempts;
        long firstPushBackNanos;
        boolean pushedBack;

        Call(List<IndexDocument> documents) {
            this.documents = documents;
            this.results = new IndexResult[documents.size()];
            this.lastPushBack = new ItemOutcome[documents.size()];
            this.attempts = new int[documents.size()];
        }

        /** Sends every document not final yet, in requests of at most maxBulkBytes. */
        Round round() throws Exception {
            List<Integer> chunk = new ArrayList<>();
            long chunkBytes = 0;
            for (int i = 0; i < documents.size(); i++) {
                if (results[i] != null) {
                    continue;
                }
                long bytes = BulkTransport.lineBytes(documents.get(i));
                if (bytes > settings.maxBulkBytes()) {
                    tooLarge(i, bytes);
                    continue;
                }
                if (chunkBytes + bytes > settings.maxBulkBytes()) {
                    send(chunk);
                    chunk = new ArrayList<>();
                    chunkBytes = 0;
                }
                chunk.add(i);
                chunkBytes += bytes;
            }
            send(chunk);
            int waiting = 0;
            for (IndexResult result : results) {
                waiting += result == null ? 1 : 0;
            }
            boolean beforeDeadline = !pushedBack
                    || System.nanoTime() - firstPushBackNanos < settings.retryDeadline().toNanos();
            return new Round(waiting, waiting > 0 && beforeDeadline);
        }

        private void tooLarge(int i, long bytes) {
            ItemOutcome outcome = new ItemOutcome(ItemOutcome.Type.DEAD_LETTER, 413, Optional.of(
                    new ItemOutcome.ItemError("document_too_large", "the document takes " + bytes
                            + " bytes in a bulk request, more than KILLKRILL_ELASTICSEARCH_MAX_BULK_BYTES ("
                            + settings.maxBulkBytes() + "); not sent to Elasticsearch")));
            results[i] = new IndexResult(documents.get(i), outcome, Optional.of(DeadLetterReason.INDEX_REJECTED),
                    attempts[i]);
        }

        private void send(List<Integer> chunk) throws Exception {
            if (chunk.isEmpty()) {
                return;
            }
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedException("stopped before a bulk request");
            }
            List<IndexDocument> batch = new ArrayList<>(chunk.size());
            for (int i : chunk) {
                batch.add(documents.get(i));
                attempts[i]++;
            }
            BulkResponse response;
            long start = System.nanoTime();
            try {
                response = transport.send(batch);
            } catch (BulkRequestFailure failure) {
                switch (failure.kind()) {
                    case OUTAGE -> throw failure;
                    case BACKPRESSURE -> {
                        ItemOutcome outcome = new ItemOutcome(ItemOutcome.Type.RETRY, failure.status(),
                                failure.error());
                        chunk.forEach(i -> pushBack(i, outcome));
                    }
                    case REFUSED -> refused(chunk, failure);
                }
                return;
            } finally {
                latency.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            }
            List<BulkResponseItem> items = response.items();
            if (items.size() != chunk.size()) {
                throw new IllegalStateException("stage=bulk_index Elasticsearch answered " + items.size()
                        + " items for " + chunk.size() + " operations");
            }
            for (int k = 0; k < items.size(); k++) {
                int i = chunk.get(k);
                ItemOutcome outcome = ItemOutcome.of(items.get(k));
                switch (outcome.type()) {
                    case INDEXED -> {
                        results[i] = new IndexResult(documents.get(i), outcome, Optional.empty(), attempts[i]);
                        indexed.increment();
                    }
                    case DEAD_LETTER -> results[i] = new IndexResult(documents.get(i), outcome,
                            Optional.of(DeadLetterReason.INDEX_REJECTED), attempts[i]);
                    case RETRY -> pushBack(i, outcome);
                }
            }
        }

        /** A request refused as a whole: halves until the document it is about is alone. */
        private void refused(List<Integer> chunk, BulkRequestFailure failure) throws Exception {
            if (chunk.size() == 1) {
                int i = chunk.get(0);
                results[i] = new IndexResult(documents.get(i), new ItemOutcome(ItemOutcome.Type.DEAD_LETTER,
                        failure.status(), failure.error()), Optional.of(DeadLetterReason.INDEX_REJECTED),
                        attempts[i]);
                return;
            }
            splits.increment();
            LOG.warn("stage=bulk_index Elasticsearch refused a bulk request of {} documents ({}); sending it in"
                    + " halves", chunk.size(), failure.getMessage());
            int half = chunk.size() / 2;
            send(new ArrayList<>(chunk.subList(0, half)));
            send(new ArrayList<>(chunk.subList(half, chunk.size())));
        }

        private void pushBack(int i, ItemOutcome outcome) {
            lastPushBack[i] = outcome;
            if (!pushedBack) {
                pushedBack = true;
                firstPushBackNanos = System.nanoTime();
            }
        }

        List<IndexResult> results() {
            List<IndexResult> list = new ArrayList<>(results.length);
            for (int i = 0; i < results.length; i++) {
                list.add(results[i] != null ? results[i] : new IndexResult(documents.get(i), lastPushBack[i],
                        Optional.of(DeadLetterReason.MAX_RETRIES_EXCEEDED), attempts[i]));
            }
            return List.copyOf(list);
        }
    }
}
