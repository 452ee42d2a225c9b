package io.killkrill.receivers.syslog;

import io.killkrill.receivers.ReceiverMetrics;
import io.killkrill.receivers.enqueue.StreamWriter;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;

/**
 * Syslog over UDP: one datagram is one message (a trailing LF, CRLF or NUL is dropped). UDP cannot be paused,
 * so a datagram that arrives while Redis is down or the write queue is full is dropped and counted in
 * {@code killkrill_rejected_total{source="syslog",reason="udp_redis_unavailable"|"udp_queue_full"}}.
 */
final class SyslogDatagramHandler extends SimpleChannelInboundHandler<DatagramPacket> {
    private final SyslogIngest ingest;
    private final StreamWriter writer;
    private final ReceiverMetrics metrics;

    SyslogDatagramHandler(SyslogIngest ingest, StreamWriter writer, ReceiverMetrics metrics) {
        this.ingest = ingest;
        this.writer = writer;
        this.metrics = metrics;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
        if (!writer.redisAvailable()) {
            metrics.rejected("syslog", "logs", "udp_redis_unavailable", 1);
            return;
        }
        if (writer.queued() >= StreamWriter.CAPACITY) {
            metrics.rejected("syslog", "logs", "udp_queue_full", 1);
            return;
        }
        ByteBuf content = packet.content();
        int length = content.readableBytes();
        while (length > 0) {
            byte last = content.getByte(content.readerIndex() + length - 1);
            if (last != '\n' && last != '\r' && last != 0) {
                break;
            }
            length--;
        }
        int max = ingest.maxMessageBytes();
        byte[] bytes = new byte[Math.min(length, max)];
        content.getBytes(content.readerIndex(), bytes);
        SyslogIngest.Batch batch = ingest.batch("udp");
        batch.add(new SyslogFrame(bytes, length > max), SyslogStreamHandler.peer(packet.sender()));
        batch.send();
    }
}
