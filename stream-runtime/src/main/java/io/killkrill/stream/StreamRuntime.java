package io.killkrill.stream;

import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.params.XPendingParams;
import redis.clients.jedis.resps.StreamConsumersInfo;
import redis.clients.jedis.resps.StreamPendingEntry;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A worker's consumers of one stream and what keeps the stream healthy, started and stopped together: {@code n}
 * {@link StreamConsumer}s (each a consumer of its own in the group, on a thread of its own) and, every trim
 * interval, the {@link RetentionTrimmer}, the removal of consumers that left the group, and the refresh of the
 * stream's gauges. Both workers run their stream through this class and supply only their sink.
 */
public final class StreamRuntime<P> implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StreamRuntime.class);

    /**
     * @param consumers      consumers in this process; named {@code <consumer>-<n>} when more than one
     * @param trimInterval   how often the stream is trimmed, departed consumers removed and gauges refreshed
     * @param consumerExpiry a consumer of the group idle this long with nothing pending has left: removed
     */
    public record Settings(ConsumerSettings consumer, int consumers, Duration trimInterval, Duration consumerExpiry) {
        /** These settings with another consumer's (another shard's streams, for one). */
        public Settings withConsumer(ConsumerSettings other) {
            return new Settings(other, consumers, trimInterval, consumerExpiry);
        }
    }

    private final UnifiedJedis redis;
    private final Settings settings;
    private final StreamMetrics metrics;
    private final RetentionTrimmer trimmer;
    private final List<StreamConsumer<P>> consumers = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private ScheduledExecutorService maintenance;

    public StreamRuntime(UnifiedJedis redis, Settings settings, Supplier<StreamSink<P>> sinks, MeterRegistry registry) {
        this.redis = redis;
        this.settings = settings;
        ConsumerSettings base = settings.consumer();
        this.metrics = new StreamMetrics(registry, base.service(), base.stream(), base.group());
        this.trimmer = new RetentionTrimmer(redis, base.stream());
        for (int i = 1; i <= settings.consumers(); i++) {
            String name = settings.consumers() == 1 ? base.consumer() : base.consumer() + "-" + i;
            consumers.add(new StreamConsumer<>(redis, base.withConsumer(name), sinks.get(), metrics));
        }
    }

    public synchronized StreamRuntime<P> start() {
        for (StreamConsumer<P> consumer : consumers) {
            Thread thread = new Thread(consumer, "consumer-" + consumer.settings().consumer());
            threads.add(thread);
            thread.start();
        }
        maintenance = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "stream-maintenance-" + settings.consumer().stream());
            t.setDaemon(true);
            return t;
        });
        maintenance.scheduleWithFixedDelay(this::maintain, 0, settings.trimInterval().toMillis(),
                TimeUnit.MILLISECONDS);
        return this;
    }

    /** Whether every consumer can read its stream now (readiness). */
    public boolean isReading() {
        return !consumers.isEmpty() && consumers.stream().allMatch(StreamConsumer::isReading);
    }

    public List<String> consumerNames() {
        return consumers.stream().map(c -> c.settings().consumer()).toList();
    }

    /** Trim, remove departed consumers, refresh the gauges; a failure is logged and tried again next time. */
    void maintain() {
        ConsumerSettings base = settings.consumer();
        try {
            RetentionTrimmer.Trim trim = trimmer.trimOnce();
            metrics.trimmed.increment(trim.removed());
            trim.groups().stream().filter(g -> g.group().equals(base.group())).findFirst().ifPresent(g -> {
                metrics.pending.set(g.pending());
                metrics.lag.set(Math.max(0, g.lag()));
            });
            metrics.length.set(redis.xlen(base.stream()));
            metrics.deadLetterLength.set(redis.xlen(base.deadLetterStream()));
            List<StreamPendingEntry> oldest = redis.xpending(base.stream(), base.group(),
                    XPendingParams.xPendingParams(StreamEntryID.MINIMUM_ID, StreamEntryID.MAXIMUM_ID, 1));
            metrics.oldestPendingAgeMillis.set(oldest.isEmpty() ? 0 : oldest.get(0).getIdleTime());
            removeDepartedConsumers();
        } catch (RuntimeException e) {
            if (e.getMessage() == null || !e.getMessage().contains("NOGROUP")) {
                LOG.warn("stage=ack maintenance of {} failed (next time): {}", base.stream(), e.toString());
            }
        }
    }

    /**
     * A restarted replica joins under a new name; the old name stays listed in the group until removed here, once
     * it has been idle for the consumer expiry with nothing pending (what it had pending is claimed by others).
     */
    private void removeDepartedConsumers() {
        ConsumerSettings base = settings.consumer();
        Set<String> own = Set.copyOf(consumerNames());
        for (StreamConsumersInfo info : redis.xinfoConsumers(base.stream(), base.group())) {
            if (!own.contains(info.getName()) && info.getPending() == 0
                    && info.getIdle() > settings.consumerExpiry().toMillis()) {
                redis.xgroupDelConsumer(base.stream(), base.group(), info.getName());
                metrics.consumersRemoved.increment();
                LOG.info("stage=read removed consumer {} from group {} of {}: idle {} ms, nothing pending",
                        info.getName(), base.group(), base.stream(), info.getIdle());
            }
        }
    }

    /** Stops reading, lets each consumer settle what it holds within {@code grace}, then interrupts it. */
    public void stop(Duration grace) {
        stopReading();
        awaitStopped(System.nanoTime() + grace.toNanos(), grace);
    }

    /** The first half of {@link #stop}: every consumer stops reading and finishes what it holds. */
    void stopReading() {
        consumers.forEach(StreamConsumer::stop);
    }

    /**
     * The second half of {@link #stop}: waits until {@code deadline} ({@link System#nanoTime}) for the consumers to
     * finish, then interrupts them.
     */
    void awaitStopped(long deadline, Duration grace) {
        for (Thread thread : threads) {
            try {
                thread.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                if (thread.isAlive()) {
                    LOG.warn("stage=ack {} did not finish within {}; what it holds stays pending for another"
                            + " consumer", thread.getName(), grace);
                    thread.interrupt();
                    thread.join(5_000);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (maintenance != null) {
            maintenance.shutdownNow();
        }
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(30));
    }
}
