package io.killkrill.logworker.stream;

import io.killkrill.model.DeadLetterCodec;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.Response;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.XAutoClaimParams;
import redis.clients.jedis.params.XReadGroupParams;
import redis.clients.jedis.resps.StreamEntry;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * One consumer of a Redis Streams consumer group feeding an {@link EntrySink}: XREADGROUP a batch (or
 * XAUTOCLAIM entries other consumers left pending longer than the claim idle time), hand it to the sink, XADD
 * the dead letters to the dead-letter stream and only then XACK every entry with a final fate.
 *
 * <p>Lifecycle: {@link #run()} on a thread of its own; {@link #stop()} makes it finish the batch in flight and
 * return; interrupting the thread abandons the batch in flight unacknowledged.
 */
public final class StreamGroupConsumer implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(StreamGroupConsumer.class);
    private static final StreamEntryID ZERO = new StreamEntryID(0, 0);

    /**
     * @param service  written into dead letters and metric names ({@code log-worker})
     * @param stream   read from
     * @param group    the consumer group, created (from the start of the stream) when missing
     * @param consumer unique within the group
     */
    public record Settings(String service, String stream, String group, String deadLetterStream, String consumer,
                           int batchSize, Duration blockTime, Duration claimIdle) {
        public Settings {
            Objects.requireNonNull(service, "service");
            Objects.requireNonNull(stream, "stream");
            Objects.requireNonNull(group, "group");
            Objects.requireNonNull(deadLetterStream, "deadLetterStream");
            Objects.requireNonNull(consumer, "consumer");
            Objects.requireNonNull(blockTime, "blockTime");
            Objects.requireNonNull(claimIdle, "claimIdle");
        }
    }

    private final JedisPooled redis;
    private final Settings settings;
    private final EntrySink sink;
    private final MeterRegistry registry;
    private final String metricPrefix;
    private final DistributionSummary batchSizes;
    private final Counter acknowledged;
    private final Counter claimed;
    private volatile boolean stopping;
    private StreamEntryID claimCursor = ZERO;
    private long nextClaimAtNanos = System.nanoTime();

    public StreamGroupConsumer(JedisPooled redis, Settings settings, EntrySink sink, MeterRegistry registry) {
        this.redis = redis;
        this.settings = settings;
        this.sink = sink;
        this.registry = registry;
        this.metricPrefix = "killkrill." + settings.service().replace('-', '_');
        this.batchSizes = DistributionSummary.builder(metricPrefix + ".batch.size")
                .description("Entries per batch handed to the sink").register(registry);
        this.acknowledged = Counter.builder(metricPrefix + ".acknowledged")
                .description("Entries acknowledged (XACK) after a final fate").register(registry);
        this.claimed = Counter.builder(metricPrefix + ".claimed")
                .description("Entries claimed (XAUTOCLAIM) from consumers that left them pending").register(registry);
    }

    public Settings settings() {
        return settings;
    }

    /** Creates the consumer group from the start of the stream (and the stream) unless it exists. */
    public static void ensureGroup(JedisPooled redis, String stream, String group) {
        try {
            redis.xgroupCreate(stream, group, ZERO, true);
        } catch (JedisDataException e) {
            if (e.getMessage() == null || !e.getMessage().startsWith("BUSYGROUP")) {
                throw e;
            }
        }
    }

    public void stop() {
        stopping = true;
    }

    @Override
    public void run() {
        Thread.currentThread().setName("consumer-" + settings.consumer());
        LOG.info("stage=read consumer {} joins group {} of {}", settings.consumer(), settings.group(),
                settings.stream());
        int failures = 0;
        boolean ownPendingDone = false;
        while (!stopping && !Thread.currentThread().isInterrupted()) {
            try {
                if (!ownPendingDone) {
                    ensureGroup(redis, settings.stream(), settings.group());
                }
                List<StreamRecord> batch = ownPendingDone ? nextBatch() : ownPending();
                if (batch.isEmpty() && !ownPendingDone) {
                    ownPendingDone = true;
                    continue;
                }
                if (!batch.isEmpty()) {
                    process(batch);
                }
                failures = 0;
            } catch (InterruptedException e) {
                LOG.warn("stage=ack consumer {} interrupted, the batch in flight stays pending for another"
                        + " consumer to claim", settings.consumer());
                Thread.currentThread().interrupt();
                break;
            } catch (JedisException e) {
                failures++;
                LOG.warn("stage=read consumer {} cannot read from Redis ({}), retrying", settings.consumer(),
                        e.toString());
                if (!pause(failures)) {
                    break;
                }
            } catch (RuntimeException e) {
                failures++;
                LOG.error("stage=read consumer {} failed on a batch; its entries stay pending", settings.consumer(), e);
                if (!pause(failures)) {
                    break;
                }
            }
        }
        LOG.info("stage=read consumer {} stopped", settings.consumer());
    }

    /** Entries this consumer name had pending from an earlier life (same KILLKRILL_CONSUMER_NAME). */
    private List<StreamRecord> ownPending() {
        return read(ZERO, false);
    }

    private List<StreamRecord> nextBatch() {
        if (System.nanoTime() - nextClaimAtNanos >= 0) {
            Map.Entry<StreamEntryID, List<StreamEntry>> result = redis.xautoclaim(settings.stream(),
                    settings.group(), settings.consumer(), settings.claimIdle().toMillis(), claimCursor,
                    XAutoClaimParams.xAutoClaimParams().count(settings.batchSize()));
            claimCursor = result.getKey();
            if (ZERO.equals(claimCursor)) {
                nextClaimAtNanos = System.nanoTime() + Math.max(100, settings.claimIdle().toMillis() / 2) * 1_000_000L;
            }
            List<StreamRecord> records = records(result.getValue());
            if (!records.isEmpty()) {
                claimed.increment(records.size());
                LOG.info("stage=read consumer {} claimed {} entries idle for more than {} ms", settings.consumer(),
                        records.size(), settings.claimIdle().toMillis());
                return records;
            }
        }
        return read(StreamEntryID.UNRECEIVED_ENTRY, true);
    }

    private List<StreamRecord> read(StreamEntryID from, boolean block) {
        XReadGroupParams params = XReadGroupParams.xReadGroupParams().count(settings.batchSize());
        if (block) {
            params.block((int) settings.blockTime().toMillis());
        }
        List<Map.Entry<String, List<StreamEntry>>> read = redis.xreadGroup(settings.group(), settings.consumer(),
                params, Map.of(settings.stream(), from));
        if (read == null || read.isEmpty()) {
            return List.of();
        }
        return records(read.get(0).getValue());
    }

    private static List<StreamRecord> records(List<StreamEntry> entries) {
        List<StreamRecord> records = new ArrayList<>(entries.size());
        for (StreamEntry entry : entries) {
            // a pending entry deleted from the stream comes back without fields; nothing is left to process
            records.add(new StreamRecord(entry.getID().toString(),
                    entry.getFields() == null ? Map.of() : entry.getFields()));
        }
        return records;
    }

    private void process(List<StreamRecord> batch) throws InterruptedException {
        batchSizes.record(batch.size());
        List<EntryFate> fates = sink.put(batch);
        if (fates.size() < batch.size()) {
            LOG.error("stage=ack sink gave {} fates for {} entries; the others stay pending", fates.size(),
                    batch.size());
        }
        List<EntryFate.DeadLettered> deadLetters = new ArrayList<>();
        for (EntryFate fate : fates) {
            if (fate instanceof EntryFate.DeadLettered dead) {
                deadLetters.add(dead);
            }
        }
        int attempt = 0;
        while (true) {
            try {
                writeDeadLetters(deadLetters);
                acknowledge(fates);
                return;
            } catch (JedisException e) {
                attempt++;
                LOG.warn("stage=ack consumer {} cannot dead-letter or acknowledge {} entries ({}), retrying",
                        settings.consumer(), fates.size(), e.toString());
                if (!pause(attempt)) {
                    throw new InterruptedException("stopped while acknowledging");
                }
            }
        }
    }

    private void writeDeadLetters(List<EntryFate.DeadLettered> deadLetters) {
        if (deadLetters.isEmpty()) {
            return;
        }
        List<Response<StreamEntryID>> responses = new ArrayList<>(deadLetters.size());
        try (Pipeline pipeline = redis.pipelined()) {
            for (EntryFate.DeadLettered dead : deadLetters) {
                responses.add(pipeline.xadd(settings.deadLetterStream(), StreamEntryID.NEW_ENTRY,
                        DeadLetterCodec.toEntry(dead.letter())));
            }
            pipeline.sync();
        }
        for (Response<StreamEntryID> response : responses) {
            response.get(); // throws when an XADD failed: then nothing of the batch is acknowledged
        }
        for (EntryFate.DeadLettered dead : deadLetters) {
            Counter.builder(metricPrefix + ".dead_lettered").description("Entries dead-lettered, by reason")
                    .tag("reason", dead.letter().reason().code()).tag("stage", dead.letter().stage().wireName())
                    .register(registry).increment();
            LOG.warn("stage={} entry {} dead-lettered: {} {}", dead.letter().stage().wireName(), dead.entryId(),
                    dead.letter().reason().code(), dead.letter().message());
        }
    }

    private void acknowledge(List<EntryFate> fates) {
        if (fates.isEmpty()) {
            return;
        }
        StreamEntryID[] ids = fates.stream().map(f -> new StreamEntryID(f.entryId())).toArray(StreamEntryID[]::new);
        redis.xack(settings.stream(), settings.group(), ids);
        acknowledged.increment(ids.length);
    }

    /** Capped exponential pause after Redis failures; false when the thread was interrupted. */
    private boolean pause(int failures) {
        long millis = Math.min(5_000L, 100L << Math.min(failures, 6));
        try {
            TimeUnit.MILLISECONDS.sleep(millis);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
