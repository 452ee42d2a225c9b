package io.killkrill.service;

/** The exit statuses of every KillKrill service (docs/operations.md); {@link ServiceMain} maps failures to them. */
public final class ExitStatus {
    /** Stopped by SIGTERM or SIGINT after finishing (or abandoning, after the grace) what it held. */
    public static final int STOPPED = 0;
    /** Could not start for another reason (a port in use, a store unreachable for the start-up timeout). */
    public static final int START_FAILED = 1;
    /** A setting is missing or invalid; every problem is printed, each naming its variable. */
    public static final int CONFIG_ERROR = 2;
    /** A store's schema or key layout is not the one this version works with ({@link IncompatibleContractException}). */
    public static final int INCOMPATIBLE_CONTRACT = 3;

    private ExitStatus() {
    }
}
