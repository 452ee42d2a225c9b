package io.killkrill.receivers.syslog;

import io.killkrill.receivers.ReceiverMetrics;
import io.killkrill.receivers.enqueue.StreamWriter;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.ScheduledFuture;

import javax.net.ssl.SSLException;
import java.io.File;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Syslog transports: TCP (and optionally TLS, RFC 5425) through {@link SyslogFrameDecoder}, UDP one datagram per
 * message; all feed the same {@link SyslogIngest}. While {@code accepting} is false every TCP connection stops
 * reading ({@code setAutoRead(false)}) and resumes once it is true again.
 */
public final class SyslogReceiver implements AutoCloseable {
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final Channel tcp;
    private final Optional<Channel> udp;
    private final Optional<Channel> tls;
    private final BooleanSupplier accepting;
    private final ScheduledFuture<?> flowCheck;

    public SyslogReceiver(EventLoopGroup boss, EventLoopGroup workers, int port, boolean udpEnabled,
                          Optional<TlsListener> tlsListener, SyslogIngest ingest, StreamWriter writer,
                          BooleanSupplier accepting, ReceiverMetrics metrics)
            throws InterruptedException, SSLException {
        this.accepting = accepting;
        int max = ingest.maxMessageBytes();
        this.tcp = stream(boss, workers, port, ingest, "tcp", Optional.empty(), max);
        int boundPort = ((InetSocketAddress) tcp.localAddress()).getPort();
        if (udpEnabled) {
            this.udp = Optional.of(new Bootstrap().group(workers).channel(NioDatagramChannel.class)
                    .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(65_536))
                    .option(ChannelOption.SO_RCVBUF, 4 * 1024 * 1024)
                    .handler(new SyslogDatagramHandler(ingest, writer, metrics))
                    .bind(boundPort).sync().channel());
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
        writer.onFlowChange(this::applyFlow);
        this.flowCheck = workers.next().scheduleAtFixedRate(this::applyFlow, 100, 100, TimeUnit.MILLISECONDS);
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
        flowCheck.cancel(false);
        tcp.close().syncUninterruptibly();
        udp.ifPresent(c -> c.close().syncUninterruptibly());
        tls.ifPresent(c -> c.close().syncUninterruptibly());
        connections.close().awaitUninterruptibly();
    }
}
