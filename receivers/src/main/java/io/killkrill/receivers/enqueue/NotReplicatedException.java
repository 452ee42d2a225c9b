package io.killkrill.receivers.enqueue;

/**
 * The Redis master stored a write, but fewer replicas than {@code KILLKRILL_REDIS_MIN_REPLICA_ACKS} acknowledged it
 * within the timeout ({@code WAIT}): a failover now could lose it, so it is not acknowledged (HTTP 503). Unlike the
 * other refusals the items are in the stream: a retry with the same Idempotency-Key is answered from the stored
 * answer once the replicas hold it, and stores nothing; a retry without one may store them a second time.
 */
public final class NotReplicatedException extends RedisUnavailableException {
    public NotReplicatedException(String shortfall) {
        super(shortfall);
    }

    @Override
    public String answerText() {
        return getMessage() + "; the Redis master holds the items but they are not acknowledged: retry with the "
                + "same Idempotency-Key, which is answered once the replicas hold them and stores nothing again";
    }
}
