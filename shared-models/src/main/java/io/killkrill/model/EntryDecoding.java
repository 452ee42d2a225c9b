package io.killkrill.model;

import java.util.Objects;

/** The outcome of decoding one stream entry: the event, or why it cannot be processed. */
public sealed interface EntryDecoding<T> {

    record Decoded<T>(T value) implements EntryDecoding<T> {
        public Decoded {
            Objects.requireNonNull(value, "value");
        }
    }

    /**
     * @param reason  machine-readable, goes to the dead-letter record
     * @param message human-readable, names every offending field
     */
    record Undecodable<T>(DeadLetterReason reason, String message) implements EntryDecoding<T> {
        public Undecodable {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(message, "message");
        }
    }
}
