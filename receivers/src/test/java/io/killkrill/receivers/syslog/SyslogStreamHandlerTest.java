package io.killkrill.receivers.syslog;

import io.killkrill.receivers.ReceiverMetrics;
import io.killkrill.receivers.enqueue.StreamWriter;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The syslog handler of a TCP or TLS connection, in front of {@link FlowControl} as in {@code SyslogReceiver}'s
 * pipeline: it passes the connection's start on (so a connection opened while the gate is closed does not start
 * reading), and each frame read is in the batch handed to the writer when the read completes. Redis is unreachable
 * (port 1): the entry stays queued in the writer.
 */
class SyslogStreamHandlerTest {
    private final ReceiverMetrics metrics = new ReceiverMetrics();
    private final StreamWriter writer = new StreamWriter(URI.create("redis://127.0.0.1:1"), "logs", metrics);
    private final SyslogIngest ingest = new SyslogIngest("logs", "logs-dlq", 64, writer, metrics);

    @AfterEach
    void close() {
        writer.close();
    }

    @Test
    void aConnectionOpenedWhileTheGateIsClosedDoesNotStartReadingBehindTheSyslogHandler() {
        EmbeddedChannel channel = new EmbeddedChannel(new SyslogStreamHandler(ingest, "tcp"), new FlowControl(() -> false));

        assertThat(channel.config().isAutoRead()).as("FlowControl saw the connection start").isFalse();
        channel.finishAndReleaseAll();
    }

    @Test
    void aFrameReadIsHandedToTheWriterWhenTheReadCompletes() {
        EmbeddedChannel channel = new EmbeddedChannel(new SyslogStreamHandler(ingest, "tcp"), new FlowControl(() -> true));

        channel.writeInbound(new SyslogFrame("<13>1 - h app - - - hi".getBytes(StandardCharsets.UTF_8), false));

        var received = metrics.registry().find("killkrill.receivers.items.received").tags("source", "syslog").counter();
        assertThat(received).isNotNull();
        assertThat(received.count()).isEqualTo(1);
        assertThat(writer.queued()).as("kept until Redis stores it").isEqualTo(1);
        channel.finishAndReleaseAll();
    }
}
