package io.killkrill.receivers.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.killkrill.model.FieldError;

import java.util.List;

/**
 * One item of a request body: a JSON value to validate, the reason it could not even be read, or something the
 * protocol sends that is, by definition, no sample to store (counted, never silently lost).
 */
sealed interface IngestItem {
    record Parsed(JsonNode node) implements IngestItem {
    }

    record Unreadable(List<FieldError> errors) implements IngestItem {
    }

    /** Not stored and not an error: counted as {@code killkrill_rejected_total{reason}} with its reason's tag. */
    record Dropped(DropReason reason) implements IngestItem {
    }

    /** The closed set of reasons (meter tags) for {@link Dropped}. */
    enum DropReason {
        /** A Prometheus staleness marker: the series ended; no value to store. */
        STALE_MARKER("stale_marker"),
        /** A remote_write or OTLP exemplar (a sampled measurement with trace context): no place in the contract. */
        EXEMPLAR("exemplar"),
        /** Remote_write metric metadata (type, help, unit of a family). */
        METADATA("metadata"),
        /** An OTLP data point flagged {@code FLAG_NO_RECORDED_VALUE}: OTLP's staleness marker, no value to store. */
        NO_RECORDED_VALUE("no_recorded_value");

        private final String tag;

        DropReason(String tag) {
            this.tag = tag;
        }

        String tag() {
            return tag;
        }
    }
}
