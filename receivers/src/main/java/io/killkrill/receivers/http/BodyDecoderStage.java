package io.killkrill.receivers.http;

import io.killkrill.receivers.ReceiverMetrics;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpResponseStatus;

import java.util.List;

/**
 * The decoder stage: the request's {@link BodyDecoder} (chosen at admission by route and Content-Type) turns the
 * body into items; a body it cannot read is a 400 naming the problem, too many items a 413; items the memory
 * budget has no room for a 503.
 */
final class BodyDecoderStage extends ChannelInboundHandlerAdapter {
    /** Heap an item costs beyond its bytes (tree nodes, the validated event, its entry map); see {@link BodyReader}. */
    static final int HEAP_PER_ITEM = 1024;

    /** The items of one request, in body order. */
    record DecodedBody(HttpExchange exchange, List<IngestItem> items) {
    }

    private final int maxItems;
    private final MemoryBudget budget;
    private final ReceiverMetrics metrics;

    BodyDecoderStage(int maxItems, MemoryBudget budget, ReceiverMetrics metrics) {
        this.maxItems = maxItems;
        this.budget = budget;
        this.metrics = metrics;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof BodyReader.RequestBody body)) {
            ctx.fireChannelRead(msg);
            return;
        }
        HttpExchange exchange = body.exchange();
        List<IngestItem> items;
        try {
            items = exchange.admitted().decoder().decode(body.bytes(), maxItems);
        } catch (MalformedBodyException e) {
            exchange.refuse(metrics, HttpResponseStatus.BAD_REQUEST, "malformed_body", e.getMessage());
            return;
        } catch (BodyTooLargeException e) {
            exchange.refuse(metrics, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "too_large", e.getMessage());
            return;
        }
        if (items.isEmpty() && !exchange.route().otlp()) { // OTLP: an empty export request is a success
            exchange.refuse(metrics, HttpResponseStatus.BAD_REQUEST, "malformed_body", "the body holds no items");
            return;
        }
        MemoryBudget.Reservation reservation = exchange.reservation();
        int perItem = exchange.route() == Route.REMOTE_WRITE || exchange.route().otlp()
                ? RemoteWriteDecoder.HEAP_PER_ITEM : HEAP_PER_ITEM;
        if (!reservation.ensure(reservation.held() + (long) items.size() * perItem)) {
            exchange.refuse(metrics, HttpResponseStatus.SERVICE_UNAVAILABLE, "memory_budget",
                    BodyReader.overBudget(budget));
            return;
        }
        ctx.fireChannelRead(new DecodedBody(exchange, items));
    }
}
