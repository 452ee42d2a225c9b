package io.killkrill.receivers.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.killkrill.model.FieldError;

import java.util.List;

/** One item of a request body: a JSON value to validate, or the reason it could not even be read. */
sealed interface IngestItem {
    record Parsed(JsonNode node) implements IngestItem {
    }

    record Unreadable(List<FieldError> errors) implements IngestItem {
    }
}
