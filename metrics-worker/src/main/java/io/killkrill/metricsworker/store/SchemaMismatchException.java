package io.killkrill.metricsworker.store;

import io.killkrill.service.IncompatibleContractException;

/** The database schema does not match the entity mapping; the message names what differs (exit 3). */
public final class SchemaMismatchException extends IncompatibleContractException {
    public SchemaMismatchException(String message, Throwable cause) {
        super(message, cause);
    }
}
