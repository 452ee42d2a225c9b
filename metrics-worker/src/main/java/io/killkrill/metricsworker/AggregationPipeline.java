package io.killkrill.metricsworker;

import dev.failsafe.Failsafe;
import dev.failsafe.RetryPolicy;
import io.killkrill.metricsworker.MetricsWorkerSettings.FaultInjection;
import io.killkrill.metricsworker.aggregate.BatchAggregation;
import io.killkrill.metricsworker.aggregate.CardinalityGuard;
import io.killkrill.metricsworker.aggregate.LabelSets;
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
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
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
    private List<UUID> acknowledgedToPrune = new ArrayList<>();

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

    @Override
    public void run() {
        LOG.info("stage=read consuming {} as {}", source.streamName(), config.consumerName());
        while (running.get()) {
            List<SourceEntry> entries;
            try {
                long readStarted = System.nanoTime();
                entries = source.poll();
                if (!entries.isEmpty()) {
                    readDuration.record(System.nanoTime() - readStarted, TimeUnit.NANOSECONDS);
                }
            } catch (RuntimeException e) {
                if (!running.get()) {
                    break;
                }
                LOG.warn("stage=read reading {} failed, trying again: {}", source.streamName(), e.toString());
                pause(Duration.ofMillis(500));
                continue;
            }
            if (entries.isEmpty()) {
                continue;
            }
            try {
                batchDuration.record(() -> process(entries));
            } catch (RuntimeException e) {
                // retries end only when stopping (or on a bug): the entries stay pending and are redelivered
                LOG.error("stage=persist batch of {} entries left unacknowledged, it will be redelivered: {}",
                        entries.size(), e.toString(), e);
            }
        }
        try {
            store.prune(acknowledgedToPrune);
        } catch (RuntimeException e) {
            LOG.warn("stage=persist pruning applied-event records at shutdown failed (harmless): {}", e.toString());
        }
        LOG.info("stage=read stopped consuming {}", source.streamName());
    }

    private void process(List<SourceEntry> entries) {
        entriesRead.increment(entries.size());
        long decodeStarted = System.nanoTime();
        Instant oldestAccepted = clock.instant().minus(config.maxLateness());
        List<String> ids = new ArrayList<>(entries.size());
        List<DeadLetter> deadLetters = new ArrayList<>();
        List<MetricSample> accepted = new ArrayList<>(entries.size());
        List<UUID> eventIds = new ArrayList<>(entries.size());
        // decoding is pure and the costliest step per sample: spread over the cores, in entry order
        List<EntryDecoding<MetricSample>> decodings = entries.size() < PARALLEL_DECODE_MIN
                ? entries.stream().map(e -> MetricSampleCodec.fromEntry(e.fields())).toList()
                : entries.parallelStream().map(e -> MetricSampleCodec.fromEntry(e.fields())).toList();
        Map<SortedMap<String, String>, String> canonicalLabels = new HashMap<>();
        for (int i = 0; i < entries.size(); i++) {
            SourceEntry entry = entries.get(i);
            ids.add(entry.id());
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
                eventIds.add(UUID.fromString(sample.eventId()));
            }
        }
        long persistStarted = System.nanoTime();
        decodeDuration.record(persistStarted - decodeStarted, TimeUnit.NANOSECONDS);
        if (!accepted.isEmpty() || !acknowledgedToPrune.isEmpty()) {
            List<UUID> prune = acknowledgedToPrune;
            AggregateStore.Applied applied = Failsafe.with(persistRetry).get(() -> store.apply(prune, eventIds,
                    fresh -> BatchAggregation.aggregate(freshSamples(accepted, eventIds, fresh), windowSeconds)));
            acknowledgedToPrune = new ArrayList<>();
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
        Failsafe.with(redisRetry).run(() -> source.settle(ids, deadLetters));
        ackDuration.record(System.nanoTime() - ackStarted, TimeUnit.NANOSECONDS);
        acknowledgedToPrune.addAll(eventIds);
        for (DeadLetter letter : deadLetters) {
            deadLettered.computeIfAbsent(letter.reason(), reason -> Counter.builder(
                    "killkrill_metrics_worker_dead_lettered").tag("reason", reason.code())
                    .description("Entries dead-lettered, by reason.").register(registry)).increment();
        }
        if (!deadLetters.isEmpty()) {
            LOG.warn("stage=aggregate dead-lettered {} of {} entries", deadLetters.size(), entries.size());
        }
    }

    /** The accepted samples whose IDs are in {@code fresh}; a sample repeated within the batch counts once. */
    private static List<MetricSample> freshSamples(List<MetricSample> accepted, List<UUID> eventIds, Set<UUID> fresh) {
        Set<UUID> unused = new HashSet<>(fresh);
        List<MetricSample> samples = new ArrayList<>(fresh.size());
        for (int i = 0; i < accepted.size(); i++) {
            if (unused.remove(eventIds.get(i))) {
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
