package io.killkrill.receivers.enqueue;

import io.killkrill.config.ReplicaAcks;
import io.killkrill.config.StreamNames;
import io.killkrill.receivers.ReceiverMetrics;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.util.Pool;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToLongBiFunction;

/**
 * The one component that writes to Redis: a {@link ShardWriter} per shard of the streams
 * ({@code KILLKRILL_STREAM_SHARDS}; one, the streams as named, by default). A write goes whole to one shard: a write
 * with an Idempotency-Key to the shard its key belongs to ({@link IdempotencyStore#keyFor}), any other to the next
 * shard in turn. Its entries name the logical streams (the logs, metrics and logs dead-letter streams as configured);
 * they are stored in that shard's streams ({@link StreamNames#shard}), so a shard's keys share one hash tag and, on a
 * Redis Cluster, one slot and one master. Order is kept within a shard, not across shards.
 *
 * <p>The receivers take writes only while every shard does ({@link #takesFailFastWrites}, {@link #acceptingMore}):
 * a shard whose master is down or refuses writes stops the front door as one Redis would.
 */
public final class StreamWriter implements AutoCloseable {
    public static final int MAX_BATCH = ShardWriter.MAX_BATCH;
    public static final int HIGH_WATERMARK = ShardWriter.HIGH_WATERMARK;
    public static final int CAPACITY = ShardWriter.CAPACITY;

    public enum Delivery { FAIL_FAST, UNTIL_STORED }

    /**
     * One entry for one stream. An entry with an {@link io.killkrill.model.StreamEntry#AUDIT} field is an accepted
     * item: the writer adds 1 to its minute's audit count in the same atomic step that stores it.
     */
    public record Entry(String stream, Map<String, String> fields) {
    }

    /**
     * The Idempotency-Key of a write: {@code key} was claimed with {@code token} (see {@link IdempotencyStore}) in
     * shard {@code shard}; the script stores {@code answer} under it together with the entries, for {@code ttl}.
     */
    public record Idempotency(String key, String token, String answer, Duration ttl, int shard) {
        public Idempotency {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(token, "token");
            Objects.requireNonNull(answer, "answer");
            Objects.requireNonNull(ttl, "ttl");
        }

        public Idempotency(String key, String token, String answer, Duration ttl) {
            this(key, token, answer, ttl, 0);
        }
    }

    /** What became of a write that Redis ran. */
    public sealed interface Outcome {
        /** The entries are stored (and the answer, with an {@link Idempotency}). */
        record Stored() implements Outcome {
        }

        /** The key already held an answer (as {@link IdempotencyStore} keeps it): nothing was stored. */
        record Replayed(String storedAnswer) implements Outcome {
        }

        /** Another request holds the key: nothing was stored. */
        record KeyInFlight() implements Outcome {
        }
    }

    private final List<ShardWriter> shards;
    private final StreamNames streams;
    /** Per shard: a logical stream name to the shard's key (empty with one shard: the names are the keys). */
    private final List<Map<String, String>> shardKeys;
    private final AtomicInteger next = new AtomicInteger();

    private StreamWriter(List<ShardWriter> shards, StreamNames streams) {
        this.shards = List.copyOf(shards);
        this.streams = streams;
        List<Map<String, String>> keys = new ArrayList<>();
        for (int i = 0; i < shards.size(); i++) {
            Map<String, String> names = new HashMap<>();
            if (shards.size() > 1) {
                StreamNames shard = streams.shard(i);
                names.put(streams.logs(), shard.logs());
                names.put(streams.metrics(), shard.metrics());
                names.put(streams.logsDlq(), shard.logsDlq());
                names.put(streams.metricsDlq(), shard.metricsDlq());
            }
            keys.add(Map.copyOf(names));
        }
        this.shardKeys = List.copyOf(keys);
    }

    /** One shard: writes to one Redis at {@code redisUri}, markers under {@code markerPrefix} (tests). */
    public StreamWriter(URI redisUri, String markerPrefix, ReceiverMetrics metrics) {
        this(List.of(new ShardWriter(redisUri, markerPrefix, metrics)), StreamNames.defaults());
    }

    /** One shard on {@code pool} (see {@link ShardWriter}), markers under {@code markerPrefix}. */
    public StreamWriter(Pool<Jedis> pool, String markerPrefix, ReceiverMetrics metrics) {
        this(List.of(new ShardWriter(pool, markerPrefix, metrics)), StreamNames.defaults());
    }

    /**
     * A writer per shard of {@code streams}: shard {@code i} writes through {@code pools.get(i)} (the pool of the
     * master holding that shard's keys), its markers under the shard's logs stream name.
     */
    public static StreamWriter sharded(StreamNames streams, List<Pool<Jedis>> pools, ReceiverMetrics metrics,
                                       ReplicaAcks replicaAcks) {
        if (pools.size() != streams.shards()) {
            throw new IllegalArgumentException(pools.size() + " pools for " + streams.shards() + " shards");
        }
        List<ShardWriter> shards = new ArrayList<>();
        try {
            for (int i = 0; i < pools.size(); i++) {
                shards.add(new ShardWriter(pools.get(i), streams.shard(i).logs(), metrics, replicaAcks));
            }
        } catch (RuntimeException e) {
            shards.forEach(ShardWriter::close);
            throw e;
        }
        return new StreamWriter(shards, streams);
    }

    /** How many shards the streams have. */
    public int shards() {
        return shards.size();
    }

    /** The shard an Idempotency-Key ({@code scoped}: as {@link IdempotencyStore#keyFor} scopes it) belongs to. */
    public int shardOf(String scoped) {
        return Math.floorMod(scoped.hashCode(), shards.size());
    }

    /** The names of shard {@code shard}'s streams. */
    public StreamNames streamsOf(int shard) {
        return streams.shard(shard);
    }

    /** Borrow a connection to shard {@code shard}'s Redis for a short command outside the write path. */
    public Pool<Jedis> pool(int shard) {
        return shards.get(shard).pool();
    }

    /**
     * The sum over the shards of {@code measure(connection, key)}, for the key of {@code stream} in each shard (a
     * backlog, a length).
     */
    public long sumOverShards(String stream, ToLongBiFunction<Jedis, String> measure) {
        long sum = 0;
        for (int i = 0; i < shards.size(); i++) {
            try (Jedis jedis = pool(i).getResource()) {
                sum += measure.applyAsLong(jedis, shardKeys.get(i).getOrDefault(stream, stream));
            }
        }
        return sum;
    }

    public boolean redisAvailable() {
        return shards.stream().allMatch(ShardWriter::redisAvailable);
    }

    public Optional<String> refusal() {
        return shards.stream().map(ShardWriter::refusal).flatMap(Optional::stream).findFirst();
    }

    public boolean acceptingMore() {
        return shards.stream().allMatch(ShardWriter::acceptingMore);
    }

    public boolean takesFailFastWrites() {
        return shards.stream().allMatch(ShardWriter::takesFailFastWrites);
    }

    public void onFlowChange(Runnable listener) {
        shards.forEach(s -> s.onFlowChange(listener));
    }

    public int queued() {
        return shards.stream().mapToInt(ShardWriter::queued).sum();
    }

    /** As {@link ShardWriter#write}, to the next shard in turn. */
    public CompletableFuture<Void> write(List<Entry> entries, Delivery delivery) {
        return write(entries, delivery, Optional.empty()).thenApply(outcome -> null);
    }

    /**
     * As {@link ShardWriter#write}: with an {@link Idempotency} to its key's shard, without one to the next shard in
     * turn.
     */
    public CompletableFuture<Outcome> write(List<Entry> entries, Delivery delivery,
                                            Optional<Idempotency> idempotency) {
        int shard = idempotency.map(Idempotency::shard)
                .orElseGet(() -> shards.size() == 1 ? 0 : Math.floorMod(next.getAndIncrement(), shards.size()));
        return shards.get(shard).write(inShard(entries, shard), delivery, idempotency);
    }

    private List<Entry> inShard(List<Entry> entries, int shard) {
        Map<String, String> keys = shardKeys.get(shard);
        if (keys.isEmpty()) {
            return entries;
        }
        List<Entry> renamed = new ArrayList<>(entries.size());
        for (Entry e : entries) {
            renamed.add(new Entry(keys.getOrDefault(e.stream(), e.stream()), e.fields()));
        }
        return renamed;
    }

    /** Whether writes wait for replica acknowledgements ({@code KILLKRILL_REDIS_MIN_REPLICA_ACKS} above 0). */
    public boolean replicaAcksRequired() {
        return shards.get(0).replicaAcksRequired();
    }

    /** As {@link ShardWriter#awaitReplicas}: on {@code jedis}, a connection of any shard's pool. */
    public Optional<String> awaitReplicas(Jedis jedis) {
        return shards.get(0).awaitReplicas(jedis);
    }

    /** Pings every shard's Redis (the health monitor); true when all answered. */
    public boolean probe() {
        boolean all = true;
        for (ShardWriter shard : shards) {
            all &= shard.probe();
        }
        return all;
    }

    public void notifyFlowChange() {
        shards.forEach(ShardWriter::notifyFlowChange);
    }

    public void stopAccepting() {
        shards.forEach(ShardWriter::stopAccepting);
    }

    /** Stops every shard's writer (each sends what it still holds first, see {@link ShardWriter#close}). */
    @Override
    public void close() {
        stopAccepting();
        shards.forEach(ShardWriter::close);
    }
}
