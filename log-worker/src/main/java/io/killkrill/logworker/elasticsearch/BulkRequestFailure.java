package io.killkrill.logworker.elasticsearch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.util.Objects;
import java.util.Optional;

/**
 * Elasticsearch answered a whole bulk request with an error status, and what that means for the documents in it
 * ({@link #kind()}): the one place that decides which whole-request answers are an outage, which are
 * backpressure and which say the request itself cannot be taken.
 */
public final class BulkRequestFailure extends IOException {
    private static final ObjectMapper JSON = new ObjectMapper();

    public enum Kind {
        /**
         * Elasticsearch cannot take anything now, whatever we send: 5xx, 408, and 401/403/407 (credentials or
         * privileges: a configuration problem, not the documents'). Retried without limit, nothing final.
         */
        OUTAGE,
        /** 429 or a {@code cluster_block_exception} (read-only, flood-stage disk): retried up to the deadline. */
        BACKPRESSURE,
        /** Any other 4xx (413 too large, 400): this request cannot be taken; split it, a lone document is refused. */
        REFUSED
    }

    private final int status;
    private final Optional<ItemOutcome.ItemError> error;

    public BulkRequestFailure(int status, Optional<ItemOutcome.ItemError> error) {
        super("Elasticsearch answered the bulk request " + status
                + error.map(e -> " " + e.type() + ": " + e.reason()).orElse(""));
        this.status = status;
        this.error = Objects.requireNonNull(error, "error");
    }

    /** From an error answer's status and body ({@code {"error":{"type":..,"reason":..},"status":..}}, or none). */
    public static BulkRequestFailure of(int status, String reasonPhrase, byte[] body) {
        Optional<ItemOutcome.ItemError> error = Optional.empty();
        try {
            JsonNode node = JSON.readTree(body).path("error");
            if (node.isObject()) {
                error = Optional.of(new ItemOutcome.ItemError(node.path("type").asText("unknown"),
                        node.path("reason").asText("")));
            } else if (node.isTextual()) {
                error = Optional.of(new ItemOutcome.ItemError("unknown", node.asText()));
            }
        } catch (IOException | RuntimeException e) {
            // not JSON: a proxy's or Netty's own answer (a 413 from Elasticsearch's HTTP layer has no body)
        }
        if (error.isEmpty()) {
            error = Optional.of(new ItemOutcome.ItemError("http_" + status,
                    reasonPhrase == null || reasonPhrase.isBlank() ? "HTTP " + status : reasonPhrase));
        }
        return new BulkRequestFailure(status, error);
    }

    public int status() {
        return status;
    }

    public Optional<ItemOutcome.ItemError> error() {
        return error;
    }

    public Kind kind() {
        if (status == 429 || error.map(e -> ItemOutcome.CLUSTER_BLOCK.equals(e.type())).orElse(false)) {
            return Kind.BACKPRESSURE;
        }
        if (status >= 500 || status == 408 || status == 401 || status == 403 || status == 407 || status < 400) {
            return Kind.OUTAGE;
        }
        return Kind.REFUSED;
    }
}
