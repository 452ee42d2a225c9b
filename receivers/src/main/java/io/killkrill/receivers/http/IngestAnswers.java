package io.killkrill.receivers.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.killkrill.model.FieldError;
import io.killkrill.model.Json;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;

import java.util.List;
import java.util.Optional;

/**
 * How the ingest stage words its answer, by route: the native {@code {"accepted","rejected","errors"}} body, the
 * Elasticsearch bulk response ({@link EsBulkAnswers}) or OTLP's export response ({@link OtlpAnswers}). The outcome
 * is the ingest stage's in every case; only its shape differs. A refusal of the whole request (auth, limits,
 * backlog) and the replay of an Idempotency-Key's answer are worded here too, so a client reads every answer of
 * its endpoint in its own protocol.
 */
interface IngestAnswers {
    /** What validation made of one item: the event ID it is stored under, or why it was refused. */
    record Verdict(Optional<String> eventId, List<FieldError> errors) {
        static Verdict stored(String eventId) {
            return new Verdict(Optional.of(eventId), List.of());
        }

        static Verdict refused(List<FieldError> errors) {
            return new Verdict(Optional.empty(), List.copyOf(errors));
        }

        /** An {@link IngestItem.Dropped}: neither stored nor refused. */
        static Verdict dropped() {
            return new Verdict(Optional.empty(), List.of());
        }

        boolean isDropped() {
            return eventId.isEmpty() && errors.isEmpty();
        }
    }

    /** The items of one request and their verdicts, in body order. */
    record Verdicts(List<IngestItem> items, List<Verdict> verdicts, long startNanos) {
        long accepted() {
            return verdicts.stream().filter(v -> v.eventId().isPresent()).count();
        }

        /** The items refused: neither stored nor dropped. */
        int refused() {
            return (int) verdicts.stream().filter(v -> v.eventId().isEmpty() && !v.isDropped()).count();
        }
    }

    /** The valid items are stored. */
    Answer stored(Verdicts verdicts);

    /**
     * No item was valid: nothing stored. By default the answer {@link #stored} gives, which then reports every
     * item refused (the Elasticsearch bulk response, OTLP's partial success).
     */
    default Answer noneValid(Verdicts verdicts) {
        return stored(verdicts);
    }

    /** The store refused or could not take the write: nothing stored. By default the request's refusal. */
    default Answer failed(HttpResponseStatus status, Verdicts verdicts, String error) {
        return refusal(status, error);
    }

    /** The whole request refused, nothing stored: {@code message} says why. */
    default Answer refusal(HttpResponseStatus status, String message) {
        return Answer.refusal(status, message);
    }

    /** The body held only {@link IngestItem.Dropped} items (or, on OTLP, no item at all): 200, nothing stored. */
    default Answer nothingToStore(Verdicts verdicts) {
        return Answer.result(HttpResponseStatus.OK, 0, 0, Json.MAPPER.createArrayNode(), null);
    }

    /** The text an answer is kept as under an Idempotency-Key (the stored answer is text). */
    default String storedText(Answer answer) {
        return answer.text();
    }

    /** A kept answer ({@link #storedText}) sent again to a request with the same Idempotency-Key. */
    default Answer replay(int status, String storedText) {
        return Answer.replay(status, storedText);
    }

    /** The answers of a request's route; OTLP's also follow its Content-Type (protobuf or JSON). */
    static IngestAnswers of(HttpExchange exchange) {
        Route route = exchange.route();
        if (route.otlp()) {
            return OtlpAnswers.of(route, exchange.headers().get(HttpHeaderNames.CONTENT_TYPE));
        }
        return route.elasticsearch() ? EsBulkAnswers.INSTANCE : Native.INSTANCE;
    }

    /** {@code {"accepted":N,"rejected":M,"errors":[{"index","field","reason"}]}}: 202, 400, 503, 500. */
    final class Native implements IngestAnswers {
        static final Native INSTANCE = new Native();

        @Override
        public Answer stored(Verdicts verdicts) {
            return Answer.result(HttpResponseStatus.ACCEPTED, (int) verdicts.accepted(), verdicts.refused(),
                    errors(verdicts), null);
        }

        @Override
        public Answer noneValid(Verdicts verdicts) {
            return Answer.result(HttpResponseStatus.BAD_REQUEST, 0, verdicts.refused(), errors(verdicts), null);
        }

        @Override
        public Answer failed(HttpResponseStatus status, Verdicts verdicts, String error) {
            return Answer.result(status, 0, verdicts.verdicts().size(), errors(verdicts), error);
        }

        private static ArrayNode errors(Verdicts verdicts) {
            ArrayNode errors = Json.MAPPER.createArrayNode();
            for (int i = 0; i < verdicts.verdicts().size(); i++) {
                for (FieldError error : verdicts.verdicts().get(i).errors()) {
                    ObjectNode e = errors.addObject();
                    e.put("index", i);
                    e.put("field", error.field());
                    e.put("reason", error.reason());
                }
            }
            return errors;
        }
    }
}
