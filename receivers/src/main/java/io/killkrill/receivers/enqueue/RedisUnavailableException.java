package io.killkrill.receivers.enqueue;

/** Redis could not confirm a write; the client should retry later (HTTP 503 with Retry-After). */
public final class RedisUnavailableException extends RuntimeException {
    public RedisUnavailableException(String message) {
        super(message);
    }
}
