package io.killkrill.logworker.elasticsearch;

import co.elastic.clients.elasticsearch.core.bulk.BulkResponseItem;
import co.elastic.clients.elasticsearch.core.bulk.OperationType;

import java.util.Objects;
import java.util.Optional;

/**
 * What one item of a bulk response means for its document.
 *
 * @param status HTTP status of the item
 * @param error  Elasticsearch's error type and reason, when the item failed
 */
public record ItemOutcome(Type type, int status, Optional<ItemError> error) {
    /** Elasticsearch's error type for an index or cluster block; its status depends on the block. */
    public static final String CLUSTER_BLOCK = "cluster_block_exception";

    public enum Type {
        /** In the index, now or from an earlier delivery: final. */
        INDEXED,
        /**
         * Backpressure, not a bad document: 429, 5xx, or a {@code cluster_block_exception} (flood-stage disk
         * watermark: 429; read-only index: 403). Send it again, with backoff, up to the retry deadline.
         */
        RETRY,
        /** Refused for good (mapping or parsing error, other 4xx): final. */
        DEAD_LETTER
    }

    /** Elasticsearch's {@code error.type} and {@code error.reason} of an item. */
    public record ItemError(String type, String reason) {
        public ItemError {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(reason, "reason");
        }
    }

    public ItemOutcome {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(error, "error");
    }

    /**
     * Classifies one bulk response item. A {@code create} answered 409 means the document is already indexed
     * under its event ID, by an earlier delivery of the same entry: that is success, and why redelivery never
     * duplicates.
     */
    public static ItemOutcome of(BulkResponseItem item) {
        int status = item.status();
        Optional<ItemError> error = Optional.ofNullable(item.error())
                .map(e -> new ItemError(Objects.requireNonNullElse(e.type(), "unknown"),
                        Objects.requireNonNullElse(e.reason(), "")));
        if (error.isEmpty() && status >= 200 && status < 300) {
            return new ItemOutcome(Type.INDEXED, status, error);
        }
        if (status == 409 && item.operationType() == OperationType.Create) {
            return new ItemOutcome(Type.INDEXED, status, error);
        }
        if (status == 429 || status >= 500 || error.map(e -> CLUSTER_BLOCK.equals(e.type())).orElse(false)) {
            return new ItemOutcome(Type.RETRY, status, error);
        }
        return new ItemOutcome(Type.DEAD_LETTER, status, error);
    }
}
