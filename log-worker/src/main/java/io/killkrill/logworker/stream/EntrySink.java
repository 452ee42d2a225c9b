package io.killkrill.logworker.stream;

import java.util.List;

/**
 * Where a {@link StreamGroupConsumer} delivers batches: the stage after Redis (Elasticsearch for logs,
 * PostgreSQL for metrics), in the manner of Kafka Connect's {@code SinkTask.put}.
 *
 * <p>Contract: {@link #put} is called by one consumer thread at a time with a non-empty batch and returns at
 * most one {@link EntryFate} per entry, each final. Entries it returns no fate for stay pending and are
 * delivered again (to this or another consumer, after the claim idle time), so a sink must be idempotent per
 * entry. Failures of the whole downstream system (unreachable, timing out) are retried inside {@code put}, with
 * backoff, for as long as the thread is not interrupted; an interrupt abandons the batch by throwing
 * {@link InterruptedException}, and nothing of it is acknowledged.
 */
@FunctionalInterface
public interface EntrySink {
    List<EntryFate> put(List<StreamRecord> batch) throws InterruptedException;
}
