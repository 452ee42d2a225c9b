package io.killkrill.receivers.http;

import io.killkrill.receivers.ReceiverMetrics;
import io.killkrill.receivers.enqueue.IdempotencyStore;
import io.killkrill.receivers.enqueue.NotReplicatedException;
import io.killkrill.receivers.enqueue.RedisUnavailableException;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.ReferenceCountUtil;

import java.util.ArrayDeque;
import java.util.Optional;
import java.util.concurrent.CompletionException;

/**
 * The idempotency stage, between auth and admission, on the headers: a request with an {@code Idempotency-Key}
 * (1-255 visible ASCII characters, else 400) claims it in Redis, scoped by the API key it presented and its route.
 * <ul>
 *   <li>claimed: the request goes on; the ingest stage stores its items and its answer under the key in one step,
 *   and any other answer (or a closed connection) releases the key;</li>
 *   <li>answered before: the stored status and body are sent again with {@code Idempotent-Replayed: true}, and
 *   nothing is stored (the router throws the body away);</li>
 *   <li>held by a request in flight: 409 with Retry-After;</li>
 *   <li>Redis unreachable or refusing the claim: 503 with Retry-After.</li>
 * </ul>
 * The claim is a Redis round trip off the event loop; meanwhile reading stops, and what one read already decoded
 * of the body waits here, then goes on in order (or is released with an early answer).
 */
final class IdempotencyStage extends ChannelInboundHandlerAdapter {
    private final IdempotencyStore store;
    private final ReceiverMetrics metrics;
    private final ArrayDeque<Object> waiting = new ArrayDeque<>();
    private HttpExchange claiming;

    IdempotencyStage(IdempotencyStore store, ReceiverMetrics metrics) {
        this.store = store;
        this.metrics = metrics;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (claiming != null && msg instanceof HttpContent) {
            waiting.add(msg);
            return;
        }
        if (!(msg instanceof HttpExchange exchange)) {
            ctx.fireChannelRead(msg);
            return;
        }
        String key = exchange.headers().get(IdempotencyStore.HEADER);
        if (key == null) {
            ctx.fireChannelRead(exchange);
            return;
        }
        Optional<String> invalid = IdempotencyStore.invalid(key);
        if (invalid.isPresent()) {
            exchange.refuse(metrics, HttpResponseStatus.BAD_REQUEST, "invalid_idempotency_key", invalid.get());
            return;
        }
        String redisKey = store.keyFor(ApiKeys.presented(exchange.headers()), exchange.route().tag(), key);
        claiming = exchange;
        ctx.channel().config().setAutoRead(false);
        store.claim(redisKey).whenComplete((claim, failure) -> ctx.executor().execute(() -> {
            claiming = null;
            resolve(ctx, exchange, claim, failure);
            ctx.channel().config().setAutoRead(true);
        }));
    }

    private void resolve(ChannelHandlerContext ctx, HttpExchange exchange, IdempotencyStore.Claim claim,
                         Throwable failure) {
        if (exchange.answered() || exchange.abandoned()) {
            // timed out or closed meanwhile: a claim it got is given up at once
            if (claim instanceof IdempotencyStore.Claim.Claimed claimed) {
                store.release(claimed);
            }
            releaseWaiting();
            return;
        }
        if (failure != null) {
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            if (cause instanceof RedisUnavailableException unavailable) {
                exchange.refuse(metrics, HttpResponseStatus.SERVICE_UNAVAILABLE, unavailable instanceof
                        NotReplicatedException ? "not_replicated" : "redis_unavailable", unavailable.answerText());
            } else {
                exchange.refuse(metrics, HttpResponseStatus.SERVICE_UNAVAILABLE, "redis_unavailable",
                        "the Idempotency-Key could not be checked: " + cause + "; nothing was accepted, retry later");
            }
            releaseWaiting();
            return;
        }
        if (claim instanceof IdempotencyStore.Claim.Claimed claimed) {
            exchange.claimed(claimed, () -> store.release(claimed));
            ctx.fireChannelRead(exchange);
            while (!waiting.isEmpty()) {
                ctx.fireChannelRead(waiting.poll());
            }
            return;
        }
        if (claim instanceof IdempotencyStore.Claim.Answered answered) {
            metrics.idempotentReplay(exchange.route().kind());
            exchange.answer(IngestAnswers.of(exchange).replay(answered.status(), answered.body()));
        } else {
            exchange.refuse(metrics, HttpResponseStatus.CONFLICT, "idempotency_key_in_flight",
                    "a request with this Idempotency-Key is still being handled; nothing was accepted, retry later");
        }
        releaseWaiting();
    }

    /** Body contents of a request answered here: thrown away (the router discards the rest). */
    private void releaseWaiting() {
        while (!waiting.isEmpty()) {
            ReferenceCountUtil.release(waiting.poll());
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        releaseWaiting();
        super.channelInactive(ctx);
    }
}
