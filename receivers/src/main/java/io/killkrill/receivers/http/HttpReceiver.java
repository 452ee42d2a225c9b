package io.killkrill.receivers.http;

import io.killkrill.receivers.ReceiverMetrics;
import io.killkrill.receivers.enqueue.FlowGate;
import io.killkrill.receivers.enqueue.IdempotencyStore;
import io.killkrill.receivers.enqueue.StreamWriter;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;

import java.net.InetSocketAddress;

/**
 * HTTP transport: ingestion endpoints, health and /metrics on one port. Each connection is a pipeline of named
 * stages ({@link HttpStages}), one job each (inbound top to bottom; answers go back up through {@code response}):
 *
 * <pre>
 * codec       HttpServerCodec                 bytes &lt;-&gt; request heads, body contents, responses
 * sequencer   {@link RequestSequencer}        one request at a time: one answer per request, in request order
 * timeouts    {@link ConnectionTimeouts}      idle connection closed; body not in time: 408
 * response    {@link ResponseWriter}          Answer -&gt; HTTP response, request timing, keep-alive or close
 * router      {@link HttpRouter}              route; health, /metrics, 404, 405; discards bodies of answered requests
 * auth        {@link ApiKeyAuth}              401 from the headers
 * idempotency {@link IdempotencyStage}        Idempotency-Key: claim it, or replay the stored answer, 409, 400
 * admission   {@link RequestAdmission}        415, 417, 413 by Content-Length, flow gate 503/429, 503 budget
 * body        {@link BodyReader}              100 Continue; bounded body, framing errors 400, gzip/snappy; 408
 * decoder     {@link BodyDecoderStage}        body -&gt; items by the {@link BodyDecoder} chosen at admission
 * ingest      {@link IngestStage}             validate, StreamWriter.write(FAIL_FAST), 202 / 400 / 503 / 500
 * </pre>
 *
 * Everything before {@code body} looks at the headers only: a request refused there has not been asked for its
 * body ({@code Expect: 100-continue} gets its 401/413/415/... instead of a 100).
 */
public final class HttpReceiver implements AutoCloseable {
    private final Channel channel;

    public HttpReceiver(EventLoopGroup boss, EventLoopGroup workers, HttpSettings settings, StreamWriter writer,
                        FlowGate gate, IdempotencyStore idempotency, ReceiverMetrics metrics)
            throws InterruptedException {
        HttpStages stages = new HttpStages(settings, writer, gate, idempotency, metrics);
        this.channel = new ServerBootstrap().group(boss, workers).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        stages.install(ch.pipeline());
                    }
                }).bind(settings.port()).sync().channel();
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
