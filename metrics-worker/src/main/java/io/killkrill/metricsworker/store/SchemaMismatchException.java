package io.killkrill.metricsworker.store;

/** The database schema does not match the entity mapping; the message names what differs. */
public final class SchemaMismatchException extends RuntimeException {
    public SchemaMismatchException(String message, Throwable cause) {
        super(message, cause);
    }
}
