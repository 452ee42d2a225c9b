package io.killkrill.receivers.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.killkrill.model.Json;
import io.netty.handler.codec.http.HttpResponseStatus;

import java.nio.charset.StandardCharsets;

/**
 * The answer to one request, before it becomes an HTTP response ({@link ResponseWriter}). {@code close} asks for
 * the connection to be closed after it (the rest of the request cannot be read safely); {@code replayed} marks the
 * stored answer to an earlier request with the same Idempotency-Key. 409, 429 and 503 always carry
 * {@code Retry-After}. The body is bytes: OTLP answers a protobuf request in protobuf.
 */
record Answer(HttpResponseStatus status, byte[] body, String contentType, boolean close, boolean replayed) {
    static final String JSON = "application/json";

    static Answer of(HttpResponseStatus status, String body, String contentType) {
        return of(status, body.getBytes(StandardCharsets.UTF_8), contentType);
    }

    static Answer of(HttpResponseStatus status, byte[] body, String contentType) {
        return new Answer(status, body, contentType, false, false);
    }

    /** The body as text (every answer but OTLP's protobuf one is UTF-8 text). */
    String text() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /** {@code {"accepted":N,"rejected":M,"errors":[...]}}, plus {@code "error"} when the request was refused. */
    static Answer result(HttpResponseStatus status, int accepted, int rejected, ArrayNode errors, String error) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("accepted", accepted);
        body.put("rejected", rejected);
        body.set("errors", errors);
        if (error != null) {
            body.put("error", error);
        }
        return of(status, Json.write(body), JSON);
    }

    /** The whole request refused: nothing accepted, {@code error} says why. */
    static Answer refusal(HttpResponseStatus status, String error) {
        return result(status, 0, 0, Json.MAPPER.createArrayNode(), error);
    }

    Answer closing() {
        return new Answer(status, body, contentType, true, replayed);
    }

    /** The answer an earlier request with the same Idempotency-Key got, sent again ({@code Idempotent-Replayed}). */
    static Answer replay(int status, String body) {
        return Answer.of(HttpResponseStatus.valueOf(status), body, JSON).asReplay();
    }

    Answer asReplay() {
        return new Answer(status, body, contentType, close, true);
    }

    boolean retryAfter() {
        return status.equals(HttpResponseStatus.SERVICE_UNAVAILABLE)
                || status.equals(HttpResponseStatus.TOO_MANY_REQUESTS) || status.equals(HttpResponseStatus.CONFLICT);
    }
}
