package io.killkrill.model;

import java.util.Locale;

/** The pipeline stage at which an entry failed; every failure log and dead letter names one. */
public enum Stage {
    /** Receiver: turning bytes into an event (syslog parsing, size limits). */
    DECODE,
    /** Receiver: writing to Redis. */
    ENQUEUE,
    /** Worker: reading a stream entry back into an event. */
    VALIDATE,
    /** log-worker: the Elasticsearch bulk request. */
    BULK_INDEX,
    /** metrics-worker: assigning a sample to a window and series. */
    AGGREGATE,
    /** metrics-worker: the PostgreSQL transaction. */
    PERSIST,
    /** Worker: XACK. */
    ACK;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Stage parse(String text) {
        return valueOf(text.toUpperCase(Locale.ROOT));
    }
}
