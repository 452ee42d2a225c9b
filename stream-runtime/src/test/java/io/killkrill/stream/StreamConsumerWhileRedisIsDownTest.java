package io.killkrill.stream;

import io.killkrill.model.Stage;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.JedisPooled;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The consumer while Redis is unreachable (port 1 refuses): it waits Redis out without reading, a stop ends that
 * wait and the run returns quietly, an interrupt ends it too and is kept for the caller.
 */
class StreamConsumerWhileRedisIsDownTest {
    private final JedisPooled unreachable = new JedisPooled("127.0.0.1", 1);
    private final AtomicReference<Throwable> escaped = new AtomicReference<>();
    private final AtomicBoolean interruptedAtEnd = new AtomicBoolean();

    @AfterEach
    void close() {
        unreachable.close();
    }

    @Test
    void whileRedisIsDownTheConsumerIsNotReadingAndAStopEndsItsWaitQuietly() {
        StreamConsumer<Batch> consumer = consumer("down-stop");
        Thread thread = run(consumer);

        await("the heartbeat thread of the consumer is started").atMost(Duration.ofSeconds(5))
                .until(() -> thread("heartbeat-down-stop").isPresent());
        assertThat(thread("heartbeat-down-stop").orElseThrow().isDaemon())
                .as("a heartbeat thread does not keep the JVM alive").isTrue();
        await("the consumer has tried Redis a few times").during(Duration.ofMillis(300))
                .atMost(Duration.ofSeconds(5)).until(() -> !consumer.isReading() && thread.isAlive());

        consumer.stop();
        await("the stopped consumer returns from run").atMost(Duration.ofSeconds(5)).until(() -> !thread.isAlive());
        assertThat(escaped.get()).as("a stop while Redis fails is not an error of run").isNull();
        assertThat(interruptedAtEnd).isFalse();
        assertThat(consumer.isReading()).isFalse();
    }

    @Test
    void anInterruptWhileWaitingForRedisEndsTheRunAndStaysSetOnItsThread() {
        StreamConsumer<Batch> consumer = consumer("down-interrupt");
        Thread thread = run(consumer);
        await("the consumer waits for Redis").during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(5))
                .until(() -> !consumer.isReading() && thread.isAlive());

        thread.interrupt();
        await("the interrupted consumer returns from run").atMost(Duration.ofSeconds(5))
                .until(() -> !thread.isAlive());
        assertThat(escaped.get()).isNull();
        assertThat(interruptedAtEnd).as("run keeps the interrupt for its caller").isTrue();
    }

    private StreamConsumer<Batch> consumer(String name) {
        ConsumerSettings settings = new ConsumerSettings("test-worker", Stage.BULK_INDEX, "down-stream", "group",
                "down-dlq", name, 10, Duration.ofMillis(100), Duration.ofMillis(400), 3, 1_000, false);
        StreamSink<Batch> sink = new StreamSink<>() {
            @Override
            public Batch prepare(Batch batch) {
                return batch;
            }

            @Override
            public List<EntryFate> put(Batch batch) {
                throw new AssertionError("nothing can be read while Redis is down");
            }
        };
        return new StreamConsumer<>(unreachable, settings, sink,
                new StreamMetrics(new SimpleMeterRegistry(), "test-worker", "down-stream", "group"));
    }

    private Thread run(StreamConsumer<Batch> consumer) {
        Thread thread = new Thread(() -> {
            try {
                consumer.run();
            } catch (Throwable e) {
                escaped.set(e);
            }
            interruptedAtEnd.set(Thread.currentThread().isInterrupted());
        }, "consumer-" + consumer.settings().consumer());
        thread.start();
        return thread;
    }

    private static Optional<Thread> thread(String name) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(name) && t.isAlive())
                .findFirst();
    }
}
