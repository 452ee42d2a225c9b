package io.killkrill.stream;

import io.killkrill.model.DeadLetter;

import java.util.Objects;

/**
 * The final fate of one stream entry, as a {@link StreamSink} decided it. Only entries with a fate are
 * acknowledged; a dead-lettered entry is acknowledged in the same atomic step that writes its dead letter.
 */
public sealed interface EntryFate {
    String entryId();

    /** The sink holds the entry for good (indexed, stored). */
    record Completed(String entryId) implements EntryFate {
        public Completed {
            Objects.requireNonNull(entryId, "entryId");
        }
    }

    /** The entry cannot be processed; {@code letter} goes to the dead-letter stream. */
    record DeadLettered(String entryId, DeadLetter letter) implements EntryFate {
        public DeadLettered {
            Objects.requireNonNull(entryId, "entryId");
            Objects.requireNonNull(letter, "letter");
        }
    }
}
