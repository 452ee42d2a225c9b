package io.killkrill.receivers.http;

import io.killkrill.receivers.ReceiverMetrics;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * The auth stage: an ingestion request without a configured API key is answered 401 from its headers alone,
 * before anything asks for its body (no {@code 100 Continue} has gone out yet).
 */
final class ApiKeyAuth extends ChannelInboundHandlerAdapter {
    private final ApiKeys keys;
    private final ReceiverMetrics metrics;

    ApiKeyAuth(ApiKeys keys, ReceiverMetrics metrics) {
        this.keys = keys;
        this.metrics = metrics;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpExchange exchange && !keys.permits(exchange.headers())) {
            exchange.refuse(metrics, HttpResponseStatus.UNAUTHORIZED, "unauthorized",
                    "a valid API key is required: 'Authorization: Bearer <key>', 'X-API-Key: <key>', "
                            + "'Authorization: ApiKey <key>' or Basic auth with the key as password");
            return;
        }
        ctx.fireChannelRead(msg);
    }
}
