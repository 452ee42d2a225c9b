package io.killkrill.receivers.http;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The two clocks of a connection. <b>Idle</b>: from the connection's start or its last complete request until the
 * next request's headers are in (so a client trickling header bytes is not "active"); when it runs out the
 * connection is closed, there being no request to answer. <b>Body</b>: from a request's headers until its body is
 * over; when it runs out, {@link BodyTimedOut} goes down the pipeline: the stage holding the request answers 408,
 * or, if it was answered already and only its body was being discarded, the router closes the connection. While a
 * complete request waits for its answer (the Redis write), no clock runs: the writer fails fast on its own.
 * Sits after the {@link RequestSequencer}, so it sees one request at a time.
 */
final class ConnectionTimeouts extends ChannelDuplexHandler {
    /** The body of the current request did not arrive in time. */
    static final class BodyTimedOut {
        static final BodyTimedOut INSTANCE = new BodyTimedOut();

        private BodyTimedOut() {
        }
    }

    private final long idleNanos;
    private final long bodyNanos;
    private ScheduledFuture<?> clock;
    private boolean inBody;
    private boolean answered;

    ConnectionTimeouts(Duration idle, Duration body) {
        this.idleNanos = idle.toNanos();
        this.bodyNanos = body.toNanos();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            idle(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        if (clock == null) {
            idle(ctx);
        }
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest) {
            inBody = true;
            answered = false;
            schedule(ctx, bodyNanos, () -> ctx.fireUserEventTriggered(BodyTimedOut.INSTANCE));
        }
        if (msg instanceof LastHttpContent) {
            inBody = false;
            cancel();
            if (answered) {
                idle(ctx);
            }
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpResponse response && response.status().codeClass() != HttpStatusClass.INFORMATIONAL) {
            answered = true;
            if (!inBody) {
                idle(ctx);
            }
        }
        ctx.write(msg, promise);
    }

    private void idle(ChannelHandlerContext ctx) {
        schedule(ctx, idleNanos, ctx::close);
    }

    private void schedule(ChannelHandlerContext ctx, long nanos, Runnable action) {
        cancel();
        clock = ctx.executor().schedule(action, nanos, TimeUnit.NANOSECONDS);
    }

    private void cancel() {
        if (clock != null) {
            clock.cancel(false);
            clock = null;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        cancel();
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancel();
    }
}
