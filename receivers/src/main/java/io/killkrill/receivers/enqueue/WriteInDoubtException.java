package io.killkrill.receivers.enqueue;

/**
 * The receiver stopped while Redis was unreachable and a write it had sent could not be confirmed either way:
 * the caller must not claim it was stored, nor that it was not (an HTTP request gets no answer).
 */
public final class WriteInDoubtException extends RuntimeException {
    public WriteInDoubtException() {
        super("whether Redis stored the write is unknown: it failed before answering and stayed down until "
                + "the receiver stopped");
    }
}
