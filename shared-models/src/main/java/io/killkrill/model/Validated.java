package io.killkrill.model;

import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * The outcome of decoding one item: a value, or every field error found (never just the first).
 */
public sealed interface Validated<T> {

    record Valid<T>(T value) implements Validated<T> {
        public Valid {
            Objects.requireNonNull(value, "value");
        }
    }

    record Invalid<T>(List<FieldError> errors) implements Validated<T> {
        public Invalid {
            errors = List.copyOf(errors);
            if (errors.isEmpty()) {
                throw new IllegalArgumentException("an invalid item has at least one error");
            }
        }

        /** All errors in one line, for dead-letter messages and logs. */
        public String summary() {
            return errors.stream().map(FieldError::toString).collect(Collectors.joining("; "));
        }
    }

    static <T> Validated<T> valid(T value) {
        return new Valid<>(value);
    }

    static <T> Validated<T> invalid(List<FieldError> errors) {
        return new Invalid<>(errors);
    }

    default boolean isValid() {
        return this instanceof Valid;
    }
}
