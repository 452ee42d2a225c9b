package io.killkrill.service;

/**
 * A store holds something this version cannot work with: a database schema that does not match the mapping, a
 * Redis key of the wrong type where a stream must be. Retrying does not help, so {@link ServiceMain} exits with
 * {@value ExitStatus#INCOMPATIBLE_CONTRACT}; the message names what differs.
 */
public class IncompatibleContractException extends RuntimeException {
    public IncompatibleContractException(String message) {
        super(message);
    }

    public IncompatibleContractException(String message, Throwable cause) {
        super(message, cause);
    }
}
