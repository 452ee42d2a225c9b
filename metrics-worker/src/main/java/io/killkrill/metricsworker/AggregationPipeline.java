package io.killkrill.metricsworker;

import dev.failsafe.Failsafe;
import dev.failsafe.RetryPolicy;
import io.killkrill.metricsworker.MetricsWorkerSettings.FaultInjection;
import io.killkrill.metricsworker.aggregate.BatchAggregation;
import io.killkrill.metricsworker.aggregate.CardinalityGuard;
import io.killkrill.metricsworker.aggregate.LabelSets;
import io.killkrill.metricsworker.aggregate.SeriesWindow;
import io.killkrill.metricsworker.aggregate.WindowAccumulator;
import io.killkrill.metricsworker.stream.EntrySource;
import io.killkrill.metricsworker.stream.SourceEntry;
import io.killkrill.metricsworker.store.AggregateStore;
import io.killkrill.model.DeadLetter;
import io.killkrill.model.DeadLetterReason;
import io.killkrill.model.EntryDecoding;
import io.killkrill.model.MetricSample;
import io.killkrill.model.MetricSampleCodec;
import io.killkrill.model.Stage;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The metrics-worker's loop, one read batch at a time: poll -> decode (undecodable: dead letter) -> lateness and
 * cardinality checks (dead letter) -> one PostgreSQL transaction that skips samples applied before and merges
 * the rest -> dead letters written and every entry acknowledged. Nothing is acknowledged before its effect is
 * committed; a crash in between is repaired by the applied-event records.
 */
final class AggregationPipeline implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(AggregationPipeline.class);
    static final String SERVICE = "metrics-worker";
    private static final int PARALLEL_DECODE_MIN = 256;

    private final EntrySource source;
    private final AggregateStore store;
    private final MetricsWorkerConfig config;
    private final List<Integer> windowSeconds;
    private final CardinalityGuard cardinality;
    private final Clock clock;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final RetryPolicy<Object> persistRetry;
    private final RetryPolicy<Object> redisRetry;
    private List<Long> acknowledgedToPrune = new ArrayList<>();
    private long nextSweepAtMillis;

    private final Counter entriesRead;
    private final Counter samplesAggregated;
    private final Counter samplesAlreadyApplied;
    private final Counter batchesCommitted;
    private final Counter persistRetries;
    private final Counter windowRowsRaced;
    private final Timer batchDuration;
    private final Timer readDuration;
    private final Timer decodeDuration;
    private final Timer persistDuration;
    private final Timer ackDuration;
    private final Map<DeadLetterReason, Counter> deadLettered = new ConcurrentHashMap<>();
    private final MeterRegistry registry;

    AggregationPipeline(EntrySource source, AggregateStore store, MetricsWorkerConfig config, MeterRegistry registry,
                        Clock clock) {
        this.source = source;
        this.store = store;
        this.config = config;
        this.registry = registry;
        this.clock = clock;
        this.windowSeconds = config.windows().stream().map(d -> (int) d.toSeconds()).toList();
        this.entriesRead = Counter.builder("killkrill_metrics_worker_entries_read")
                .description("Stream entries read (new or claimed).").register(registry);
        this.samplesAggregated = Counter.builder("killkrill_metrics_worker_samples_aggregated")
                .description("Samples whose effect was committed to PostgreSQL.").register(registry);
        this.samplesAlreadyApplied = Counter.builder("killkrill_metrics_worker_samples_already_applied")
                .description("Redelivered samples skipped because their effect was already committed.").register(registry);
        this.batchesCommitted = Counter.builder("killkrill_metrics_worker_batches_committed")
                .description("Batch transactions committed.").register(registry);
        this.persistRetries = Counter.builder("killkrill_metrics_worker_persist_retries")
                .description("Retried batch transactions (PostgreSQL unreachable, lock conflict).").register(registry);
        this.windowRowsRaced = Counter.builder("killkrill_metrics_worker_window_rows_raced")
                .description("Window rows another replica created at the same moment; merged into, not lost.")
                .register(registry);
        this.batchDuration = Timer.builder("killkrill_metrics_worker_batch_duration")
                .description("Time to process one read batch, from decode to acknowledgement.").register(registry);
        this.readDuration = stageTimer(registry, "read");
        this.decodeDuration = stageTimer(registry, "decode");
        this.persistDuration = stageTimer(registry, "persist");
        this.ackDuration = stageTimer(registry, "ack");
        this.persistRetry = RetryPolicy.builder()
                .handleIf(e -> running.get())
                .withBackoff(Duration.ofMillis(100), Duration.ofSeconds(5))
                .withJitter(0.25)
                .withMaxRetries(-1)
                .onRetry(event -> {
                    persistRetries.increment();
                    LOG.warn("stage=persist batch transaction failed (attempt {}), retrying: {}",
                            event.getAttemptCount(), String.valueOf(event.getLastException()));
                })
                .build();
        this.redisRetry = RetryPolicy.builder()
                .handleIf(e -> running.get())
                .withBackoff(Duration.ofMillis(100), Duration.ofSeconds(5))
                .withJitter(0.25)
                .withMaxRetries(-1)
                .onRetry(event -> LOG.warn("stage=ack settling the batch in Redis failed (attempt {}), retrying: {}",
                        event.getAttemptCount(), String.valueOf(event.getLastException())))
                .build();
        this.cardinality = new CardinalityGuard(config.maxSeriesPerMetric(),
                name -> Failsafe.with(persistRetry).get(() -> store.storedLabelSets(name)));
    }

    private static Timer stageTimer(MeterRegistry registry, String stage) {
        return Timer.builder("killkrill_metrics_worker_stage_duration").tag("stage", stage)
                .description("Time spent per batch in one stage: read (poll), decode (and checks), persist"
                        + " (the PostgreSQL transaction, retries included), ack (dead letters and XACK).")
                .register(registry);
    }

    /**
     * Reading and decoding the next batch (on the {@code metrics-worker-read} thread) overlaps storing and
     * acknowledging this one (on this thread). At most one batch waits decoded; when stopping, a batch already
     * read is still stored and acknowledged before the loop ends, so nothing delivered is left pending.
     */
    @Override
    public void run() {
        LOG.info("stage=read consuming {} as {}", source.streamName(), config.consumerName());
        ExecutorService reader = Executors.newSingleThreadExecutor(r -> new Thread(r, "metrics-worker-read"));
        try {
            Future<Decoded> next = reader.submit(this::readAndDecode);
            while (next != null) {
                Decoded batch = await(next);
                next = running.get() ? reader.submit(this::readAndDecode) : null;
                sweepIfDue();
                if (batch.entries().isEmpty()) {
                    continue;
                }
                try {
                    batchDuration.record(() -> persistAndSettle(batch));
                } catch (RuntimeException e) {
                    // retries end only when stopping (or on a bug): the entries stay pending and are redelivered
                    LOG.error("stage=persist batch of {} entries left unacknowledged, it will be redelivered: {}",
                            batch.entries().size(), e.toString(), e);
                }
            }
        } finally {
            reader.shutdownNow();
        }
        try {
            store.prune(acknowledgedToPrune);
        } catch (RuntimeException e) {
            LOG.warn("stage=persist pruning applied-entry records at shutdown failed (harmless): {}", e.toString());
        }
        LOG.info("stage=read stopped consuming {}", source.streamName());
    }

    /**
     * Every claim-idle period: deletes the {@code applied_entries} rows older than that whose entries are no
     * longer pending anywhere in the group. Those are rows a worker left when it died after acknowledging and
     * before pruning, or whose entries another worker claimed and settled. A row with any entry still pending
     * is kept: it is what makes that entry's redelivery harmless.
     */
    private void sweepIfDue() {
        long now = clock.millis();
        if (now < nextSweepAtMillis) {
            return;
        }
        nextSweepAtMillis = now + config.claimIdle().toMillis();
        try {
            List<Long> settled = store.recordsAppliedBefore(clock.instant().minus(config.claimIdle()), 1_000).stream()
                    .filter(r -> !source.anyPending(r.firstId(), r.lastId()))
                    .map(AggregateStore.AppliedRecord::id).toList();
            store.prune(settled);
            if (!settled.isEmpty()) {
                LOG.info("stage=persist deleted {} applied-entry records whose entries are all acknowledged",
                        settled.size());
            }
        } catch (RuntimeException e) {
            LOG.warn("stage=persist sweeping old applied-entry records failed (harmless, next time): {}", e.toString());
        }
    }

    /**
     * One batch read and decoded: every entry's ID (all are acknowledged), the dead letters, and the accepted
     * samples with their entry IDs, already folded into partial window aggregates.
     */
    private record Decoded(List<SourceEntry> entries, Optional<AggregateStore.EntryRange> wholeRange,
                           List<DeadLetter> deadLetters, List<MetricSample> accepted, List<String> acceptedIds,
                           SortedMap<SeriesWindow, WindowAccumulator> aggregated) {
        static final Decoded NOTHING = new Decoded(List.of(), Optional.empty(), List.of(), List.of(), List.of(),
                new TreeMap<>());
    }

    private Decoded await(Future<Decoded> next) {
        try {
            return next.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running.set(false);
            return Decoded.NOTHING;
        } catch (ExecutionException e) {
            // decoding failed (a bug, or the cardinality lookup given up while stopping): the batch read stays
            // pending and is redelivered; the loop goes on
            LOG.error("stage=validate reading or decoding a batch failed; its entries stay pending: {}",
                    String.valueOf(e.getCause()), e.getCause());
            return Decoded.NOTHING;
        }
    }

    private Decoded readAndDecode() {
        EntrySource.Batch batch;
        try {
            long readStarted = System.nanoTime();
            batch = source.poll();
            if (batch.isEmpty()) {
                return Decoded.NOTHING;
            }
            readDuration.record(System.nanoTime() - readStarted, TimeUnit.NANOSECONDS);
        } catch (RuntimeException e) {
            if (running.get()) {
                LOG.warn("stage=read reading {} failed, trying again: {}", source.streamName(), e.toString());
                pause(Duration.ofMillis(500));
            }
            return Decoded.NOTHING;
        }
        List<SourceEntry> entries = batch.entries();
        entriesRead.increment(entries.size());
        long decodeStarted = System.nanoTime();
        Instant oldestAccepted = clock.instant().minus(config.maxLateness());
        List<DeadLetter> deadLetters = new ArrayList<>();
        List<MetricSample> accepted = new ArrayList<>(entries.size());
        List<String> acceptedIds = new ArrayList<>(entries.size());
        // decoding is pure and the costliest step per sample: spread over the cores, in entry order
        List<EntryDecoding<MetricSample>> decodings = entries.size() < PARALLEL_DECODE_MIN
                ? entries.stream().map(e -> MetricSampleCodec.fromEntry(e.fields())).toList()
                : entries.parallelStream().map(e -> MetricSampleCodec.fromEntry(e.fields())).toList();
        Map<SortedMap<String, String>, String> canonicalLabels = new HashMap<>();
        for (int i = 0; i < entries.size(); i++) {
            SourceEntry entry = entries.get(i);
            EntryDecoding<MetricSample> decoding = decodings.get(i);
            if (decoding instanceof EntryDecoding.Undecodable<MetricSample> bad) {
                deadLetters.add(deadLetter(entry, Stage.VALIDATE, bad.reason(), bad.message()));
                continue;
            }
            MetricSample sample = ((EntryDecoding.Decoded<MetricSample>) decoding).value();
            if (sample.timestamp().isBefore(oldestAccepted)) {
                deadLetters.add(deadLetter(entry, Stage.AGGREGATE, DeadLetterReason.TOO_LATE,
                        "sample timestamp " + sample.timestamp() + " is older than now minus KILLKRILL_MAX_LATENESS ("
                                + config.maxLateness() + ")"));
            } else if (!cardinality.admit(sample.name(),
                    canonicalLabels.computeIfAbsent(sample.labels(), LabelSets::canonical))) {
                deadLetters.add(deadLetter(entry, Stage.AGGREGATE, DeadLetterReason.CARDINALITY_LIMIT,
                        "metric " + sample.name() + " already has " + config.maxSeriesPerMetric()
                                + " label sets (KILLKRILL_MAX_SERIES_PER_METRIC)"));
            } else {
                accepted.add(sample);
                acceptedIds.add(entry.id());
            }
        }
        Optional<AggregateStore.EntryRange> wholeRange = batch.wholeRange()
                ? Optional.of(new AggregateStore.EntryRange(entries.get(0).id(), entries.get(entries.size() - 1).id()))
                : Optional.empty();
        // folded as if all are new, the usual case; redelivered ones are found in the transaction (refolded then)
        SortedMap<SeriesWindow, WindowAccumulator> aggregated = BatchAggregation.aggregate(accepted, windowSeconds);
        decodeDuration.record(System.nanoTime() - decodeStarted, TimeUnit.NANOSECONDS);
        return new Decoded(entries, wholeRange, deadLetters, accepted, acceptedIds, aggregated);
    }

    private void persistAndSettle(Decoded batch) {
        long persistStarted = System.nanoTime();
        List<Long> records = List.of();
        if (!batch.accepted().isEmpty() || !acknowledgedToPrune.isEmpty()) {
            List<Long> prune = acknowledgedToPrune;
            AggregateStore.Applied applied = Failsafe.with(persistRetry).get(() -> store.apply(prune,
                    batch.wholeRange(), batch.acceptedIds(), config.consumerName(),
                    fresh -> fresh.size() == batch.accepted().size() ? batch.aggregated()
                            : BatchAggregation.aggregate(freshSamples(batch.accepted(), batch.acceptedIds(), fresh),
                            windowSeconds)));
            acknowledgedToPrune = new ArrayList<>();
            records = applied.records();
            batchesCommitted.increment();
            samplesAggregated.increment(applied.freshSamples());
            samplesAlreadyApplied.increment(applied.alreadyApplied());
            windowRowsRaced.increment(applied.rowsRaced());
            if (applied.alreadyApplied() > 0) {
                LOG.info("stage=persist skipped {} samples applied before (redelivered after a crash)",
                        applied.alreadyApplied());
            }
            if (config.faultInjection() == FaultInjection.CRASH_AFTER_COMMIT && applied.freshSamples() > 0) {
                LOG.error("stage=ack fault injection: halting after commit, before XACK");
                Runtime.getRuntime().halt(137);
            }
        }
        long ackStarted = System.nanoTime();
        persistDuration.record(ackStarted - persistStarted, TimeUnit.NANOSECONDS);
        List<String> ids = batch.entries().stream().map(SourceEntry::id).toList();
        Failsafe.with(redisRetry).run(() -> source.settle(ids, batch.deadLetters()));
        ackDuration.record(System.nanoTime() - ackStarted, TimeUnit.NANOSECONDS);
        acknowledgedToPrune.addAll(records); // only now: before the XACK they are what makes a redelivery harmless
        for (DeadLetter letter : batch.deadLetters()) {
            deadLettered.computeIfAbsent(letter.reason(), reason -> Counter.builder(
                    "killkrill_metrics_worker_dead_lettered").tag("reason", reason.code())
                    .description("Entries dead-lettered, by reason.").register(registry)).increment();
        }
        if (!batch.deadLetters().isEmpty()) {
            LOG.warn("stage=aggregate dead-lettered {} of {} entries", batch.deadLetters().size(),
                    batch.entries().size());
        }
    }

    /** The accepted samples whose entry IDs are in {@code fresh}. */
    private static List<MetricSample> freshSamples(List<MetricSample> accepted, List<String> entryIds,
                                                   Set<String> fresh) {
        List<MetricSample> samples = new ArrayList<>(fresh.size());
        for (int i = 0; i < accepted.size(); i++) {
            if (fresh.contains(entryIds.get(i))) {
                samples.add(accepted.get(i));
            }
        }
        return samples;
    }

    private DeadLetter deadLetter(SourceEntry entry, Stage stage, DeadLetterReason reason, String message) {
        return DeadLetter.ofEntry(source.streamName(), entry.id(), entry.fields(), stage, reason, message, 1,
                SERVICE);
    }

    /** Stops after the batch in hand is committed and acknowledged (or, while retrying, left pending). */
    void stop() {
        running.set(false);
    }

    private void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis()); // back-off after a failed read, not a wait for a condition
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running.set(false);
        }
    }

    Set<DeadLetterReason> deadLetterReasonsSeen() {
        return deadLettered.keySet();
    }
}
