package io.killkrill.receivers.syslog;

import io.killkrill.receivers.relp.RelpSessionHandler;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.util.function.BooleanSupplier;

/**
 * The flow gate on one syslog TCP, TLS or RELP connection, last in its pipeline: a connection opened while the gate is
 * closed does not start reading, and one that read while it closed stops after that read (what was read is kept).
 * Reading resumes when {@link SyslogReceiver} hears the gate open again; a RELP session may also hold its reading
 * itself ({@link RelpSessionHandler#holdsReading}), and then stays paused until it lets go.
 */
@ChannelHandler.Sharable
public final class FlowControl extends ChannelInboundHandlerAdapter {
    private final BooleanSupplier accepting;

    public FlowControl(BooleanSupplier accepting) {
        this.accepting = accepting;
    }

    /** Whether {@code channel} should read now: the gate is open and no RELP session holds it. */
    boolean shouldRead(Channel channel) {
        return accepting.getAsBoolean() && !RelpSessionHandler.holdsReading(channel);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (!accepting.getAsBoolean()) {
            ctx.channel().config().setAutoRead(false); // before Netty's first read, which follows channelActive
        }
        ctx.fireChannelActive();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        Channel channel = ctx.channel();
        if (!accepting.getAsBoolean()) {
            channel.config().setAutoRead(false);
            // the gate may have opened, and its listener resumed reading, just before this pause: look again
            if (shouldRead(channel)) {
                channel.config().setAutoRead(true);
            }
        }
        ctx.fireChannelReadComplete();
    }
}
