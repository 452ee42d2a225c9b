package io.killkrill.receivers.syslog;

import io.killkrill.receivers.ReceiverMetrics;
import io.killkrill.receivers.enqueue.FlowGate;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.concurrent.GlobalEventExecutor;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLException;
import java.io.File;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * Syslog transports: TCP (and optionally TLS, RFC 5425) through {@link SyslogFrameDecoder}, UDP one datagram per
 * message; all feed the same {@link SyslogIngest}. While the {@link FlowGate} is not readable every TCP connection
 * stops reading ({@code setAutoRead(false)}) and resumes when the gate says it opened again.
 */
public final class SyslogReceiver implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SyslogReceiver.class);
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final Channel tcp;
    private final Optional<Channel> udp;
    private final Optional<Channel> tls;
    private final BooleanSupplier accepting;

    public SyslogReceiver(EventLoopGroup boss, EventLoopGroup workers, int port, boolean udpEnabled,
                          int udpReceiveBuffer, Optional<TlsListener> tlsListener, SyslogIngest ingest,
                          FlowGate gate, ReceiverMetrics metrics)
            throws InterruptedException, SSLException {
        this.accepting = gate::readable;
        int max = ingest.maxMessageBytes();
        this.tcp = stream(boss, workers, port, ingest, "tcp", Optional.empty(), max);
        int boundPort = ((InetSocketAddress) tcp.localAddress()).getPort();
        if (udpEnabled) {
            this.udp = Optional.of(new Bootstrap().group(workers).channel(NioDatagramChannel.class)
                    .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(65_536))
                    .option(ChannelOption.SO_RCVBUF, udpReceiveBuffer)
                    .handler(new SyslogDatagramHandler(ingest, gate, metrics))
                    .bind(boundPort).sync().channel());
            int granted = ((DatagramChannel) udp.get()).config().getReceiveBufferSize();
            // Linux doubles the size asked for (bookkeeping) and caps it at twice net.core.rmem_max
            if (granted < udpReceiveBuffer) {
                LOG.warn("syslog UDP receive buffer is {} bytes, not the {} configured "
                        + "(KILLKRILL_SYSLOG_UDP_RECEIVE_BUFFER): raise the kernel's cap, sysctl net.core.rmem_max",
                        granted, udpReceiveBuffer);
            }
            UdpKernelDrops kernelDrops = new UdpKernelDrops(boundPort);
            metrics.udpKernelDrops(kernelDrops::drops);
        } else {
            this.udp = Optional.empty();
        }
        if (tlsListener.isPresent()) {
            TlsListener t = tlsListener.get();
            SslContext context = SslContextBuilder.forServer(t.certificate().toFile(), t.privateKey().toFile())
                    .build();
            this.tls = Optional.of(stream(boss, workers, t.port(), ingest, "tls", Optional.of(context), max));
        } else {
            this.tls = Optional.empty();
        }
        gate.onChange(this::applyFlow);
    }

    /** The TLS listener: port and PEM files. */
    public record TlsListener(int port, Path certificate, Path privateKey) {
    }

    private Channel stream(EventLoopGroup boss, EventLoopGroup workers, int port, SyslogIngest ingest,
                           String transport, Optional<SslContext> ssl, int max) throws InterruptedException {
        return new ServerBootstrap().group(boss, workers).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        connections.add(ch);
                        ssl.ifPresent(s -> ch.pipeline().addLast("tls", s.newHandler(ch.alloc())));
                        ch.pipeline().addLast("framing", new SyslogFrameDecoder(max))
                                .addLast("syslog", new SyslogStreamHandler(ingest, transport, accepting));
                    }
                }).bind(port).sync().channel();
    }

    /** Pauses or resumes reading on every TCP connection to match {@code accepting}. */
    private void applyFlow() {
        boolean on = accepting.getAsBoolean();
        for (Channel channel : connections) {
            if (channel.config().isAutoRead() != on) {
                channel.config().setAutoRead(on);
            }
        }
    }

    public int tcpPort() {
        return ((InetSocketAddress) tcp.localAddress()).getPort();
    }

    public Optional<Integer> udpPort() {
        return udp.map(c -> ((InetSocketAddress) c.localAddress()).getPort());
    }

    public Optional<Integer> tlsPort() {
        return tls.map(c -> ((InetSocketAddress) c.localAddress()).getPort());
    }

    /** Stops accepting connections and datagrams; open connections are closed, flushing what they read. */
    @Override
    public void close() {
        tcp.close().syncUninterruptibly();
        udp.ifPresent(c -> c.close().syncUninterruptibly());
        tls.ifPresent(c -> c.close().syncUninterruptibly());
        connections.close().awaitUninterruptibly();
    }
}
