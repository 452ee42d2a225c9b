package io.killkrill.receivers.syslog;

import io.killkrill.receivers.ReceiverMetrics;
import io.killkrill.receivers.enqueue.FlowGate;
import io.killkrill.receivers.relp.RelpFrameDecoder;
import io.killkrill.receivers.relp.RelpSessionHandler;
import io.killkrill.receivers.relp.RelpStore;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
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
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Syslog transports: TCP (and optionally TLS, RFC 5425) through {@link SyslogFrameDecoder}, UDP one datagram per
 * message, and RELP (optionally over TLS) through {@link RelpFrameDecoder} and {@link RelpSessionHandler}; all feed
 * the same {@link SyslogIngest}. While the {@link FlowGate} is not readable every TCP and RELP connection stops
 * reading ({@code setAutoRead(false)}) and resumes when the gate says it opened again (a RELP session may hold its
 * own reading paused).
 *
 * <p>{@link #close(Duration)} stops gracefully: the listeners close at once; TCP/TLS connections are still read until
 * their client closes them (what it sent before the stop is in the kernel's buffers and would be lost with the
 * connection) and RELP sessions stop reading, answer what they read once it is stored and send {@code serverclose}
 * (what a RELP client sent but was not read stays unanswered, and it resends it to the next receiver). Whatever is
 * still open at the end of the grace period is closed.
 */
public final class SyslogReceiver implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SyslogReceiver.class);

    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final Channel tcp;
    private final Optional<Channel> udp;
    private final Optional<Channel> tls;
    private final Optional<Channel> relp;
    private final BooleanSupplier accepting;
    private final FlowControl flowControl;

    public SyslogReceiver(EventLoopGroup boss, EventLoopGroup workers, int port, boolean udpEnabled,
                          int udpReceiveBuffer, Optional<TlsListener> tlsListener,
                          Optional<RelpListener> relpListener, SyslogIngest ingest, FlowGate gate,
                          ReceiverMetrics metrics)
            throws InterruptedException, SSLException {
        this.accepting = gate::readable;
        this.flowControl = new FlowControl(accepting);
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
        if (relpListener.isPresent()) {
            RelpListener r = relpListener.get();
            Optional<SslContext> context = r.tls().isPresent()
                    ? Optional.of(SslContextBuilder.forServer(r.tls().get().certificate().toFile(),
                    r.tls().get().privateKey().toFile()).build())
                    : Optional.empty();
            this.relp = Optional.of(relp(boss, workers, r.port(), ingest, context, max));
        } else {
            this.relp = Optional.empty();
        }
        gate.onChange(this::applyFlow);
    }

    /** The TLS listener: port and PEM files. */
    public record TlsListener(int port, Path certificate, Path privateKey) {
    }

    /** The RELP listener: port, and the PEM files when it speaks TLS. */
    public record RelpListener(int port, Optional<Pem> tls) {
    }

    /** A PEM certificate chain and its PKCS#8 PEM private key. */
    public record Pem(Path certificate, Path privateKey) {
    }

    private Channel stream(EventLoopGroup boss, EventLoopGroup workers, int port, SyslogIngest ingest,
                           String transport, Optional<SslContext> ssl, int max) throws InterruptedException {
        return listen(boss, workers, port, ssl, pipeline -> pipeline.addLast("framing", new SyslogFrameDecoder(max))
                .addLast("syslog", new SyslogStreamHandler(ingest, transport)));
    }

    private Channel relp(EventLoopGroup boss, EventLoopGroup workers, int port, SyslogIngest ingest,
                         Optional<SslContext> ssl, int max) throws InterruptedException {
        String transport = ssl.isPresent() ? "relp-tls" : "relp";
        return listen(boss, workers, port, ssl, pipeline -> pipeline.addLast("framing", new RelpFrameDecoder(max))
                .addLast("relp", new RelpSessionHandler(RelpStore.of(ingest.batch("relp", transport)), accepting,
                        max)));
    }

    /** A TCP listener whose connections join the flow-controlled group, TLS first when configured. */
    private Channel listen(EventLoopGroup boss, EventLoopGroup workers, int port, Optional<SslContext> ssl,
                           Consumer<ChannelPipeline> protocol) throws InterruptedException {
        return new ServerBootstrap().group(boss, workers).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        connections.add(ch);
                        ssl.ifPresent(s -> ch.pipeline().addLast("tls", s.newHandler(ch.alloc())));
                        protocol.accept(ch.pipeline());
                        ch.pipeline().addLast("flow", flowControl);
                    }
                }).bind(port).sync().channel();
    }

    /** Pauses or resumes reading on every TCP and RELP connection to match {@code accepting}. */
    private void applyFlow() {
        for (Channel channel : connections) {
            boolean on = flowControl.shouldRead(channel);
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

    public Optional<Integer> relpPort() {
        return relp.map(c -> ((InetSocketAddress) c.localAddress()).getPort());
    }

    /** Stops at once: listeners and connections closed, each connection handing over what it had read. */
    @Override
    public void close() {
        close(Duration.ZERO);
    }

    /**
     * Stops gracefully (see the class comment): no new connections or datagrams; open connections read and
     * answered as far as {@code grace} allows, then closed.
     */
    public void close(Duration grace) {
        tcp.close().syncUninterruptibly();
        udp.ifPresent(c -> c.close().syncUninterruptibly());
        tls.ifPresent(c -> c.close().syncUninterruptibly());
        relp.ifPresent(c -> c.close().syncUninterruptibly());
        List<Channel> open = List.copyOf(connections);
        if (!open.isEmpty() && !grace.isZero()) {
            LOG.info("stopping: {} open syslog connections (TCP/TLS read until their clients close them, RELP "
                    + "sessions answer what they read, then serverclose), up to {}", open.size(), grace);
            for (Channel channel : open) {
                RelpSessionHandler session = channel.pipeline().get(RelpSessionHandler.class);
                if (session != null) {
                    channel.eventLoop().execute(session::stop);
                }
            }
            awaitClosed(open, grace);
        }
        int left = connections.size();
        if (left > 0 && !grace.isZero()) {
            LOG.warn("stopping: {} syslog connections still open at the end of the shutdown grace ({}); closing them",
                    left, grace);
        }
        for (Channel channel : List.copyOf(connections)) {
            RelpSessionHandler session = channel.pipeline().get(RelpSessionHandler.class);
            if (session != null) {
                channel.eventLoop().execute(session::abort);
            } else {
                channel.close();
            }
        }
        awaitClosed(List.copyOf(connections), Duration.ofSeconds(2));
        connections.close().awaitUninterruptibly();
    }

    private static void awaitClosed(List<Channel> channels, Duration limit) {
        CompletableFuture<?>[] closed = channels.stream().map(c -> {
            CompletableFuture<Void> done = new CompletableFuture<>();
            c.closeFuture().addListener(f -> done.complete(null));
            return done;
        }).toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.allOf(closed).get(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            // the caller closes what is still open
        } catch (ExecutionException e) {
            LOG.warn("stopping: waiting for syslog connections to close failed: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
