package io.killkrill.receivers.syslog;

import io.killkrill.receivers.Peers;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.BooleanSupplier;

/**
 * Syslog over TCP or TLS: collects the frames of one read into a batch, sends it when the read completes, and
 * stops reading from this client while the writer cannot take more (Redis down, queue full, backlog).
 */
final class SyslogStreamHandler extends SimpleChannelInboundHandler<SyslogFrame> {
    private static final Logger LOG = LoggerFactory.getLogger(SyslogStreamHandler.class);

    private final SyslogIngest.Batch batch;
    private final BooleanSupplier accepting;
    private String peer = "unknown";

    SyslogStreamHandler(SyslogIngest ingest, String transport, BooleanSupplier accepting) {
        this.batch = ingest.batch(transport);
        this.accepting = accepting;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        peer = Peers.of(ctx.channel().remoteAddress());
        if (!accepting.getAsBoolean()) {
            ctx.channel().config().setAutoRead(false);
        }
        super.channelActive(ctx);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, SyslogFrame frame) {
        batch.add(frame, peer);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        batch.send();
        if (!accepting.getAsBoolean()) {
            ctx.channel().config().setAutoRead(false);
            // the flow listener may have resumed reading just before we paused: look again
            if (accepting.getAsBoolean()) {
                ctx.channel().config().setAutoRead(true);
            }
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        batch.send();
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.warn("stage=decode syslog connection from {} failed: {}", peer, cause.toString());
        batch.send();
        ctx.close();
    }
}
