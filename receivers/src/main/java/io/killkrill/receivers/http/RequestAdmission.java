package io.killkrill.receivers.http;

import io.killkrill.receivers.ReceiverMetrics;
import io.killkrill.receivers.enqueue.FlowGate;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The admission stage, on the headers alone, before anything asks for the body: a decoder for the route and
 * Content-Type (415), an encoding the route takes and the body stage can decompress ({@link ContentEncoding}, 415), an expectation it knows (417), an announced length within
 * the limit (413), the {@link FlowGate} open for the stream (503 Redis unreachable or refusing writes or the
 * write queue full, 429 backlog over its limit), and room in the
 * {@link MemoryBudget} for what the body will cost once decoded (503). A request that passes holds its first
 * reservation and goes on to the body stage.
 */
final class RequestAdmission extends ChannelInboundHandlerAdapter {
    /** What a chunked body (length unknown) must find free in the budget to be started. */
    static final long CHUNKED_FIRST_RESERVATION = 64 * 1024;

    private final HttpSettings settings;
    private final BodyDecoders decoders;
    private final FlowGate gate;
    private final MemoryBudget budget;
    private final ReceiverMetrics metrics;

    RequestAdmission(HttpSettings settings, BodyDecoders decoders, FlowGate gate, MemoryBudget budget,
                     ReceiverMetrics metrics) {
        this.settings = settings;
        this.decoders = decoders;
        this.gate = gate;
        this.budget = budget;
        this.metrics = metrics;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpExchange exchange) {
            admit(exchange).ifPresent(admitted -> {
                exchange.admit(admitted);
                ctx.fireChannelRead(exchange);
            });
            return;
        }
        ctx.fireChannelRead(msg);
    }

    private Optional<HttpExchange.Admitted> admit(HttpExchange exchange) {
        Route route = exchange.route();
        String mediaType = Optional.ofNullable(exchange.headers().get(HttpHeaderNames.CONTENT_TYPE))
                .map(t -> t.split(";")[0].trim().toLowerCase(Locale.ROOT)).orElse(BodyDecoders.DEFAULT_MEDIA_TYPE);
        Optional<BodyDecoder> decoder = decoders.find(route, mediaType).map(d -> d instanceof EsBulkDecoder bulk
                ? bulk.forTarget(exchange.request().uri()) : d);
        if (decoder.isEmpty()) {
            exchange.refuse(metrics, HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type",
                    "Content-Type " + mediaType + " is not supported here: use " + decoders.accepted(route));
            return Optional.empty();
        }
        if (route == Route.REMOTE_WRITE) {
            Optional<String> unsupported = RemoteWriteDecoder.unsupportedMessage(
                    exchange.headers().get(HttpHeaderNames.CONTENT_TYPE));
            if (unsupported.isPresent()) {
                exchange.refuse(metrics, HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type",
                        unsupported.get());
                return Optional.empty();
            }
        }
        String encodingHeader = exchange.headers().get(HttpHeaderNames.CONTENT_ENCODING);
        Optional<ContentEncoding> encoding = ContentEncoding.of(encodingHeader);
        Set<ContentEncoding> accepted = ContentEncoding.acceptedOn(route);
        if (encoding.isEmpty() || !accepted.contains(encoding.get())) {
            exchange.refuse(metrics, HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type",
                    "Content-Encoding " + (encodingHeader == null ? "none" : encodingHeader.trim())
                            + " is not supported here: use " + ContentEncoding.describe(accepted));
            return Optional.empty();
        }
        String expect = exchange.headers().get(HttpHeaderNames.EXPECT);
        if (expect != null && !expect.trim().equalsIgnoreCase("100-continue")) {
            exchange.refuse(metrics, HttpResponseStatus.EXPECTATION_FAILED, "unsupported_expectation",
                    "only 'Expect: 100-continue' is supported");
            return Optional.empty();
        }
        long declared = exchange.declaredLength();
        if (declared > settings.maxBodyBytes()) {
            exchange.refuse(metrics, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "too_large",
                    "the body (" + declared + " bytes) exceeds " + settings.maxBodyBytes() + " bytes");
            return Optional.empty();
        }
        String stream = route.kind().equals("logs") ? settings.logsStream() : settings.metricsStream();
        Optional<FlowGate.Closed> closed = gate.closedFor(stream);
        if (closed.isPresent()) {
            int status = closed.get().httpStatus();
            if (status == HttpResponseStatus.TOO_MANY_REQUESTS.code() && route == Route.REMOTE_WRITE) {
                // Prometheus drops a batch answered 429 unless retry_on_http_429 is set (off by default in 2.x);
                // it always retries a 5xx, honouring Retry-After
                status = HttpResponseStatus.SERVICE_UNAVAILABLE.code();
            }
            exchange.refuse(metrics, HttpResponseStatus.valueOf(status), closed.get().reason(),
                    closed.get().message());
            return Optional.empty();
        }
        long first = declared < 0 ? Math.min(settings.maxBodyBytes(), CHUNKED_FIRST_RESERVATION) : declared;
        if (!exchange.reservation().ensure(BodyReader.cost(first, encoding.get().compressed()))) {
            exchange.refuse(metrics, HttpResponseStatus.SERVICE_UNAVAILABLE, "memory_budget",
                    BodyReader.overBudget(budget));
            return Optional.empty();
        }
        return Optional.of(new HttpExchange.Admitted(decoder.get(), stream, encoding.get()));
    }
}
