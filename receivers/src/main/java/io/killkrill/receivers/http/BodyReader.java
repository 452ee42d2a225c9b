package io.killkrill.receivers.http;

import io.killkrill.receivers.ReceiverMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongPredicate;

/**
 * The body stage: the only place a body is asked for ({@code 100 Continue}) and held. It keeps what arrived, chunk
 * by chunk as it arrived (never sized by the announced length), within the cap (413) and within the request's
 * {@link MemoryBudget.Reservation} (503 when the budget has no room); a content whose framing is broken (a corrupt
 * chunk header, a truncated body) is a 400 and the connection closes, since nothing after it can be trusted. The
 * complete body, decompressed when gzip or snappy, goes on as a {@link RequestBody}. A body that does not arrive within the body
 * timeout is answered 408.
 *
 * <p>Heap cost: the reservation counts {@link #HEAP_PER_BODY_BYTE} bytes of heap per body byte from the first byte
 * (the body, its JSON tree, the items and their stream entries are alive at once), and the decoder stage adds
 * {@link BodyDecoderStage#HEAP_PER_ITEM} per item, so the budget is a heap figure. Measured on 10,000-item NDJSON
 * bodies (heap retained after decoding, validating and encoding the entries, body included): 4.4 bytes per body
 * byte for 1 KB log events (10 MB body, 45 MB), 9.3 for 230-byte events, 11.5 and 15.6 for 150- and 100-byte metric
 * samples; 5 per byte + 1 KiB per item bounds all four.
 */
final class BodyReader extends ChannelInboundHandlerAdapter {
    static final int HEAP_PER_BODY_BYTE = 5;

    /** A complete body, as the decoder reads it. */
    record RequestBody(HttpExchange exchange, byte[] bytes) {
    }

    private final long maxBodyBytes;
    private final MemoryBudget budget;
    private final ReceiverMetrics metrics;
    private HttpExchange reading;
    private List<byte[]> chunks = new ArrayList<>();
    private long received;

    BodyReader(long maxBodyBytes, MemoryBudget budget, ReceiverMetrics metrics) {
        this.maxBodyBytes = maxBodyBytes;
        this.budget = budget;
        this.metrics = metrics;
    }

    /** What {@code bytes} of body cost in the budget: decoded whole, or held raw until decompressed. */
    static long cost(long bytes, boolean compressed) {
        return compressed ? bytes : bytes * HEAP_PER_BODY_BYTE;
    }

    static String overBudget(MemoryBudget budget) {
        return "the receivers are holding as many request bodies as their memory budget allows ("
                + budget.limit() + " bytes); nothing was accepted, retry later";
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpExchange exchange) {
            start(ctx, exchange);
            return;
        }
        if (!(msg instanceof HttpContent content)) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            if (reading == null || reading.answered()) {
                return; // the router only passes content of an unanswered request; nothing to keep
            }
            read(ctx, content);
        } finally {
            content.release();
        }
    }

    private void start(ChannelHandlerContext ctx, HttpExchange exchange) {
        drop();
        reading = exchange;
        if (exchange.expectsContinue()) {
            exchange.continued();
            ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE,
                    Unpooled.EMPTY_BUFFER));
        }
    }

    private void read(ChannelHandlerContext ctx, HttpContent content) {
        HttpExchange exchange = reading;
        if (content.decoderResult().isFailure()) {
            drop();
            exchange.refuseAndClose(metrics, HttpResponseStatus.BAD_REQUEST, "malformed_body",
                    "the body cannot be read: " + content.decoderResult().cause().getMessage());
            return;
        }
        ByteBuf data = content.content();
        int n = data.readableBytes();
        ContentEncoding encoding = exchange.admitted().encoding();
        boolean compressed = encoding.compressed();
        if (received + n > maxBodyBytes) {
            drop();
            exchange.refuse(metrics, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "too_large",
                    "the body exceeds " + maxBodyBytes + " bytes");
            return;
        }
        if (!exchange.reservation().ensure(cost(received + n, compressed))) {
            drop();
            exchange.refuse(metrics, HttpResponseStatus.SERVICE_UNAVAILABLE, "memory_budget", overBudget(budget));
            return;
        }
        if (n > 0) {
            byte[] chunk = new byte[n];
            data.readBytes(chunk);
            chunks.add(chunk);
            received += n;
        }
        if (content instanceof LastHttpContent) {
            byte[] body = join();
            drop();
            reading = null;
            if (compressed) {
                body = decompress(exchange, encoding, body);
                if (body == null) {
                    return;
                }
            }
            ctx.fireChannelRead(new RequestBody(exchange, body));
        }
    }

    private byte[] decompress(HttpExchange exchange, ContentEncoding encoding, byte[] raw) {
        LongPredicate mayHold = inflated -> exchange.reservation().ensure(raw.length + cost(inflated, false));
        try {
            return encoding == ContentEncoding.SNAPPY ? SnappyBody.uncompress(raw, maxBodyBytes, mayHold)
                    : GzipBody.inflate(raw, maxBodyBytes, mayHold);
        } catch (MalformedBodyException e) {
            exchange.refuse(metrics, HttpResponseStatus.BAD_REQUEST, "malformed_body", e.getMessage());
        } catch (BodyTooLargeException e) {
            exchange.refuse(metrics, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "too_large", e.getMessage());
        } catch (GzipBody.OverBudgetException e) {
            exchange.refuse(metrics, HttpResponseStatus.SERVICE_UNAVAILABLE, "memory_budget", overBudget(budget));
        }
        return null;
    }

    private byte[] join() {
        if (chunks.size() == 1) {
            return chunks.get(0);
        }
        byte[] body = new byte[Math.toIntExact(received)];
        int at = 0;
        for (byte[] chunk : chunks) {
            System.arraycopy(chunk, 0, body, at, chunk.length);
            at += chunk.length;
        }
        return body;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof ConnectionTimeouts.BodyTimedOut && reading != null && !reading.answered()) {
            HttpExchange exchange = reading;
            long arrived = received;
            drop();
            exchange.refuseAndClose(metrics, HttpResponseStatus.REQUEST_TIMEOUT, "body_timeout",
                    "the body did not arrive in time (" + arrived + " bytes read); nothing was accepted");
            return;
        }
        ctx.fireUserEventTriggered(event);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        drop();
        super.channelInactive(ctx);
    }

    private void drop() {
        if (!chunks.isEmpty()) {
            chunks = new ArrayList<>();
        }
        received = 0;
    }
}
