package io.killkrill.receivers.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.killkrill.model.FieldError;
import io.killkrill.model.IngestContext;
import io.killkrill.model.Json;
import io.killkrill.model.LogEvent;
import io.killkrill.model.LogEventCodec;
import io.killkrill.model.MetricSample;
import io.killkrill.model.MetricSampleCodec;
import io.killkrill.model.Source;
import io.killkrill.model.Validated;
import io.killkrill.receivers.ReceiverMetrics;
import io.killkrill.receivers.enqueue.BacklogMonitor;
import io.killkrill.receivers.enqueue.RedisUnavailableException;
import io.killkrill.receivers.enqueue.StreamWriter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletionException;

/**
 * One HTTP connection: routes, checks auth and limits before reading the body, accumulates the body with a hard
 * cap (no aggregator, so an oversized body is refused as soon as it passes the cap), then decodes, validates and
 * hands the valid items to the {@link StreamWriter}; answers 202 only once Redis confirmed them.
 */
final class HttpIngestHandler extends SimpleChannelInboundHandler<HttpObject> {
    private static final Logger LOG = LoggerFactory.getLogger(HttpIngestHandler.class);
    static final String LOGS_PATH = "/api/v1/logs";
    static final String METRICS_PATH = "/api/v1/metrics";
    static final int RETRY_AFTER_SECONDS = 5;
    private static final long MAX_DISCARDED_BYTES = 256L * 1024 * 1024;

    private final HttpSettings settings;
    private final StreamWriter writer;
    private final BacklogMonitor backlog;
    private final ReceiverMetrics metrics;
    private final ApiKeys apiKeys;

    private Request current;
    private boolean discarding;
    /** After a refusal sent while the body was still coming: read the rest (discarding it), then close. */
    private boolean closeWhenBodyEnds;
    private long discarded;
    private boolean bodyComplete = true;

    private record Request(String path, String kind, String stream, String mediaType, boolean gzip,
                           boolean keepAlive, long startNanos, ByteArrayOutputStream body) {
    }

    HttpIngestHandler(HttpSettings settings, StreamWriter writer, BacklogMonitor backlog, ReceiverMetrics metrics,
                      ApiKeys apiKeys) {
        this.settings = settings;
        this.writer = writer;
        this.backlog = backlog;
        this.metrics = metrics;
        this.apiKeys = apiKeys;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
        if (msg instanceof HttpRequest request) {
            discarding = false;
            closeWhenBodyEnds = false;
            discarded = 0;
            current = null;
            bodyComplete = false;
            start(ctx, request);
        }
        if (msg instanceof HttpContent content) {
            if (msg instanceof LastHttpContent) {
                bodyComplete = true;
            }
            if (discarding || current == null) {
                discarded += content.content().readableBytes();
                // the client gets to finish sending so it can read the answer; past a bound, cut it off
                if (closeWhenBodyEnds && (msg instanceof LastHttpContent || discarded > MAX_DISCARDED_BYTES)) {
                    ctx.close();
                }
                return;
            }
            ByteBuf data = content.content();
            if (current.body().size() + (long) data.readableBytes() > settings.maxBodyBytes()) {
                refuse(ctx, current.path(), current.kind(), HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "too_large",
                        "the body exceeds " + settings.maxBodyBytes() + " bytes", false, current.startNanos());
                return;
            }
            byte[] chunk = new byte[data.readableBytes()];
            data.readBytes(chunk);
            current.body().write(chunk, 0, chunk.length);
            if (msg instanceof LastHttpContent) {
                Request complete = current;
                current = null;
                finish(ctx, complete);
            }
        }
    }

    private void start(ChannelHandlerContext ctx, HttpRequest request) {
        long startNanos = System.nanoTime();
        String path = new QueryStringDecoder(request.uri()).path();
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        if (request.decoderResult().isFailure()) {
            refuse(ctx, path, "none", HttpResponseStatus.BAD_REQUEST, "malformed_request",
                    "the HTTP request cannot be decoded", false, startNanos);
            return;
        }
        switch (path) {
            case "/health/live" -> {
                respondSimple(ctx, request, HttpResponseStatus.OK, "{\"status\":\"live\"}", "application/json",
                        keepAlive, path, startNanos);
                return;
            }
            case "/health/ready" -> {
                boolean ready = writer.redisAvailable();
                respondSimple(ctx, request, ready ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
                        ready ? "{\"status\":\"ready\"}" : "{\"status\":\"not ready\",\"reason\":\"Redis does not answer\"}",
                        "application/json", keepAlive, path, startNanos);
                return;
            }
            case "/metrics" -> {
                respondSimple(ctx, request, HttpResponseStatus.OK, metrics.scrape(),
                        "text/plain; version=0.0.4; charset=utf-8", keepAlive, path, startNanos);
                return;
            }
            case LOGS_PATH, METRICS_PATH -> {
            }
            default -> {
                respondSimple(ctx, request, HttpResponseStatus.NOT_FOUND, errorBody("no such endpoint: " + path),
                        "application/json", keepAlive, "other", startNanos);
                return;
            }
        }
        String kind = path.equals(LOGS_PATH) ? "logs" : "metrics";
        if (!request.method().equals(HttpMethod.POST)) {
            refuse(ctx, path, kind, HttpResponseStatus.METHOD_NOT_ALLOWED, "method_not_allowed",
                    "use POST", keepAlive, startNanos);
            return;
        }
        if (!apiKeys.permits(request.headers())) {
            refuse(ctx, path, kind, HttpResponseStatus.UNAUTHORIZED, "unauthorized",
                    "a valid API key is required: 'Authorization: Bearer <key>' or 'X-API-Key: <key>'", false,
                    startNanos);
            return;
        }
        String mediaType = Optional.ofNullable(request.headers().get(HttpHeaderNames.CONTENT_TYPE))
                .map(t -> t.split(";")[0].trim().toLowerCase(Locale.ROOT)).orElse("application/json");
        boolean supported = mediaType.equals("application/json") || mediaType.equals("application/x-ndjson")
                || mediaType.equals("text/plain") && kind.equals("metrics");
        if (!supported) {
            refuse(ctx, path, kind, HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type",
                    "Content-Type " + mediaType + " is not supported here: use application/json, "
                            + "application/x-ndjson" + (kind.equals("metrics") ? " or text/plain; version=0.0.4" : ""),
                    false, startNanos);
            return;
        }
        String encoding = Optional.ofNullable(request.headers().get(HttpHeaderNames.CONTENT_ENCODING))
                .map(e -> e.trim().toLowerCase(Locale.ROOT)).orElse("identity");
        if (!encoding.equals("identity") && !encoding.equals("gzip")) {
            refuse(ctx, path, kind, HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type",
                    "Content-Encoding " + encoding + " is not supported: use gzip or none", false, startNanos);
            return;
        }
        long declared = HttpUtil.getContentLength(request, -1L);
        if (declared > settings.maxBodyBytes()) {
            refuse(ctx, path, kind, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "too_large",
                    "the body (" + declared + " bytes) exceeds " + settings.maxBodyBytes() + " bytes", false,
                    startNanos);
            return;
        }
        String stream = kind.equals("logs") ? settings.logsStream() : settings.metricsStream();
        if (!writer.redisAvailable()) {
            refuse(ctx, path, kind, HttpResponseStatus.SERVICE_UNAVAILABLE, "redis_unavailable",
                    "Redis is unavailable; nothing was accepted, retry later", false, startNanos);
            return;
        }
        if (backlog.overLimit(stream)) {
            refuse(ctx, path, kind, HttpResponseStatus.TOO_MANY_REQUESTS, "backlog",
                    "the backlog of " + stream + " (" + backlog.backlog(stream) + " entries) is over the limit; "
                            + "nothing was accepted, retry later", false, startNanos);
            return;
        }
        int initial = (int) Math.min(Math.max(declared, 256), settings.maxBodyBytes());
        current = new Request(path, kind, stream, mediaType, encoding.equals("gzip"), keepAlive, startNanos,
                new ByteArrayOutputStream(initial));
    }

    private void finish(ChannelHandlerContext ctx, Request request) {
        byte[] body = request.body().toByteArray();
        List<IngestItem> items;
        try {
            if (request.gzip()) {
                body = BoundedGunzip.inflate(body, settings.maxBodyBytes());
            }
            items = switch (request.mediaType()) {
                case "application/x-ndjson" -> JsonBodyParser.ndjson(body, settings.maxItems());
                case "text/plain" -> PrometheusTextParser.parse(body, settings.maxItems());
                default -> JsonBodyParser.json(body, settings.maxItems());
            };
        } catch (BodyTooLargeException e) {
            refuse(ctx, request.path(), request.kind(), HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "too_large",
                    e.getMessage(), request.keepAlive(), request.startNanos());
            return;
        } catch (MalformedBodyException e) {
            refuse(ctx, request.path(), request.kind(), HttpResponseStatus.BAD_REQUEST, "malformed_body",
                    e.getMessage(), request.keepAlive(), request.startNanos());
            return;
        }
        metrics.received("http", request.kind(), items.size());
        String peer = peer(ctx.channel().remoteAddress());
        Source source = Source.http(peer);
        List<StreamWriter.Entry> entries = new ArrayList<>(items.size());
        ArrayNode errors = Json.MAPPER.createArrayNode();
        int rejected = 0;
        for (int i = 0; i < items.size(); i++) {
            IngestItem item = items.get(i);
            List<FieldError> itemErrors = item instanceof IngestItem.Parsed parsed
                    ? validate(parsed, request, source, entries) : ((IngestItem.Unreadable) item).errors();
            if (!itemErrors.isEmpty()) {
                rejected++;
                for (FieldError error : itemErrors) {
                    ObjectNode e = errors.addObject();
                    e.put("index", i);
                    e.put("field", error.field());
                    e.put("reason", error.reason());
                }
            }
        }
        metrics.rejected("http", request.kind(), "invalid_item", rejected);
        int accepted = entries.size();
        int rejectedCount = rejected;
        if (items.isEmpty()) {
            refuse(ctx, request.path(), request.kind(), HttpResponseStatus.BAD_REQUEST, "malformed_body",
                    "the body holds no items", request.keepAlive(), request.startNanos());
            return;
        }
        if (accepted == 0) {
            respond(ctx, HttpResponseStatus.BAD_REQUEST, result(0, rejectedCount, errors, null), request.keepAlive(),
                    request.path(), request.startNanos(), false);
            return;
        }
        // one request at a time per connection, so answers keep the order of requests
        ctx.channel().config().setAutoRead(false);
        writer.write(entries, StreamWriter.Delivery.FAIL_FAST).whenComplete((ok, failure) ->
                ctx.executor().execute(() -> {
                    ctx.channel().config().setAutoRead(true);
                    if (failure == null) {
                        metrics.accepted("http", request.kind(), accepted);
                        respond(ctx, HttpResponseStatus.ACCEPTED, result(accepted, rejectedCount, errors, null),
                                request.keepAlive(), request.path(), request.startNanos(), false);
                        return;
                    }
                    Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                            ? failure.getCause() : failure;
                    if (cause instanceof RedisUnavailableException) {
                        metrics.rejected("http", request.kind(), "redis_unavailable", accepted);
                        respond(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, result(0, rejectedCount + accepted,
                                errors, cause.getMessage() + "; nothing was accepted, retry later"),
                                request.keepAlive(), request.path(), request.startNanos(), true);
                    } else {
                        LOG.error("stage=enqueue Redis refused the entries of a request: {}", cause.toString());
                        metrics.rejected("http", request.kind(), "redis_error", accepted);
                        respond(ctx, HttpResponseStatus.INTERNAL_SERVER_ERROR, result(0, rejectedCount + accepted,
                                errors, "Redis refused the write: " + cause.getMessage()),
                                request.keepAlive(), request.path(), request.startNanos(), false);
                    }
                }));
    }

    private List<FieldError> validate(IngestItem.Parsed item, Request request, Source source,
                                      List<StreamWriter.Entry> entries) {
        IngestContext context = IngestContext.now(source);
        if (request.kind().equals("logs")) {
            Validated<LogEvent> event = LogEventCodec.fromInput(item.node(), context);
            if (event instanceof Validated.Valid<LogEvent> v) {
                entries.add(new StreamWriter.Entry(request.stream(), LogEventCodec.toEntry(v.value())));
                return List.of();
            }
            return ((Validated.Invalid<LogEvent>) event).errors();
        }
        Validated<MetricSample> sample = MetricSampleCodec.fromInput(item.node(), context);
        if (sample instanceof Validated.Valid<MetricSample> v) {
            entries.add(new StreamWriter.Entry(request.stream(), MetricSampleCodec.toEntry(v.value())));
            return List.of();
        }
        return ((Validated.Invalid<MetricSample>) sample).errors();
    }

    private static String result(int accepted, int rejected, ArrayNode errors, String error) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("accepted", accepted);
        body.put("rejected", rejected);
        body.set("errors", errors);
        if (error != null) {
            body.put("error", error);
        }
        return Json.write(body);
    }

    private static String errorBody(String error) {
        return result(0, 0, Json.MAPPER.createArrayNode(), error);
    }

    /**
     * Answers a request refused as a whole. When the body may still be on its way, the connection is closed after
     * the answer rather than reading (and discarding) an arbitrary amount of data.
     */
    private void refuse(ChannelHandlerContext ctx, String path, String kind, HttpResponseStatus status, String reason,
                        String message, boolean keepAlive, long startNanos) {
        metrics.rejected("http", kind, reason, 1);
        boolean bodyPending = !bodyComplete;
        discarding = true;
        current = null;
        boolean retry = status.equals(HttpResponseStatus.SERVICE_UNAVAILABLE)
                || status.equals(HttpResponseStatus.TOO_MANY_REQUESTS);
        FullHttpResponse response = response(status, errorBody(message), "application/json", keepAlive, retry);
        metrics.httpRequest(path, status.code(), System.nanoTime() - startNanos);
        var future = ctx.writeAndFlush(response);
        if (!keepAlive) {
            if (bodyPending) {
                closeWhenBodyEnds = true;
            } else {
                future.addListener(ChannelFutureListener.CLOSE);
            }
        }
    }

    private void respondSimple(ChannelHandlerContext ctx, HttpRequest request, HttpResponseStatus status, String body,
                               String contentType, boolean keepAlive, String path, long startNanos) {
        discarding = true; // a GET has no body to read
        FullHttpResponse response = response(status, body, contentType, keepAlive, false);
        write(ctx, response, keepAlive, path, status, startNanos);
    }

    private void respond(ChannelHandlerContext ctx, HttpResponseStatus status, String body, boolean keepAlive,
                         String path, long startNanos, boolean retryAfter) {
        write(ctx, response(status, body, "application/json", keepAlive, retryAfter), keepAlive, path, status,
                startNanos);
    }

    private static FullHttpResponse response(HttpResponseStatus status, String body, String contentType,
                                             boolean keepAlive, boolean retryAfter) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.wrappedBuffer(body.getBytes(StandardCharsets.UTF_8)));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        HttpUtil.setContentLength(response, response.content().readableBytes());
        if (retryAfter) {
            response.headers().set(HttpHeaderNames.RETRY_AFTER, RETRY_AFTER_SECONDS);
        }
        if (!keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return response;
    }

    private void write(ChannelHandlerContext ctx, FullHttpResponse response, boolean keepAlive, String path,
                       HttpResponseStatus status, long startNanos) {
        metrics.httpRequest(path, status.code(), System.nanoTime() - startNanos);
        var future = ctx.writeAndFlush(response);
        if (!keepAlive) {
            future.addListener(ChannelFutureListener.CLOSE);
        }
    }

    static String peer(SocketAddress address) {
        if (address instanceof InetSocketAddress inet) {
            return inet.getAddress().getHostAddress() + ":" + inet.getPort();
        }
        return String.valueOf(address);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.warn("stage=decode HTTP connection from {} failed: {}", peer(ctx.channel().remoteAddress()),
                cause.toString());
        ctx.close();
    }
}
