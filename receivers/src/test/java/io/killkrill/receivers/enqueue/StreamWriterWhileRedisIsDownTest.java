package io.killkrill.receivers.enqueue;

import io.killkrill.receivers.ReceiverMetrics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The writer while Redis is unreachable (port 1 refuses): a fail-fast write (HTTP) is refused at once and nothing
 * queued; a write until stored (syslog) is kept, counted in the queue and pauses the readers above the high
 * watermark; shutting down fails what was kept, counted as not stored. Redis answering is the ITs' part
 * ({@code StreamWriterIT}).
 */
class StreamWriterWhileRedisIsDownTest {
    private final ReceiverMetrics metrics = new ReceiverMetrics();
    private final StreamWriter writer = new StreamWriter(URI.create("redis://127.0.0.1:1"), "logs", metrics);

    @AfterEach
    void close() {
        writer.close();
    }

    private static List<StreamWriter.Entry> entries(int n) {
        List<StreamWriter.Entry> entries = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            entries.add(new StreamWriter.Entry("logs", Map.of("data", "{\"n\":" + i + "}")));
        }
        return entries;
    }

    private double rejected(String reason) {
        var counter = metrics.registry().find("killkrill.receivers.items.rejected").tag("reason", reason).counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void itSaysRedisIsUnavailableAndTakesNoFailFastWrite() {
        assertThat(writer.redisAvailable()).isFalse();
        assertThat(writer.refusal()).isEmpty();
        assertThat(writer.acceptingMore()).isFalse();
        assertThat(writer.takesFailFastWrites()).isFalse();
    }

    @Test
    void aFailFastWriteIsRefusedAtOnceAndNothingIsQueued() {
        CompletableFuture<Void> write = writer.write(entries(3), StreamWriter.Delivery.FAIL_FAST);

        assertThat(write).isCompletedExceptionally();
        assertThatThrownBy(write::get).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(RedisUnavailableException.class).hasMessageContaining("Redis is unavailable");
        assertThat(writer.queued()).isZero();
    }

    @Test
    void anEmptyWriteIsStoredAtOnceWhateverRedisDoes() throws Exception {
        assertThat(writer.write(List.of(), StreamWriter.Delivery.FAIL_FAST).get(1, TimeUnit.SECONDS)).isNull();
        assertThat(writer.write(List.of(), StreamWriter.Delivery.FAIL_FAST, java.util.Optional.empty())
                .get(1, TimeUnit.SECONDS)).isInstanceOf(StreamWriter.Outcome.Stored.class);
    }

    @Test
    void aWriteUntilStoredIsKeptUntilShutdownAndThenCountedAsNotStored() {
        CompletableFuture<Void> kept = writer.write(entries(5), StreamWriter.Delivery.UNTIL_STORED);

        assertThat(kept).isNotDone();
        assertThat(writer.queued()).isEqualTo(5);

        writer.close();

        assertThatThrownBy(() -> kept.get(1, TimeUnit.SECONDS)).hasCauseInstanceOf(RedisUnavailableException.class)
                .hasMessageContaining("shut down while Redis was unavailable");
        assertThat(rejected("shutdown_redis_unavailable")).isEqualTo(5);
    }

    @Test
    void readersAreToldToPauseWhenTheQueueReachesTheHighWatermark() {
        AtomicInteger told = new AtomicInteger();
        writer.onFlowChange(told::incrementAndGet);

        writer.write(entries(StreamWriter.HIGH_WATERMARK - 1), StreamWriter.Delivery.UNTIL_STORED);
        assertThat(told).as("below the watermark").hasValue(0);
        writer.write(entries(1), StreamWriter.Delivery.UNTIL_STORED);

        assertThat(told).hasValue(1);
        assertThat(writer.queued()).isEqualTo(StreamWriter.HIGH_WATERMARK);
        writer.write(entries(1), StreamWriter.Delivery.UNTIL_STORED);
        assertThat(told).as("told once, not per write").hasValue(1);
    }

    @Test
    void afterStopAcceptingAFailFastWriteIsRefusedAsAShutdown() {
        writer.stopAccepting();

        assertThat(writer.takesFailFastWrites()).isFalse();
        assertThat(writer.write(entries(1), StreamWriter.Delivery.FAIL_FAST)).isCompletedExceptionally();
    }
}
