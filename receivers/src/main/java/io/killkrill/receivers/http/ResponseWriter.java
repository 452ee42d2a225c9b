package io.killkrill.receivers.http;

import io.killkrill.receivers.ReceiverMetrics;
import io.killkrill.receivers.enqueue.IdempotencyStore;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

/**
 * The response stage: turns an {@link Answer} into the HTTP response, times the request by its route, and decides
 * whether the connection lives on. It closes when the client asked to, when the answer says so, or when the answer
 * went out before the body was over and the rest cannot be discarded safely ({@link HttpExchange#restDiscardable});
 * in that last case the output is shut down after the answer (the client sees EOF) and the router reads and
 * discards what still comes of the body before closing, so the client is not reset before it read the answer.
 */
final class ResponseWriter extends ChannelOutboundHandlerAdapter {
    static final int RETRY_AFTER_SECONDS = 5;
    static final String ELASTIC_PRODUCT_HEADER = "X-Elastic-Product";

    private final ReceiverMetrics metrics;
    private final long maxDiscardBytes;

    ResponseWriter(ReceiverMetrics metrics, long maxDiscardBytes) {
        this.metrics = metrics;
        this.maxDiscardBytes = maxDiscardBytes;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof HttpExchange.Outgoing outgoing)) {
            ctx.write(msg, promise);
            return;
        }
        HttpExchange exchange = outgoing.exchange();
        Answer answer = outgoing.answer();
        boolean close = answer.close() || !exchange.keepAlive()
                || !exchange.hasBodyEnded() && !exchange.restDiscardable(maxDiscardBytes);
        byte[] body = answer.body();
        boolean head = exchange.request().method().equals(HttpMethod.HEAD); // the length of a GET, no body
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, answer.status(),
                head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, answer.contentType());
        HttpUtil.setContentLength(response, body.length);
        if (answer.retryAfter()) {
            response.headers().set(HttpHeaderNames.RETRY_AFTER, RETRY_AFTER_SECONDS);
        }
        if (exchange.route().elasticsearch()) {
            // the official clients refuse a 2xx without it (their product check); docs/receivers.md says what
            // KillKrill is: the bulk API subset, not Elasticsearch
            response.headers().set(ELASTIC_PRODUCT_HEADER, "Elasticsearch");
        }
        if (answer.replayed()) {
            response.headers().set(IdempotencyStore.REPLAYED_HEADER, "true");
        }
        if (close) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        metrics.httpRequest(exchange.route().tag(), answer.status().code(), System.nanoTime() - exchange.startNanos());
        ChannelFuture written = ctx.writeAndFlush(response, promise);
        if (close) {
            if (exchange.hasBodyEnded()) {
                written.addListener(ChannelFutureListener.CLOSE);
            } else {
                // half-close: the client reads the answer and then EOF at once, while what it may still send of
                // the body is read and thrown away (closing now could reset the connection before it read the answer)
                exchange.closeWhenBodyEnds();
                if (ctx.channel() instanceof DuplexChannel duplex) {
                    written.addListener(f -> duplex.shutdownOutput());
                }
            }
        }
    }
}
