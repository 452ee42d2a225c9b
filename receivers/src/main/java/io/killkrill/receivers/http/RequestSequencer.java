package io.killkrill.receivers.http;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

import java.util.ArrayDeque;

/**
 * One request at a time per connection, so that a pipelining client (HTTP/1.1 lets it write many requests before
 * reading an answer) gets exactly one answer per request, in request order. The messages of the next request wait
 * here until the current one is complete: answered (a final response went out; 1xx does not count) and its body
 * over (its last content went in). While anything waits, the connection stops reading, so what waits is at most
 * what one read decoded. A second final response to one request is a bug: it is dropped and logged.
 */
final class RequestSequencer extends ChannelDuplexHandler {
    private final ArrayDeque<Object> waiting = new ArrayDeque<>();
    private boolean inRequest;
    private boolean answered;
    private boolean bodyEnded;
    private boolean advancing;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!waiting.isEmpty() || msg instanceof HttpRequest && busy()) {
            waiting.add(msg);
            ctx.channel().config().setAutoRead(false);
            return;
        }
        pass(ctx, msg);
        advance(ctx);
    }

    private void pass(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest) {
            inRequest = true;
            answered = false;
            bodyEnded = false;
        }
        if (msg instanceof LastHttpContent) {
            bodyEnded = true;
        }
        ctx.fireChannelRead(msg);
    }

    /** A request is in progress: not yet answered, or its body not yet over. */
    private boolean busy() {
        return inRequest && !(answered && bodyEnded);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpResponse response && response.status().codeClass() != HttpStatusClass.INFORMATIONAL) {
            if (!inRequest || answered) {
                ReferenceCountUtil.release(msg);
                promise.setFailure(new IllegalStateException("a second answer to one request: "
                        + response.status()));
                return;
            }
            answered = true;
            ctx.write(msg, promise);
            advance(ctx);
            return;
        }
        ctx.write(msg, promise);
    }

    /** Lets waiting messages in while the request before them is complete; resumes reading once none wait. */
    private void advance(ChannelHandlerContext ctx) {
        if (advancing) {
            return;
        }
        advancing = true;
        try {
            Object next;
            while ((next = waiting.peek()) != null && !(next instanceof HttpRequest && busy())) {
                pass(ctx, waiting.poll());
            }
        } finally {
            advancing = false;
        }
        if (waiting.isEmpty() && ctx.channel().isActive() && !ctx.channel().config().isAutoRead()) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        drop();
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        drop();
    }

    private void drop() {
        Object msg;
        while ((msg = waiting.poll()) != null) {
            ReferenceCountUtil.release(msg);
        }
    }
}
