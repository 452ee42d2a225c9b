package io.killkrill.logworker.elasticsearch;

import io.killkrill.model.DeadLetterReason;

import java.util.Objects;
import java.util.Optional;

/**
 * The final result of one document: {@link ItemOutcome.Type#INDEXED} or {@link ItemOutcome.Type#DEAD_LETTER}
 * (never RETRY).
 *
 * @param outcome          the last item outcome Elasticsearch gave
 * @param deadLetterReason why it was given up: INDEX_REJECTED or MAX_RETRIES_EXCEEDED
 * @param attempts         how many bulk requests carried it
 */
public record IndexResult(IndexDocument document, ItemOutcome outcome, Optional<DeadLetterReason> deadLetterReason,
                          int attempts) {
    public IndexResult {
        Objects.requireNonNull(document, "document");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(deadLetterReason, "deadLetterReason");
    }

    public boolean indexed() {
        return deadLetterReason.isEmpty();
    }
}
