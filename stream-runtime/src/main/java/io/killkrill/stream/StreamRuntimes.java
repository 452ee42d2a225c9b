package io.killkrill.stream;

import io.killkrill.config.StreamNames;
import io.micrometer.core.instrument.MeterRegistry;
import redis.clients.jedis.UnifiedJedis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A worker's consumers of every shard of its stream ({@code KILLKRILL_STREAM_SHARDS}): one {@link StreamRuntime} per
 * shard, each with its own consumers in the group of that shard's stream, claiming, delivery limit, dead letters,
 * trimming and gauges, all started and stopped together. With one shard it is that shard's runtime alone. Every
 * worker replica reads every shard, so a replica that dies leaves its pending entries to be claimed on each shard by
 * the others, as on one stream. Order holds per shard only: the receivers put a whole request in one shard, and two
 * shards are read side by side.
 */
public final class StreamRuntimes<P> implements AutoCloseable {

    /** The keys of one shard: its stream and its dead-letter stream. */
    public record Shard(String stream, String deadLetterStream) {
        /** The logs stream's shards, in order. */
        public static List<Shard> ofLogs(StreamNames names) {
            return names.allShards().stream().map(n -> new Shard(n.logs(), n.logsDlq())).toList();
        }

        /** The metrics stream's shards, in order. */
        public static List<Shard> ofMetrics(StreamNames names) {
            return names.allShards().stream().map(n -> new Shard(n.metrics(), n.metricsDlq())).toList();
        }
    }

    /** Makes the sink of one consumer of shard {@code shard} (0 .. N-1), which reads as {@code consumer} says. */
    @FunctionalInterface
    public interface Sinks<P> {
        StreamSink<P> create(int shard, ConsumerSettings consumer);
    }

    private final List<StreamRuntime<P>> runtimes = new ArrayList<>();

    /**
     * @param settings how each shard is read; its consumer's stream and dead-letter stream are replaced by each
     *                 shard's
     */
    public StreamRuntimes(UnifiedJedis redis, StreamRuntime.Settings settings, List<Shard> shards, Sinks<P> sinks,
                          MeterRegistry registry) {
        if (shards.isEmpty()) {
            throw new IllegalArgumentException("no shard to read");
        }
        for (int i = 0; i < shards.size(); i++) {
            int shard = i;
            ConsumerSettings consumer = settings.consumer().withStreams(shards.get(i).stream(),
                    shards.get(i).deadLetterStream());
            runtimes.add(new StreamRuntime<>(redis, settings.withConsumer(consumer),
                    () -> sinks.create(shard, consumer), registry));
        }
    }

    public synchronized StreamRuntimes<P> start() {
        runtimes.forEach(StreamRuntime::start);
        return this;
    }

    /** Whether every consumer of every shard can read its stream now (readiness). */
    public boolean isReading() {
        return runtimes.stream().allMatch(StreamRuntime::isReading);
    }

    /** The consumer names in the groups; the same in every shard. */
    public List<String> consumerNames() {
        Set<String> names = new LinkedHashSet<>();
        runtimes.forEach(r -> names.addAll(r.consumerNames()));
        return List.copyOf(names);
    }

    /**
     * Stops reading every shard at once, lets each consumer settle what it holds within {@code grace} (one grace
     * for all shards, not one each), then interrupts it.
     */
    public void stop(Duration grace) {
        runtimes.forEach(StreamRuntime::stopReading);
        long deadline = System.nanoTime() + grace.toNanos();
        runtimes.forEach(r -> r.awaitStopped(deadline, grace));
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(30));
    }
}
