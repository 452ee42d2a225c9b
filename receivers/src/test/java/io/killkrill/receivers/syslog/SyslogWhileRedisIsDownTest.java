package io.killkrill.receivers.syslog;

import io.killkrill.receivers.ReceiverMetrics;
import io.killkrill.receivers.enqueue.BacklogMonitor;
import io.killkrill.receivers.enqueue.FlowGate;
import io.killkrill.receivers.enqueue.StreamWriter;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The syslog codec side and the flow gate while Redis is unreachable (port 1 refuses): every frame is counted
 * (received, or rejected as empty), an entry or a dead letter is built for each, and what the writer could not
 * store is counted {@code redis_error}; the gate is closed (503 {@code redis_unavailable}) and a UDP datagram is
 * dropped and counted {@code udp_redis_unavailable}. What Redis stores is the ITs' part ({@code SyslogIngestIT}).
 */
class SyslogWhileRedisIsDownTest {
    private final ReceiverMetrics metrics = new ReceiverMetrics();
    private final StreamWriter writer = new StreamWriter(URI.create("redis://127.0.0.1:1"), "logs", metrics);
    private final BacklogMonitor backlog = new BacklogMonitor(writer, "logs", "metrics", 1000, metrics);
    private final FlowGate gate = new FlowGate(writer, backlog, "logs", metrics);
    private final SyslogIngest ingest = new SyslogIngest("logs", "logs-dlq", 64, writer, metrics);

    @AfterEach
    void close() {
        backlog.close();
        writer.close();
    }

    private double count(String name, String... tags) {
        var counter = metrics.registry().find(name).tags(tags).counter();
        return counter == null ? 0 : counter.count();
    }

    private static SyslogFrame frame(String text, boolean tooLarge) {
        return new SyslogFrame(text.getBytes(StandardCharsets.UTF_8), tooLarge);
    }

    @Test
    void everyFrameIsCountedAndWhatRedisDidNotStoreIsCountedAsARedisError() {
        SyslogIngest.Batch batch = ingest.batch("tcp");
        batch.add(frame("", false), "10.0.0.1:5");
        assertThat(batch.isEmpty()).as("an empty frame is counted, not stored").isTrue();
        batch.add(frame("<13>1 - h app - - - hello", false), "10.0.0.1:5");
        batch.add(frame("no pri at all", false), "10.0.0.1:5");
        batch.add(frame("<13>" + "x".repeat(60), true), "10.0.0.1:5");
        batch.addRejected(new SyslogParse.Rejected(io.killkrill.model.DeadLetterReason.SYSLOG_PARSE_ERROR,
                "a broken RELP frame", new byte[] {1}), "10.0.0.1:5");
        assertThat(batch.isEmpty()).isFalse();

        CompletableFuture<Void> sent = batch.send();

        assertThat(batch.isEmpty()).as("handed to the writer").isTrue();
        assertThat(count("killkrill.receivers.items.rejected", "source", "syslog", "reason", "empty_frame"))
                .isEqualTo(1);
        assertThat(count("killkrill.receivers.items.received", "source", "syslog")).isEqualTo(4);
        assertThat(sent).isNotDone();

        writer.close();

        assertThatThrownBy(() -> sent.get(1, TimeUnit.SECONDS)).hasMessageContaining("shut down while Redis");
        assertThat(count("killkrill.receivers.items.rejected", "source", "syslog", "reason", "redis_error"))
                .as("one event and three dead letters").isEqualTo(4);
        assertThat(count("killkrill.receivers.items.accepted", "source", "syslog")).isZero();
        assertThat(count("killkrill.receivers.items.dead_lettered", "reason", "message_too_large")).isZero();
    }

    @Test
    void anEmptyBatchIsSentAtOnceAndCountsNothing() throws Exception {
        SyslogIngest.Batch batch = ingest.batch("relp", "relp");

        assertThat(batch.send().get(1, TimeUnit.SECONDS)).isNull();
        assertThat(count("killkrill.receivers.items.received", "source", "relp")).isZero();
        assertThat(ingest.maxMessageBytes()).isEqualTo(64);
    }

    @Test
    void theGateIsClosedWithRedisUnavailableAndReadersPause() {
        assertThat(gate.closedFor("logs")).hasValueSatisfying(closed -> {
            assertThat(closed.httpStatus()).isEqualTo(503);
            assertThat(closed.reason()).isEqualTo("redis_unavailable");
            assertThat(closed.message()).contains("nothing was accepted");
        });
        assertThat(gate.readable()).isFalse();
        assertThat(gate.logsStream()).isEqualTo("logs");
    }

    @Test
    void aDatagramWhileTheGateIsClosedIsDroppedAndCountedByTheClosingReason() {
        EmbeddedChannel channel = new EmbeddedChannel(new SyslogDatagramHandler(ingest, gate, metrics));

        channel.writeInbound(new DatagramPacket(Unpooled.copiedBuffer("<13>hello\n", StandardCharsets.UTF_8),
                new InetSocketAddress("127.0.0.1", 514), new InetSocketAddress("127.0.0.1", 40000)));

        assertThat(count("killkrill.receivers.items.rejected", "source", "syslog", "reason", "udp_redis_unavailable"))
                .isEqualTo(1);
        assertThat(count("killkrill.receivers.items.received", "source", "syslog")).isZero();
        assertThat(writer.queued()).isZero();
    }
}
