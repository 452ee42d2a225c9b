package io.killkrill.receivers.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.killkrill.model.FieldError;
import io.killkrill.model.Json;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsPartialSuccess;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsPartialSuccess;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import io.netty.handler.codec.http.HttpResponseStatus;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * OTLP/HTTP's answers, in the request's encoding (protobuf for {@code application/x-protobuf}, else OTLP JSON), as
 * the specification's "OTLP/HTTP Response" section prescribes: 200 with an {@code ExportLogsServiceResponse} /
 * {@code ExportMetricsServiceResponse} once the valid items are stored, its {@code partial_success} set when
 * something was refused ({@code rejected_log_records} / {@code rejected_data_points}, and an
 * {@code error_message} naming the first reasons; the exporter does not retry these, and should not); every
 * refusal of the whole request (400 unparseable, 401/403 API key, 413, 415, 429/503 with Retry-After, which the
 * exporters retry) with a {@code google.rpc.Status} body whose {@code message} says why.
 *
 * <p>{@code google.rpc.Status} is written here (fields 1 {@code code} and 2 {@code message}) rather than taken from
 * {@code proto-google-common-protos}: two fields do not warrant a dependency.
 */
final class OtlpAnswers implements IngestAnswers {
    /** How many distinct reasons {@code error_message} names. */
    static final int REASONS_NAMED = 3;

    private static final JsonFormat.Printer PRINTER = JsonFormat.printer().omittingInsignificantWhitespace();
    private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();

    private final boolean logs;
    private final boolean protobuf;

    private OtlpAnswers(boolean logs, boolean protobuf) {
        this.logs = logs;
        this.protobuf = protobuf;
    }

    /** The answers to a request on an OTLP route with this Content-Type. */
    static OtlpAnswers of(Route route, String contentType) {
        boolean protobuf = contentType != null
                && contentType.split(";")[0].trim().toLowerCase(Locale.ROOT).equals(OtlpDecoder.PROTOBUF);
        return new OtlpAnswers(route == Route.OTLP_LOGS, protobuf);
    }

    String contentType() {
        return protobuf ? OtlpDecoder.PROTOBUF : Answer.JSON;
    }

    /** Also when no item was valid ({@link #noneValid}): 200, every record or point rejected, none to retry. */
    @Override
    public Answer stored(Verdicts verdicts) {
        return export(verdicts);
    }

    @Override
    public Answer nothingToStore(Verdicts verdicts) {
        return export(verdicts);
    }

    @Override
    public Answer refusal(HttpResponseStatus status, String message) {
        int code = grpcCode(status);
        if (!protobuf) {
            ObjectNode body = Json.MAPPER.createObjectNode();
            body.put("code", code);
            body.put("message", message);
            return Answer.of(status, Json.write(body), Answer.JSON);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            CodedOutputStream out = CodedOutputStream.newInstance(bytes);
            out.writeInt32(1, code);
            out.writeString(2, message);
            out.flush();
        } catch (IOException e) {
            throw new IllegalStateException("writing to memory cannot fail", e);
        }
        return Answer.of(status, bytes.toByteArray(), OtlpDecoder.PROTOBUF);
    }

    /** Kept as OTLP JSON whatever the request's encoding, so a replay can answer in either. */
    @Override
    public String storedText(Answer answer) {
        if (!protobuf) {
            return answer.text();
        }
        try {
            Message.Builder response = emptyResponse();
            response.mergeFrom(answer.body());
            return PRINTER.print(response);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("an answer written here is an export response", e);
        }
    }

    @Override
    public Answer replay(int status, String storedText) {
        Message.Builder response = emptyResponse();
        try {
            PARSER.merge(storedText, response);
        } catch (InvalidProtocolBufferException e) {
            // not an export response (kept by another route under a shared key): sent again as kept
            return Answer.replay(status, storedText);
        }
        return encode(HttpResponseStatus.valueOf(status), response.build()).asReplay();
    }

    private Answer export(Verdicts verdicts) {
        int refused = verdicts.items() instanceof OtlpDecoder.Request request
                ? request.refusedOrigins(verdicts.verdicts()) : verdicts.refused();
        String reasons = reasons(verdicts);
        Message response;
        if (logs) {
            ExportLogsServiceResponse.Builder builder = ExportLogsServiceResponse.newBuilder();
            if (refused > 0) {
                builder.setPartialSuccess(ExportLogsPartialSuccess.newBuilder().setRejectedLogRecords(refused)
                        .setErrorMessage(reasons));
            }
            response = builder.build();
        } else {
            ExportMetricsServiceResponse.Builder builder = ExportMetricsServiceResponse.newBuilder();
            if (refused > 0) {
                builder.setPartialSuccess(ExportMetricsPartialSuccess.newBuilder().setRejectedDataPoints(refused)
                        .setErrorMessage(reasons));
            }
            response = builder.build();
        }
        return encode(HttpResponseStatus.OK, response);
    }

    private Answer encode(HttpResponseStatus status, Message response) {
        if (protobuf) {
            return Answer.of(status, response.toByteArray(), OtlpDecoder.PROTOBUF);
        }
        try {
            return Answer.of(status, PRINTER.print(response), Answer.JSON);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("an export response prints as JSON", e);
        }
    }

    private Message.Builder emptyResponse() {
        return logs ? ExportLogsServiceResponse.newBuilder() : ExportMetricsServiceResponse.newBuilder();
    }

    /** The first {@link #REASONS_NAMED} distinct reasons, each with the item it was first given for. */
    private String reasons(Verdicts verdicts) {
        Set<String> seen = new LinkedHashSet<>();
        StringBuilder text = new StringBuilder();
        String what = logs ? "log record" : "sample";
        for (int i = 0; i < verdicts.verdicts().size() && seen.size() < REASONS_NAMED; i++) {
            List<FieldError> errors = verdicts.verdicts().get(i).errors();
            String reason = errors.stream().map(e -> e.field().isEmpty() ? e.reason() : e.field() + " " + e.reason())
                    .collect(Collectors.joining(", "));
            if (!reason.isEmpty() && seen.add(reason)) {
                text.append(text.isEmpty() ? "" : "; ").append(what).append(' ').append(i).append(": ")
                        .append(reason);
            }
        }
        return text.toString();
    }

    /** The gRPC status code an HTTP status stands for (OTLP's HTTP-gRPC correspondence). */
    static int grpcCode(HttpResponseStatus status) {
        return switch (status.code()) {
            case 400, 415, 417 -> 3;  // INVALID_ARGUMENT
            case 401 -> 16;           // UNAUTHENTICATED
            case 403 -> 7;            // PERMISSION_DENIED
            case 404 -> 5;            // NOT_FOUND
            case 405 -> 12;           // UNIMPLEMENTED
            case 408 -> 4;            // DEADLINE_EXCEEDED
            case 409 -> 10;           // ABORTED
            case 413, 429 -> 8;       // RESOURCE_EXHAUSTED
            case 503 -> 14;           // UNAVAILABLE
            case 500 -> 13;           // INTERNAL
            default -> 2;             // UNKNOWN
        };
    }
}
