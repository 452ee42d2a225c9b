package io.killkrill.logworker.elasticsearch;

import co.elastic.clients.elasticsearch.core.BulkResponse;
import co.elastic.clients.elasticsearch.core.bulk.BulkResponseItem;
import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeException;
import dev.failsafe.RetryPolicy;
import io.killkrill.model.DeadLetterReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Indexes documents with bulk requests and decides each document's final result, at two levels (as Graylog's
 * {@code Messages} does):
 * <ul>
 *   <li>a whole request that fails (connection refused, timeout, an error answer for the whole request) is
 *   sent again with capped exponential backoff for as long as the thread is not interrupted: during an
 *   outage nothing becomes final, so nothing is acknowledged;</li>
 *   <li>per item: success (or 409 on {@code create}: already indexed) is final; 429 and 5xx items, only those,
 *   are sent again with backoff up to {@code maxAttempts}, then given up as MAX_RETRIES_EXCEEDED; any other
 *   4xx (mapping, parsing) is given up at once as INDEX_REJECTED.</li>
 * </ul>
 */
public final class BulkIndexer {
    private static final Logger LOG = LoggerFactory.getLogger(BulkIndexer.class);

    private final BulkTransport transport;
    private final int maxAttempts;
    private final Backoff backoff;
    private final RetryPolicy<BulkResponse> requestRetry;
    private final Timer latency;
    private final Counter itemRetries;
    private final Counter requestRetries;
    private final Counter indexed;

    public BulkIndexer(BulkTransport transport, int maxAttempts, Backoff backoff, MeterRegistry registry) {
        this.transport = transport;
        this.maxAttempts = maxAttempts;
        this.backoff = backoff;
        this.latency = Timer.builder("killkrill.log_worker.bulk.latency")
                .description("Duration of one Elasticsearch bulk request").publishPercentileHistogram()
                .register(registry);
        this.itemRetries = Counter.builder("killkrill.log_worker.retries").tag("scope", "item")
                .description("Documents sent again after a 429 or 5xx item answer").register(registry);
        this.requestRetries = Counter.builder("killkrill.log_worker.retries").tag("scope", "request")
                .description("Bulk requests sent again after a whole-request failure").register(registry);
        this.indexed = Counter.builder("killkrill.log_worker.indexed")
                .description("Documents indexed (final)").register(registry);
        this.requestRetry = RetryPolicy.<BulkResponse>builder()
                .handle(Exception.class)
                .abortOn(InterruptedException.class)
                .withBackoff(backoff.initial(), backoff.max())
                .withJitter(backoff.jitter())
                .withMaxRetries(-1)
                .onRetry(event -> {
                    requestRetries.increment();
                    LOG.warn("stage=bulk_index bulk request failed (attempt {}): {}; retrying",
                            event.getAttemptCount(), String.valueOf(event.getLastException()));
                })
                .build();
    }

    /** One final result per document, in the order given. */
    public List<IndexResult> index(List<IndexDocument> documents) throws InterruptedException {
        IndexResult[] results = new IndexResult[documents.size()];
        List<Integer> pending = new ArrayList<>(documents.size());
        for (int i = 0; i < documents.size(); i++) {
            pending.add(i);
        }
        for (int attempt = 1; !pending.isEmpty(); attempt++) {
            List<IndexDocument> batch = new ArrayList<>(pending.size());
            for (int i : pending) {
                batch.add(documents.get(i));
            }
            BulkResponse response = send(batch);
            List<BulkResponseItem> items = response.items();
            if (items.size() != pending.size()) {
                throw new IllegalStateException("stage=bulk_index Elasticsearch answered " + items.size()
                        + " items for " + pending.size() + " operations");
            }
            List<Integer> retry = new ArrayList<>();
            for (int k = 0; k < items.size(); k++) {
                int i = pending.get(k);
                ItemOutcome outcome = ItemOutcome.of(items.get(k));
                switch (outcome.type()) {
                    case INDEXED -> {
                        results[i] = new IndexResult(documents.get(i), outcome, Optional.empty(), attempt);
                        indexed.increment();
                    }
                    case DEAD_LETTER -> results[i] = new IndexResult(documents.get(i), outcome,
                            Optional.of(DeadLetterReason.INDEX_REJECTED), attempt);
                    case RETRY -> {
                        if (attempt >= maxAttempts) {
                            results[i] = new IndexResult(documents.get(i), outcome,
                                    Optional.of(DeadLetterReason.MAX_RETRIES_EXCEEDED), attempt);
                        } else {
                            retry.add(i);
                        }
                    }
                }
            }
            pending = retry;
            if (!pending.isEmpty()) {
                itemRetries.increment(pending.size());
                long delay = backoff.delay(attempt).toMillis();
                LOG.warn("stage=bulk_index {} documents answered 429/5xx (attempt {} of {}), retrying in {} ms",
                        pending.size(), attempt, maxAttempts, delay);
                TimeUnit.MILLISECONDS.sleep(delay);
            }
        }
        return List.of(results);
    }

    private BulkResponse send(List<IndexDocument> batch) throws InterruptedException {
        try {
            return Failsafe.with(requestRetry).get(() -> {
                if (Thread.currentThread().isInterrupted()) {
                    throw new InterruptedException("stopped before a bulk request");
                }
                long start = System.nanoTime();
                try {
                    return transport.send(batch);
                } finally {
                    latency.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
                }
            });
        } catch (FailsafeException e) {
            if (e.getCause() instanceof InterruptedException || Thread.currentThread().isInterrupted()) {
                Thread.interrupted();
                throw new InterruptedException("stage=bulk_index stopped while retrying a bulk request");
            }
            throw e;
        }
    }
}
