package io.killkrill.stream;

import dev.failsafe.function.CheckedSupplier;
import io.killkrill.config.ReplicaAcks;
import io.killkrill.model.DeadLetterReason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.XAutoClaimParams;
import redis.clients.jedis.params.XClaimParams;
import redis.clients.jedis.params.XPendingParams;
import redis.clients.jedis.params.XReadGroupParams;
import redis.clients.jedis.resps.StreamEntry;
import redis.clients.jedis.resps.StreamPendingEntry;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One consumer of a Redis Streams consumer group driving a {@link StreamSink}: the runtime both workers run (in
 * the manner of Kafka Connect's {@code WorkerSinkTask}).
 *
 * <p>What it does, in order: creates the group when missing (from the start of the stream; also later, when a
 * Redis restart without persistence or a deleted stream lost it: {@code NOGROUP}); replays the entries this
 * consumer name left pending in an earlier life; then loops: every so often claims entries other consumers left
 * pending longer than the claim idle time, and otherwise reads new entries ({@code XREADGROUP >}), optionally one
 * batch ahead; hands each batch to the sink and settles the fates it returns atomically ({@link Settlement}).
 *
 * <p>Deliveries. An entry's delivery count (XPENDING) counts the times it was handed to a sink: new reads count
 * one, redeliveries are fetched with XCLAIM (which counts one), while claiming itself ({@code XAUTOCLAIM JUSTID})
 * and the heartbeat that keeps an in-flight batch claimed ({@code XCLAIM JUSTID}) count none. So a batch waiting
 * out an outage inside {@link StreamSink#put} gathers no deliveries, and a batch whose worker died does. A claimed
 * entry delivered once before goes back to the sink with its batch; one delivered twice or more (it failed, or
 * killed its worker, twice) goes alone, so it cannot take others down with it; one delivered
 * {@code maxDeliveries} times is dead-lettered {@code max_deliveries_exceeded} inside Redis, without its payload
 * ever being loaded again. A batch whose {@code put} throws is handed over again one entry at a time.
 *
 * <p>Lifecycle: {@link #run()} on a thread of its own; {@link #stop()} makes it finish the batches it has read and
 * return; interrupting the thread abandons them unacknowledged (they are claimed by another consumer later).
 */
public final class StreamConsumer<P> implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(StreamConsumer.class);
    private static final StreamEntryID ZERO = new StreamEntryID(0, 0);
    private static final int CLAIM_CHUNK = 1_000;

    private final UnifiedJedis redis;
    private final ConsumerSettings settings;
    private final StreamSink<P> sink;
    private final StreamMetrics metrics;
    private final Settlement settlement;
    private final Retries readRetries;
    private final Retries settleRetries;
    private final Set<Batch> inFlight = ConcurrentHashMap.newKeySet();
    /** A hand-over, not a buffer: the read-ahead thread holds at most one batch beyond the one in the sink. */
    private final BlockingQueue<Prepared<P>> readAhead = new SynchronousQueue<>();
    private final Object prepareLock = new Object();
    private volatile boolean stopping;
    private volatile boolean reading;
    private volatile Thread reader;
    private StreamEntryID claimCursor = ZERO;
    private long nextClaimAtNanos = System.nanoTime();

    /** A batch as {@link StreamSink#prepare} left it, or the failure it threw. */
    private record Prepared<P>(Batch batch, P prepared, RuntimeException failure) {
    }

    public StreamConsumer(UnifiedJedis redis, ConsumerSettings settings, StreamSink<P> sink, StreamMetrics metrics) {
        this.redis = redis;
        this.settings = settings;
        this.sink = sink;
        this.metrics = metrics;
        this.settlement = new Settlement(redis, settings.stream(), settings.group(), settings.deadLetterStream(),
                settings.deadLetterMaxLength());
        Duration backoffCap = Duration.ofMillis(Math.min(5_000, Math.max(200, settings.claimIdle().toMillis() / 4)));
        // reading waits out any failure (a read loop that died would stall the consumer silently)
        this.readRetries = Retries.untilStopped("read", "reading " + settings.stream() + " as "
                        + settings.consumer(), e -> e instanceof RuntimeException, Duration.ofMillis(100), backoffCap,
                () -> !stopping);
        this.settleRetries = Retries.untilStopped("ack", "settling a batch of " + settings.stream(),
                StreamConsumer::isRedisFailure, Duration.ofMillis(100), backoffCap, () -> true);
    }

    public ConsumerSettings settings() {
        return settings;
    }

    /** Whether the last attempt to read the stream succeeded: false while Redis or the group cannot be read. */
    public boolean isReading() {
        return reading;
    }

    public void stop() {
        stopping = true;
    }

    @Override
    public void run() {
        LOG.info("stage=read consumer {} joins group {} of {}", settings.consumer(), settings.group(),
                settings.stream());
        ScheduledExecutorService heartbeats = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "heartbeat-" + settings.consumer());
            t.setDaemon(true);
            return t;
        });
        long every = settings.heartbeat().toMillis();
        heartbeats.scheduleWithFixedDelay(this::heartbeat, every, every, TimeUnit.MILLISECONDS);
        try {
            readRetries.run(this::ensureGroup);
            replayOwnPending();
            if (settings.readAhead()) {
                startReader();
            }
            while (!stopping) {
                step();
            }
            finishReadAhead();
        } catch (InterruptedException e) {
            LOG.warn("stage=ack consumer {} interrupted; the batches it holds stay pending for another consumer"
                    + " to claim", settings.consumer());
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            if (!stopping) {
                throw e;
            }
            LOG.warn("stage=ack consumer {} stopped while Redis failed ({}); what it holds stays pending",
                    settings.consumer(), e.toString());
        } finally {
            heartbeats.shutdownNow();
            Thread r = reader;
            if (r != null) {
                r.interrupt();
            }
            inFlight.clear();
            reading = false;
        }
        LOG.info("stage=read consumer {} stopped", settings.consumer());
    }

    private void step() throws InterruptedException {
        if (System.nanoTime() - nextClaimAtNanos >= 0) {
            claimIdleEntries();
        }
        if (settings.readAhead()) {
            Prepared<P> next = readAhead.poll(settings.blockTime().toMillis(), TimeUnit.MILLISECONDS);
            if (next != null) {
                deliver(next, true);
            }
        } else {
            Batch batch = readNew();
            if (!batch.isEmpty()) {
                deliver(prepare(batch), true);
            }
        }
    }

    // ------------------------------------------------------------------------------------------- reading

    private Batch readNew() throws InterruptedException {
        XReadGroupParams params = XReadGroupParams.xReadGroupParams().count(settings.batchSize())
                .block((int) settings.blockTime().toMillis());
        Map<String, StreamEntryID> unread = Map.of(settings.stream(), StreamEntryID.UNRECEIVED_ENTRY);
        Replicated<Batch> read = readRetries.call(() -> group(() -> replicated(
                pipeline -> pipeline.xreadGroup(settings.group(), settings.consumer(), params, unread),
                () -> redis.xreadGroup(settings.group(), settings.consumer(), params, unread)).map(entries -> {
                    List<StreamRecord> records = new ArrayList<>();
                    if (entries != null) {
                        for (Map.Entry<String, List<StreamEntry>> perStream : entries) {
                            for (StreamEntry entry : perStream.getValue()) {
                                records.add(new StreamRecord(entry.getID().toString(), fields(entry), 1));
                            }
                        }
                    }
                    // '>' hands out the entries after the group's last delivered one: none in between is skipped
                    return new Batch(records, true);
                })));
        Batch batch = read.reply();
        if (read.shortfall() != null && !batch.isEmpty()) {
            batch = awaitReplicas(batch, read.shortfall());
        }
        if (!batch.isEmpty()) {
            inFlight.add(batch);
        }
        return batch;
    }

    /**
     * What a read returned, and, with replica acknowledgements required, why the replicas do not yet hold it
     * (null when they do, or none are required).
     */
    private record Replicated<T>(T reply, String shortfall) {
        <R> Replicated<R> map(Function<T, R> f) {
            return new Replicated<>(f.apply(reply), shortfall);
        }
    }

    /**
     * Runs a read ({@code plain}); with replica acknowledgements required, as {@code pipelined} followed by
     * {@code WAIT} on the same connection instead. A read for the group is a write (it moves entries into this
     * consumer's pending list, and Redis replicates that), so the {@code WAIT} after it returns once the replicas hold
     * it and with it every entry it returned: a worker that acts only on such entries never indexes or counts one that
     * a failover then loses (and that its client, answered 503, sends again).
     */
    private <T> Replicated<T> replicated(Function<AbstractPipeline, Response<T>> pipelined,
                                         Supplier<T> plain) {
        ReplicaAcks acks = settings.replicaAcks();
        if (!acks.required()) {
            return new Replicated<>(plain.get(), null);
        }
        try (AbstractPipeline pipeline = redis.pipelined()) {
            Response<T> reply = pipelined.apply(pipeline);
            // routed by the stream's key: on a Redis Cluster to the same master, on the same connection
            Response<Long> waited = pipeline.waitReplicas(settings.stream(), acks.replicas(),
                    acks.timeout().toMillis());
            pipeline.sync();
            return new Replicated<>(reply.get(), acks.shortfall(waited.get()));
        }
    }

    /**
     * A batch the replicas did not yet hold when it was read: held in flight (the heartbeat keeps it claimed) and
     * not handed to the sink until a {@code XCLAIM JUSTID} of its entries followed by {@code WAIT} says the replicas
     * hold them. The claim also tells which entries are still pending for this consumer: after a failover, those the
     * promoted master never received are dropped (their client is told 503 and sends them again) and those it has
     * but not as delivered are read again by someone. Empty when the consumer stops meanwhile.
     */
    private Batch awaitReplicas(Batch batch, String shortfall) throws InterruptedException {
        metrics.replicaAcksShort.increment(batch.size());
        LOG.warn("stage=read {}: consumer {} holds the {} entries it read until the replicas do", shortfall,
                settings.consumer(), batch.size());
        StreamEntryID[] ids = batch.records().stream().map(r -> new StreamEntryID(r.id()))
                .toArray(StreamEntryID[]::new);
        inFlight.add(batch);
        try {
            while (!stopping) {
                Replicated<List<StreamEntryID>> held = readRetries.call(() -> group(() -> replicated(
                        pipeline -> pipeline.xclaimJustId(settings.stream(), settings.group(), settings.consumer(), 0,
                                XClaimParams.xClaimParams(), ids),
                        List::of))); // always pipelined: acknowledgements are required here
                if (held.shortfall() == null) {
                    Set<String> pending = new HashSet<>();
                    held.reply().forEach(id -> pending.add(id.toString()));
                    LOG.info("stage=read the replicas hold the entries consumer {} read; {} of {} are still pending "
                            + "for it and go on", settings.consumer(), pending.size(), batch.size());
                    return batch.only(pending);
                }
            }
            return new Batch(List.of(), true);
        } finally {
            inFlight.remove(batch);
        }
    }

    private void startReader() {
        Thread thread = new Thread(() -> {
            try {
                while (!stopping) {
                    Batch batch = readNew();
                    if (!batch.isEmpty()) {
                        readAhead.put(prepare(batch));
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                if (!stopping) {
                    LOG.error("stage=read read-ahead of {} failed; reading stops", settings.consumer(), e);
                }
            }
        }, "read-ahead-" + settings.consumer());
        thread.setDaemon(true);
        reader = thread;
        thread.start();
    }

    /** After a stop: what the read-ahead thread already read is still delivered and settled. */
    private void finishReadAhead() throws InterruptedException {
        Thread r = reader;
        while (r != null) {
            Prepared<P> next = readAhead.poll(100, TimeUnit.MILLISECONDS);
            if (next != null) {
                deliver(next, true);
            } else if (!r.isAlive() && readAhead.isEmpty()) {
                return;
            }
        }
    }

    /** One {@link StreamSink#prepare} at a time: the read-ahead thread and redeliveries both prepare. */
    private Prepared<P> prepare(Batch batch) {
        synchronized (prepareLock) {
            try {
                return new Prepared<>(batch, sink.prepare(batch), null);
            } catch (RuntimeException e) {
                return new Prepared<>(batch, null, e);
            }
        }
    }

    // ---------------------------------------------------------------------------------------- redelivery

    /** Entries this consumer name left pending in an earlier life (a restart with the same KILLKRILL_CONSUMER_NAME). */
    private void replayOwnPending() throws InterruptedException {
        StreamEntryID from = StreamEntryID.MINIMUM_ID;
        while (!stopping) {
            StreamEntryID start = from;
            List<StreamPendingEntry> pending = readRetries.call(() -> group(() -> redis.xpending(settings.stream(),
                    settings.group(), XPendingParams.xPendingParams(start, StreamEntryID.MAXIMUM_ID,
                            settings.batchSize()).consumer(settings.consumer()))));
            if (pending.isEmpty()) {
                return;
            }
            LOG.info("stage=read consumer {} replays {} entries it left pending before", settings.consumer(),
                    pending.size());
            redeliver(pending);
            from = RetentionTrimmer.next(pending.get(pending.size() - 1).getID());
        }
    }

    private void claimIdleEntries() throws InterruptedException {
        Map.Entry<StreamEntryID, List<StreamEntryID>> claim = readRetries.call(() -> group(() ->
                redis.xautoclaimJustId(settings.stream(), settings.group(), settings.consumer(),
                        settings.claimIdle().toMillis(), claimCursor,
                        XAutoClaimParams.xAutoClaimParams().count(settings.batchSize()))));
        StreamEntryID cursor = claim.getKey();
        claimCursor = cursor == null ? ZERO : cursor;
        if (ZERO.equals(claimCursor)) {
            // a whole pass over the pending entries: look again after a fraction of the idle time
            nextClaimAtNanos = System.nanoTime() + Math.max(100, settings.claimIdle().toMillis() / 4) * 1_000_000L;
        }
        Set<String> held = heldIds();
        List<String> ids = claim.getValue().stream().map(StreamEntryID::toString).filter(id -> !held.contains(id))
                .toList();
        if (ids.isEmpty()) {
            return;
        }
        metrics.claimed.increment(ids.size());
        LOG.info("stage=read consumer {} claimed {} entries idle longer than {} ms on {}", settings.consumer(),
                ids.size(), settings.claimIdle().toMillis(), settings.stream());
        redeliver(pendingOf(ids));
    }

    /** The pending entries (with their delivery counts) of {@code ids}, which this consumer holds. */
    private List<StreamPendingEntry> pendingOf(List<String> ids) throws InterruptedException {
        Set<String> wanted = new HashSet<>(ids);
        StreamEntryID first = ids.stream().map(StreamEntryID::new).min(StreamEntryID::compareTo).orElseThrow();
        StreamEntryID last = ids.stream().map(StreamEntryID::new).max(StreamEntryID::compareTo).orElseThrow();
        int count = ids.size() + heldIds().size() + 16;
        List<StreamPendingEntry> pending = readRetries.call(() -> group(() -> redis.xpending(settings.stream(),
                settings.group(), XPendingParams.xPendingParams(first, last, count).consumer(settings.consumer()))));
        return pending.stream().filter(p -> wanted.contains(p.getID().toString())).toList();
    }

    /**
     * Hands pending entries to the sink again, by how often they were delivered before ({@link Redelivery}): the
     * exhausted ones are dead-lettered, those delivered once go back as one batch, the others one at a time.
     */
    private void redeliver(List<StreamPendingEntry> pending) throws InterruptedException {
        Redelivery redelivery = Redelivery.of(pending, settings.maxDeliveries());
        if (!redelivery.exhausted().isEmpty()) {
            deadLetterExhausted(redelivery.exhausted());
        }
        if (!redelivery.once().isEmpty()) {
            Batch batch = fetch(redelivery.once(), redelivery.deliveries());
            if (!batch.isEmpty()) {
                deliver(prepare(batch), true);
            }
        }
        for (String id : redelivery.suspects()) {
            if (stopping) {
                return;
            }
            Batch single = fetch(List.of(id), redelivery.deliveries());
            if (!single.isEmpty()) {
                deliver(prepare(single), false);
            }
        }
    }

    /** XCLAIM (counting a delivery) of entries this consumer holds, with their payload. */
    private Batch fetch(List<String> ids, Map<String, Long> deliveredBefore) throws InterruptedException {
        StreamEntryID[] entryIds = ids.stream().map(StreamEntryID::new).toArray(StreamEntryID[]::new);
        Replicated<List<StreamEntry>> claimed = readRetries.call(() -> group(() -> replicated(
                pipeline -> pipeline.xclaim(settings.stream(), settings.group(), settings.consumer(), 0,
                        XClaimParams.xClaimParams(), entryIds),
                () -> redis.xclaim(settings.stream(), settings.group(), settings.consumer(), 0,
                        XClaimParams.xClaimParams(), entryIds))));
        List<StreamEntry> entries = claimed.reply();
        List<StreamRecord> records = new ArrayList<>(entries.size());
        List<String> gone = new ArrayList<>();
        Set<String> returned = new HashSet<>();
        for (StreamEntry entry : entries) {
            if (entry == null) {
                continue;
            }
            String id = entry.getID().toString();
            returned.add(id);
            if (entry.getFields() == null) {
                gone.add(id);
            } else {
                records.add(new StreamRecord(id, entry.getFields(), deliveredBefore.getOrDefault(id, 0L) + 1));
            }
        }
        if (!gone.isEmpty()) {
            // deleted from the stream while pending: nothing is left to process or to keep
            settleRetries.call(() -> settlement.settle(gone.stream().<EntryFate>map(EntryFate.Completed::new).toList()));
        }
        records.sort((a, b) -> new StreamEntryID(a.id()).compareTo(new StreamEntryID(b.id())));
        Batch batch = new Batch(records, false);
        if (claimed.shortfall() != null && !batch.isEmpty()) {
            batch = awaitReplicas(batch, claimed.shortfall());
        }
        if (!batch.isEmpty()) {
            inFlight.add(batch);
        }
        return batch;
    }

    private void deadLetterExhausted(List<String> ids) throws InterruptedException {
        Settlement.Settled settled = settleRetries.call(() -> group(() -> settlement.deadLetterExhausted(ids,
                settings.maxDeliveries(), settings.service(), settings.sinkStage().wireName())));
        metrics.acknowledged.increment(settled.acknowledged());
        metrics.maxDeliveriesExceeded.increment(settled.deadLettered());
        metrics.deadLettered(DeadLetterReason.MAX_DELIVERIES_EXCEEDED, settings.sinkStage(), settled.deadLettered());
        countTrimmedDeadLetters(settled);
        if (settled.deadLettered() > 0) {
            LOG.warn("stage={} {} entries of {} delivered {} times without being settled were dead-lettered"
                            + " max_deliveries_exceeded: {}", settings.sinkStage().wireName(), settled.deadLettered(),
                    settings.stream(), settings.maxDeliveries(), ids.size() <= 20 ? ids : ids.subList(0, 20));
        }
    }

    // ------------------------------------------------------------------------------------ delivering

    /**
     * Hands a batch to the sink and settles what it returns. A batch the sink fails on is, when {@code isolate},
     * handed over again one entry at a time; a single entry the sink fails on stays pending.
     */
    private void deliver(Prepared<P> prepared, boolean isolate) throws InterruptedException {
        Batch batch = prepared.batch();
        metrics.batchSize.record(batch.size());
        metrics.delivered.increment(batch.size());
        List<EntryFate> fates;
        try {
            if (prepared.failure() != null) {
                throw prepared.failure();
            }
            fates = sink.put(prepared.prepared());
        } catch (RuntimeException e) {
            inFlight.remove(batch);
            if (isolate && batch.size() > 1) {
                LOG.error("stage={} the sink failed on a batch of {} entries of {}; handing them over one at a time"
                        + " to isolate the bad one", settings.sinkStage().wireName(), batch.size(), settings.stream(), e);
                metrics.isolated.increment(batch.size());
                for (StreamRecord record : batch.records()) {
                    if (stopping) {
                        return;
                    }
                    redeliver(pendingOf(List.of(record.id())));
                }
            } else {
                LOG.error("stage={} the sink failed on entry {} of {} (delivery {}); it stays pending and is"
                                + " delivered again after {} ms, up to KILLKRILL_MAX_DELIVERIES={}",
                        settings.sinkStage().wireName(), batch.records().get(0).id(), settings.stream(),
                        batch.records().get(0).deliveries(), settings.claimIdle().toMillis(),
                        settings.maxDeliveries(), e);
            }
            return;
        }
        try {
            settle(batch, fates);
        } finally {
            inFlight.remove(batch);
        }
    }

    private void settle(Batch batch, List<EntryFate> fates) throws InterruptedException {
        if (fates.size() < batch.size()) {
            LOG.warn("stage=ack the sink gave {} fates for {} entries; the others stay pending", fates.size(),
                    batch.size());
        }
        if (fates.isEmpty()) {
            return;
        }
        Settlement.Settled settled = settleRetries.call(() -> group(() -> settlement.settle(fates)));
        metrics.acknowledged.increment(settled.acknowledged());
        countTrimmedDeadLetters(settled);
        for (EntryFate fate : fates) {
            if (fate instanceof EntryFate.DeadLettered dead) {
                metrics.deadLettered(dead.letter().reason(), dead.letter().stage(), 1);
                LOG.warn("stage={} entry {} dead-lettered: {} {}", dead.letter().stage().wireName(), dead.entryId(),
                        dead.letter().reason().code(), dead.letter().message());
            }
        }
    }

    private void countTrimmedDeadLetters(Settlement.Settled settled) {
        if (settled.deadLettersTrimmed() > 0) {
            metrics.deadLettersTrimmed.increment(settled.deadLettersTrimmed());
            LOG.warn("stage=ack dead-letter stream {} is at its bound (KILLKRILL_DLQ_MAX_LENGTH={}): its {} oldest"
                            + " dead letters were trimmed", settings.deadLetterStream(), settings.deadLetterMaxLength(),
                    settled.deadLettersTrimmed());
        }
    }

    // ------------------------------------------------------------------------------------ heartbeat

    /**
     * Re-claims the entries of every batch in flight (XCLAIM JUSTID: no delivery counted, no payload), so that no
     * other consumer claims them while this one is alive (also while its sink waits out an outage), and records
     * which are still pending for it. Runs on a thread of its own.
     */
    void heartbeat() {
        for (Batch batch : inFlight) {
            long at = System.nanoTime();
            try {
                Set<String> held = new HashSet<>();
                List<StreamRecord> records = batch.records();
                for (int i = 0; i < records.size(); i += CLAIM_CHUNK) {
                    StreamEntryID[] ids = records.subList(i, Math.min(records.size(), i + CLAIM_CHUNK)).stream()
                            .map(r -> new StreamEntryID(r.id())).toArray(StreamEntryID[]::new);
                    redis.xclaimJustId(settings.stream(), settings.group(), settings.consumer(), 0,
                            XClaimParams.xClaimParams(), ids).forEach(id -> held.add(id.toString()));
                }
                batch.confirmHeld(held, at);
            } catch (RuntimeException e) {
                LOG.debug("stage=read heartbeat of {} failed: {}", settings.consumer(), e.toString());
            }
        }
    }

    private Set<String> heldIds() {
        Set<String> ids = new HashSet<>();
        for (Batch batch : inFlight) {
            batch.records().forEach(r -> ids.add(r.id()));
        }
        return ids;
    }

    // ------------------------------------------------------------------------------------ the group

    private void ensureGroup() {
        try {
            // from the beginning: entries written before the first worker started are not skipped
            redis.xgroupCreate(settings.stream(), settings.group(), ZERO, true);
            LOG.info("stage=read created consumer group {} on {}", settings.group(), settings.stream());
        } catch (JedisDataException e) {
            if (e.getMessage() == null || !e.getMessage().startsWith("BUSYGROUP")) {
                throw e;
            }
        }
        // listed in the group from the start (a blocking XREADGROUP that finds nothing does not create it)
        redis.xgroupCreateConsumer(settings.stream(), settings.group(), settings.consumer());
    }

    /**
     * Runs a Redis call for the group; when the group is gone (NOGROUP: Redis restarted without persistence, the
     * stream was deleted) recreates it from the start of the stream, says so, and fails this attempt so it is
     * retried. Any failure makes {@link #isReading()} false until a call succeeds.
     */
    private <T> T group(CheckedSupplier<T> call) throws Throwable {
        try {
            T result = call.get();
            reading = true;
            return result;
        } catch (JedisDataException e) {
            reading = false;
            if (e.getMessage() != null && e.getMessage().contains("NOGROUP")) {
                LOG.warn("stage=read consumer group {} of {} is missing (Redis lost it, or the stream was deleted);"
                        + " recreating it from the start of the stream", settings.group(), settings.stream());
                ensureGroup();
                metrics.groupRecreated.increment();
            }
            throw e;
        } catch (RuntimeException e) {
            reading = false;
            throw e;
        }
    }

    private static boolean isRedisFailure(Throwable e) {
        return e instanceof JedisException;
    }

    private static Map<String, String> fields(StreamEntry entry) {
        return entry.getFields() == null ? Map.of() : entry.getFields();
    }
}
