package io.killkrill.model;

import java.util.Objects;

/**
 * One reason an input was refused.
 *
 * @param field  the JSON path of the offending field ({@code message}, {@code labels.env}); empty for the whole item
 * @param reason what the field must be, in words a client can act on
 */
public record FieldError(String field, String reason) {
    public FieldError {
        Objects.requireNonNull(field, "field");
        Objects.requireNonNull(reason, "reason");
    }

    @Override
    public String toString() {
        return field.isEmpty() ? reason : field + ": " + reason;
    }
}
