package io.killkrill.receivers.http;

import io.killkrill.receivers.ReceiverMetrics;
import io.killkrill.receivers.Receivers;
import io.killkrill.receivers.enqueue.StreamWriter;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.killkrill.service.AdminEndpoints;
import io.killkrill.service.Health;

/**
 * The router stage: makes an {@link HttpExchange} of each request head, answers what is not ingestion itself
 * (health, {@code /metrics}, 404, 405, a head that cannot be decoded) and passes ingestion requests down to
 * auth. It also owns the body's way down: content goes on only while its request is unanswered; the body of an
 * answered request is read and thrown away here (no stage sees it), and the connection closed when the answer
 * asked for it once that body is over, or past {@code maxDiscardBytes}.
 */
final class HttpRouter extends ChannelInboundHandlerAdapter {
    private final StreamWriter writer;
    private final ReceiverMetrics metrics;
    private final MemoryBudget budget;
    private final long maxDiscardBytes;
    private HttpExchange current;
    private long discarded;

    HttpRouter(StreamWriter writer, ReceiverMetrics metrics, MemoryBudget budget, long maxDiscardBytes) {
        this.writer = writer;
        this.metrics = metrics;
        this.budget = budget;
        this.maxDiscardBytes = maxDiscardBytes;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request) {
            current = new HttpExchange(ctx.channel(), request, Route.of(request.uri()), System.nanoTime(),
                    budget.open());
            discarded = 0;
            route(ctx, current);
        }
        if (msg instanceof HttpContent content) {
            HttpExchange exchange = current;
            if (exchange == null || exchange.answered()) {
                discard(ctx, exchange, content);
                return;
            }
            if (content instanceof LastHttpContent) {
                exchange.bodyEnded();
            }
            ctx.fireChannelRead(content);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private void route(ChannelHandlerContext ctx, HttpExchange exchange) {
        HttpRequest request = exchange.request();
        if (request.decoderResult().isFailure()) {
            Throwable cause = request.decoderResult().cause();
            HttpResponseStatus status = cause instanceof TooLongFrameException
                    ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE : HttpResponseStatus.BAD_REQUEST;
            exchange.refuseAndClose(metrics, status, "malformed_request",
                    "the HTTP request head cannot be decoded: " + cause.getMessage());
            return;
        }
        switch (exchange.route()) {
            case HEALTH_LIVE -> exchange.answer(admin(AdminEndpoints.live()));
            case HEALTH_READY -> exchange.answer(admin(AdminEndpoints.ready(
                    Health.of(Receivers.readiness(writer)))));
            case PROMETHEUS_SCRAPE -> exchange.answer(Answer.of(HttpResponseStatus.OK, metrics.scrape(),
                    AdminEndpoints.PROMETHEUS_TEXT));
            case OTHER -> exchange.answer(Answer.refusal(HttpResponseStatus.NOT_FOUND,
                    "no such endpoint: " + pathOf(request.uri())));
            case LOGS, METRICS, REMOTE_WRITE, OTLP_LOGS, OTLP_METRICS -> {
                if (!request.method().equals(HttpMethod.POST)) {
                    exchange.refuse(metrics, HttpResponseStatus.METHOD_NOT_ALLOWED, "method_not_allowed", "use POST");
                } else {
                    ctx.fireChannelRead(exchange);
                }
            }
            case ES_BULK -> {
                if (!request.method().equals(HttpMethod.POST) && !request.method().equals(HttpMethod.PUT)) {
                    exchange.refuse(metrics, HttpResponseStatus.METHOD_NOT_ALLOWED, "method_not_allowed",
                            "use POST (or PUT) for the bulk API");
                } else {
                    ctx.fireChannelRead(exchange);
                }
            }
            case ES_ROOT, ES_LICENSE -> {
                if (request.method().equals(HttpMethod.GET) || request.method().equals(HttpMethod.HEAD)) {
                    exchange.answer(exchange.route() == Route.ES_ROOT ? EsProbe.root() : EsProbe.license());
                } else {
                    exchange.refuse(metrics, HttpResponseStatus.METHOD_NOT_ALLOWED, "method_not_allowed",
                            "use GET or HEAD");
                }
            }
        }
    }

    private void discard(ChannelHandlerContext ctx, HttpExchange exchange, HttpContent content) {
        discarded += content.content().readableBytes();
        boolean broken = content.decoderResult().isFailure();
        boolean last = content instanceof LastHttpContent;
        content.release();
        if (exchange == null) {
            return;
        }
        if (last) {
            exchange.bodyEnded();
        }
        if (broken || exchange.closesWhenBodyEnds() && last || discarded > maxDiscardBytes) {
            ctx.close();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (!(event instanceof ConnectionTimeouts.BodyTimedOut)) {
            ctx.fireUserEventTriggered(event);
            return;
        }
        HttpExchange exchange = current;
        if (exchange == null || exchange.answered()) {
            ctx.close(); // only the body of an answered request was still coming, too slowly
            return;
        }
        ctx.fireUserEventTriggered(event);
        if (!exchange.answered()) {
            exchange.refuseAndClose(metrics, HttpResponseStatus.REQUEST_TIMEOUT, "body_timeout",
                    "the body did not arrive in time");
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (current != null) {
            current.abandon();
        }
        super.channelInactive(ctx);
    }

    /** The admin endpoints answer here as on the workers' admin server: same code, same body. */
    private static Answer admin(AdminEndpoints.Response response) {
        return Answer.of(HttpResponseStatus.valueOf(response.status()), response.body(), response.contentType());
    }

    private static String pathOf(String uri) {
        int query = uri.indexOf('?');
        String path = query < 0 ? uri : uri.substring(0, query);
        return path.length() > 200 ? path.substring(0, 200) + "..." : path;
    }
}
