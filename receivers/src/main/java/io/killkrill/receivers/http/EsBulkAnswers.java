package io.killkrill.receivers.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.killkrill.model.FieldError;
import io.killkrill.model.Json;
import io.netty.handler.codec.http.HttpResponseStatus;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The Elasticsearch bulk response: HTTP 200 once the valid documents are stored (or when none was valid, nothing
 * stored), with one item per action in body order, {@code {"<action>":{"_index","_id","status",...}}}: 201 and the
 * event ID as {@code _id} for a stored document, 400 with {@code error.type} {@code mapper_parsing_exception} (the
 * contract refused the document, the reason names the fields) or {@code illegal_argument_exception} (a
 * {@code delete}/{@code update}) for a refused one. A shipper re-sends exactly the items whose status it retries and
 * drops the 400s. A request refused as a whole (Redis unavailable, backlog, auth, a malformed body...) gets its
 * status and the Elasticsearch error body ({@link #refusal}); nothing of it was stored.
 */
final class EsBulkAnswers implements IngestAnswers {
    static final EsBulkAnswers INSTANCE = new EsBulkAnswers();
    /** The {@code _index} answered for an action that named none (neither in its line nor in the path). */
    static final String DEFAULT_INDEX = "killkrill";

    private EsBulkAnswers() {
    }

    @Override
    public Answer stored(Verdicts verdicts) {
        return items(verdicts);
    }

    @Override
    public Answer refusal(HttpResponseStatus status, String reason) {
        return refusalOf(status, reason);
    }

    private static Answer items(Verdicts verdicts) {
        List<EsBulkDecoder.Action> actions = verdicts.items() instanceof EsBulkDecoder.Request request
                ? request.actions() : List.of();
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("took", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - verdicts.startNanos()));
        body.put("errors", verdicts.accepted() < verdicts.verdicts().size());
        ArrayNode items = body.putArray("items");
        for (int i = 0; i < verdicts.verdicts().size(); i++) {
            Verdict verdict = verdicts.verdicts().get(i);
            Optional<EsBulkDecoder.Action> action = i < actions.size() ? Optional.of(actions.get(i)) : Optional.empty();
            ObjectNode item = items.addObject()
                    .putObject(action.map(EsBulkDecoder.Action::name).orElse("index"));
            item.put("_index", action.flatMap(EsBulkDecoder.Action::index).orElse(DEFAULT_INDEX));
            if (verdict.eventId().isPresent()) {
                item.put("_id", verdict.eventId().get());
                item.put("_version", 1);
                item.put("result", "created");
                item.put("status", HttpResponseStatus.CREATED.code());
            } else {
                item.put("_id", action.flatMap(EsBulkDecoder.Action::id).orElse(null));
                item.put("status", HttpResponseStatus.BAD_REQUEST.code());
                boolean unsupported = action.isPresent() && !action.get().supported();
                item.set("error", error(unsupported ? "illegal_argument_exception" : "mapper_parsing_exception",
                        reason(verdict.errors())));
            }
        }
        return Answer.of(HttpResponseStatus.OK, Json.write(body), Answer.JSON);
    }

    /**
     * A request refused as a whole, as Elasticsearch words it:
     * {@code {"error":{"type","reason","root_cause"},"status"}}.
     */
    static Answer refusalOf(HttpResponseStatus status, String reason) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        ObjectNode error = error(type(status), reason);
        ObjectNode rootCause = error.deepCopy();
        error.putArray("root_cause").add(rootCause);
        body.set("error", error);
        body.put("status", status.code());
        return Answer.of(status, Json.write(body), Answer.JSON);
    }

    private static ObjectNode error(String type, String reason) {
        ObjectNode error = Json.MAPPER.createObjectNode();
        error.put("type", type);
        error.put("reason", reason);
        return error;
    }

    private static String reason(List<FieldError> errors) {
        return errors.stream().map(e -> e.field().isEmpty() ? e.reason() : e.field() + " " + e.reason())
                .collect(Collectors.joining("; "));
    }

    /** Elasticsearch's error type for a status, so a client's log reads as it would against Elasticsearch. */
    private static String type(HttpResponseStatus status) {
        return switch (status.code()) {
            case 400 -> "parse_exception";
            case 401 -> "security_exception";
            case 404, 405 -> "illegal_argument_exception";
            case 413 -> "content_too_long_exception";
            case 415 -> "media_type_header_exception";
            case 429 -> "es_rejected_execution_exception";
            case 503 -> "unavailable_shards_exception";
            default -> "exception";
        };
    }
}
