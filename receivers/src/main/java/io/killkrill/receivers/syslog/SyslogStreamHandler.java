package io.killkrill.receivers.syslog;

import io.killkrill.receivers.Peers;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Syslog over TCP or TLS: collects the frames of one read into a batch and sends it when the read completes;
 * {@link FlowControl}, after it in the pipeline, stops reading from this client while the flow gate is closed.
 */
final class SyslogStreamHandler extends SimpleChannelInboundHandler<SyslogFrame> {
    private static final Logger LOG = LoggerFactory.getLogger(SyslogStreamHandler.class);

    private final SyslogIngest.Batch batch;
    private String peer = "unknown";

    SyslogStreamHandler(SyslogIngest ingest, String transport) {
        this.batch = ingest.batch(transport);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        peer = Peers.of(ctx.channel().remoteAddress());
        super.channelActive(ctx);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, SyslogFrame frame) {
        batch.add(frame, peer);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        batch.send();
        ctx.fireChannelReadComplete(); // FlowControl, next, pauses reading while the gate is closed
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
