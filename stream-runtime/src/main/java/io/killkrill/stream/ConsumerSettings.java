package io.killkrill.stream;

import io.killkrill.config.ConsumerGroupSettings;
import io.killkrill.config.ReplicaAcks;
import io.killkrill.model.Stage;

import java.time.Duration;
import java.util.Objects;

/**
 * How one {@link StreamConsumer} reads its stream.
 *
 * @param service              written into dead letters ({@code log-worker}, {@code metrics-worker}); names the
 *                             runtime's meters ({@link StreamMetrics})
 * @param sinkStage            the stage a sink failure is logged and dead-lettered under
 * @param stream               read from
 * @param group                the consumer group; created from the start of the stream when missing
 * @param deadLetterStream     where dead letters go
 * @param consumer             unique within the group
 * @param batchSize            entries per read
 * @param blockTime            how long one XREADGROUP waits for new entries
 * @param claimIdle            entries pending longer than this are claimed from their consumer
 * @param maxDeliveries        an entry delivered this many times without being settled is dead-lettered
 * @param deadLetterMaxLength  the dead-letter stream is trimmed (approximately) to this many entries
 * @param readAhead            read and {@link StreamSink#prepare prepare} the next batch while the sink puts this
 *                             one (on a thread of its own)
 * @param replicaAcks          a batch read is handed to the sink only once this many replicas hold it
 */
public record ConsumerSettings(String service, Stage sinkStage, String stream, String group, String deadLetterStream,
                               String consumer, int batchSize, Duration blockTime, Duration claimIdle,
                               int maxDeliveries, long deadLetterMaxLength, boolean readAhead,
                               ReplicaAcks replicaAcks) {
    public ConsumerSettings {
        Objects.requireNonNull(replicaAcks, "replicaAcks");
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(sinkStage, "sinkStage");
        Objects.requireNonNull(stream, "stream");
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(deadLetterStream, "deadLetterStream");
        Objects.requireNonNull(consumer, "consumer");
        Objects.requireNonNull(blockTime, "blockTime");
        Objects.requireNonNull(claimIdle, "claimIdle");
        if (batchSize < 1 || maxDeliveries < 1 || deadLetterMaxLength < 1) {
            throw new IllegalArgumentException("batchSize, maxDeliveries and deadLetterMaxLength must be positive");
        }
    }

    /** Without replica acknowledgements ({@link ReplicaAcks#NONE}). */
    public ConsumerSettings(String service, Stage sinkStage, String stream, String group, String deadLetterStream,
                            String consumer, int batchSize, Duration blockTime, Duration claimIdle, int maxDeliveries,
                            long deadLetterMaxLength, boolean readAhead) {
        this(service, sinkStage, stream, group, deadLetterStream, consumer, batchSize, blockTime, claimIdle,
                maxDeliveries, deadLetterMaxLength, readAhead, ReplicaAcks.NONE);
    }

    /**
     * A worker's consumer: what bounds its group (deliveries, dead letters) and the replica acknowledgements it
     * waits for come from {@code runtime}.
     */
    public static ConsumerSettings of(String service, Stage sinkStage, String stream, String group,
                                      String deadLetterStream, String consumer, int batchSize, Duration blockTime,
                                      Duration claimIdle, boolean readAhead, ConsumerGroupSettings.Runtime runtime) {
        return new ConsumerSettings(service, sinkStage, stream, group, deadLetterStream, consumer, batchSize,
                blockTime, claimIdle, runtime.maxDeliveries(), runtime.deadLetterMaxLength(), readAhead,
                runtime.replicaAcks());
    }

    public ConsumerSettings withConsumer(String name) {
        return new ConsumerSettings(service, sinkStage, stream, group, deadLetterStream, name, batchSize, blockTime,
                claimIdle, maxDeliveries, deadLetterMaxLength, readAhead, replicaAcks);
    }

    /** These settings for another shard of the stream: its stream and dead-letter stream. */
    public ConsumerSettings withStreams(String stream, String deadLetterStream) {
        return new ConsumerSettings(service, sinkStage, stream, group, deadLetterStream, consumer, batchSize,
                blockTime, claimIdle, maxDeliveries, deadLetterMaxLength, readAhead, replicaAcks);
    }

    public ConsumerSettings withReplicaAcks(ReplicaAcks acks) {
        return new ConsumerSettings(service, sinkStage, stream, group, deadLetterStream, consumer, batchSize,
                blockTime, claimIdle, maxDeliveries, deadLetterMaxLength, readAhead, acks);
    }

    /** How often a consumer re-claims the entries it holds in flight, so that nobody else claims them. */
    Duration heartbeat() {
        return Duration.ofMillis(Math.max(20, claimIdle.toMillis() / 3));
    }
}
