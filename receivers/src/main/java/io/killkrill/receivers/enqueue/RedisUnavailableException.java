package io.killkrill.receivers.enqueue;

/** Redis could not confirm a write; the client should retry later (HTTP 503 with Retry-After). */
public class RedisUnavailableException extends RuntimeException {
    public RedisUnavailableException(String message) {
        super(message);
    }

    /** What the client is told: why, and what became of its items. */
    public String answerText() {
        return getMessage() + "; nothing was accepted, retry later";
    }
}
