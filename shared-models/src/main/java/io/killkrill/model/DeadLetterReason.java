package io.killkrill.model;

import java.util.Locale;
import java.util.Optional;

/**
 * Every machine-readable reason KillKrill dead-letters an entry for. docs/contract.md lists them all and the
 * integration suite produces each one.
 */
public enum DeadLetterReason {
    /** A stream entry whose {@code schema_version} this build does not read. */
    UNSUPPORTED_SCHEMA_VERSION("the entry was written under another contract version"),
    /** A stream entry whose {@code data} is not a JSON object. */
    INVALID_JSON("the entry's data is not a JSON object"),
    /** A stream entry whose event breaks a contract rule (missing or malformed field). */
    INVALID_EVENT("the event breaks a contract rule; the message names each field"),
    /** A syslog message that is neither valid RFC 5424 nor RFC 3164. */
    SYSLOG_PARSE_ERROR("a syslog message could not be parsed; the raw bytes are kept"),
    /** A syslog message longer than the configured maximum. */
    MESSAGE_TOO_LARGE("a syslog message exceeded the maximum message size"),
    /** Elasticsearch rejected the document for good (mapping or parsing error, other 4xx). */
    INDEX_REJECTED("Elasticsearch refused the document; details carry its error type and reason"),
    /** A retryable failure that persisted past the retry budget. */
    MAX_RETRIES_EXCEEDED("a retryable failure outlasted the retry attempts or deadline"),
    /** An entry delivered to a worker's sink KILLKRILL_MAX_DELIVERIES times without ever being settled. */
    MAX_DELIVERIES_EXCEEDED("the entry was delivered KILLKRILL_MAX_DELIVERIES times and never settled"),
    /** PostgreSQL refused a metric sample for good (a data or constraint error), found by bisecting its batch. */
    PERSIST_REJECTED("PostgreSQL refused the sample for good; details carry its SQLSTATE and message"),
    /** A metric sample older than the lateness limit. */
    TOO_LATE("a metric sample arrived later than KILLKRILL_METRICS_WORKER_MAX_LATENESS allows"),
    /** A metric sample whose label set would exceed the series limit of its metric name. */
    CARDINALITY_LIMIT("the metric already has KILLKRILL_METRICS_WORKER_MAX_SERIES_PER_METRIC label sets");

    private final String description;

    DeadLetterReason(String description) {
        this.description = description;
    }

    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }

    public String description() {
        return description;
    }

    public static Optional<DeadLetterReason> parse(String code) {
        for (DeadLetterReason reason : values()) {
            if (reason.code().equals(code)) {
                return Optional.of(reason);
            }
        }
        return Optional.empty();
    }
}
