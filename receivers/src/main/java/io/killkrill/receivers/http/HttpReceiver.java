package io.killkrill.receivers.http;

import io.killkrill.receivers.ReceiverMetrics;
import io.killkrill.receivers.enqueue.BacklogMonitor;
import io.killkrill.receivers.enqueue.StreamWriter;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;

import java.net.InetSocketAddress;
import java.util.List;

/** HTTP transport: ingestion endpoints, health and /metrics on one port. */
public final class HttpReceiver implements AutoCloseable {
    private final Channel channel;

    public HttpReceiver(EventLoopGroup boss, EventLoopGroup workers, int port, long maxBodyBytes, int maxItems,
                        String logsStream, String metricsStream, List<String> apiKeys, StreamWriter writer,
                        BacklogMonitor backlog, ReceiverMetrics metrics) throws InterruptedException {
        HttpSettings settings = new HttpSettings(maxBodyBytes, maxItems, logsStream, metricsStream);
        ApiKeys keys = new ApiKeys(apiKeys);
        this.channel = new ServerBootstrap().group(boss, workers).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast("http", new HttpServerCodec())
                                .addLast("continue", new HttpServerExpectContinueHandler())
                                .addLast("ingest", new HttpIngestHandler(settings, writer, backlog, metrics, keys));
                    }
                }).bind(port).sync().channel();
    }

    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    /** Stops accepting connections. */
    @Override
    public void close() {
        channel.close().syncUninterruptibly();
    }
}
