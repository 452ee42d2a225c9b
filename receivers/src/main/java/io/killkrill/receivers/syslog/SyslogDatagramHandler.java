package io.killkrill.receivers.syslog;

import io.killkrill.receivers.Peers;
import io.killkrill.receivers.ReceiverMetrics;
import io.killkrill.receivers.enqueue.FlowGate;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;

import java.util.Optional;

/**
 * Syslog over UDP: one datagram is one message (a trailing LF, CRLF or NUL is dropped). UDP cannot be paused,
 * so a datagram that arrives while the {@link FlowGate} is closed for the logs stream (Redis down or refusing
 * writes, the backlog over its limit, the write queue full) is dropped and counted in
 * {@code killkrill_receivers_items_rejected_total{source="syslog",reason="udp_<reason>"}}
 * (udp_redis_unavailable, udp_redis_refusing, udp_backlog, udp_queue_full). Datagrams the kernel drops before they are read (a full
 * socket receive buffer) are counted by {@link UdpKernelDrops}.
 */
final class SyslogDatagramHandler extends SimpleChannelInboundHandler<DatagramPacket> {
    private final SyslogIngest ingest;
    private final FlowGate gate;
    private final ReceiverMetrics metrics;

    SyslogDatagramHandler(SyslogIngest ingest, FlowGate gate, ReceiverMetrics metrics) {
        this.ingest = ingest;
        this.gate = gate;
        this.metrics = metrics;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
        Optional<FlowGate.Closed> closed = gate.closedFor(gate.logsStream());
        if (closed.isPresent()) {
            metrics.rejected("syslog", "logs", "udp_" + closed.get().reason(), 1);
            return;
        }
        SyslogIngest.Batch batch = ingest.batch("udp");
        batch.add(frame(packet.content(), ingest.maxMessageBytes()), Peers.of(packet.sender()));
        batch.send();
    }

    /**
     * The message of one datagram: its bytes without the trailing LFs, CRs and NULs, cut to {@code max} bytes
     * (and then flagged too large). The datagram's buffer is left as it was.
     */
    static SyslogFrame frame(ByteBuf content, int max) {
        int length = content.readableBytes();
        while (length > 0) {
            byte last = content.getByte(content.readerIndex() + length - 1);
            if (last != '\n' && last != '\r' && last != 0) {
                break;
            }
            length--;
        }
        byte[] bytes = new byte[Math.min(length, max)];
        content.getBytes(content.readerIndex(), bytes);
        return new SyslogFrame(bytes, length > max);
    }
}
