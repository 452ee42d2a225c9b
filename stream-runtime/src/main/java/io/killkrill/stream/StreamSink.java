package io.killkrill.stream;

import java.util.List;

/**
 * What a worker implements: the stage after Redis (Elasticsearch for logs, PostgreSQL for metrics), in the manner
 * of Kafka Connect's {@code SinkTask}. The {@link StreamConsumer} drives it; a sink never talks to the stream.
 *
 * <p>Lifecycle of one batch: {@link #prepare} (pure work such as decoding; may run on the consumer's read-ahead
 * thread while the previous batch is still in {@link #put}; never two at once) -> {@link #put} (on the consumer thread, one batch
 * at a time) -> the consumer settles the fates it returned: dead letters written and entries acknowledged in one
 * atomic step.
 *
 * <p>Contract of {@link #put}:
 * <ul>
 *   <li>It returns at most one {@link EntryFate} per entry, each final. An entry without a fate stays pending and
 *       is delivered again (to this or another consumer) after the claim idle time, its delivery count one
 *       higher; so a sink must be idempotent per entry.</li>
 *   <li>Failures of the whole downstream system (unreachable, timing out, backpressure) are retried inside
 *       {@code put} with the runtime's one retry mechanism ({@link Retries}) for as long as the consumer is not
 *       stopped: while {@code put} runs, the consumer keeps the batch's entries claimed, so an outage does not
 *       count as deliveries.</li>
 *   <li>A {@link RuntimeException} means "this batch cannot be processed": the consumer then hands its entries
 *       to the sink one at a time, so that one bad entry cannot hold back the others; an entry that keeps
 *       failing reaches {@code KILLKRILL_MAX_DELIVERIES} and is dead-lettered {@code max_deliveries_exceeded}
 *       without being handed to the sink again.</li>
 *   <li>An interrupt abandons the batch by throwing {@link InterruptedException}; nothing of it is
 *       acknowledged.</li>
 * </ul>
 *
 * @param <P> the batch as {@link #prepare} left it for {@link #put}
 */
public interface StreamSink<P> {

    /** Pure preparation of a batch (decoding, validation); must not write anywhere. */
    P prepare(Batch batch);

    /** Makes the prepared batch's entries final, as far as it can; see the class comment. */
    List<EntryFate> put(P prepared) throws InterruptedException;
}
