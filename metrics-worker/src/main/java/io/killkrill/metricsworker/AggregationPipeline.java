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
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
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
    private final Timer batchDuration;
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
        this.batchDuration = Timer.builder("killkrill_metrics_worker_batch_duration")
                .description("Time to process one read batch, from decode to acknowledgement.").register(registry);
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

    @Override
    public void run() {
        LOG.info("stage=read consuming {} as {}", source.streamName(), config.consumerName());
        while (running.get()) {
            List<SourceEntry> entries;
            try {
                entries = source.poll();
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
        Instant oldestAccepted = clock.instant().minus(config.maxLateness());
        List<String> ids = new ArrayList<>(entries.size());
        List<DeadLetter> deadLetters = new ArrayList<>();
        List<MetricSample> accepted = new ArrayList<>(entries.size());
        for (SourceEntry entry : entries) {
            ids.add(entry.id());
            EntryDecoding<MetricSample> decoding = MetricSampleCodec.fromEntry(entry.fields());
            if (decoding instanceof EntryDecoding.Undecodable<MetricSample> bad) {
                deadLetters.add(deadLetter(entry, Stage.VALIDATE, bad.reason(), bad.message()));
                continue;
            }
            MetricSample sample = ((EntryDecoding.Decoded<MetricSample>) decoding).value();
            if (sample.timestamp().isBefore(oldestAccepted)) {
                deadLetters.add(deadLetter(entry, Stage.AGGREGATE, DeadLetterReason.TOO_LATE,
                        "sample timestamp " + sample.timestamp() + " is older than now minus KILLKRILL_MAX_LATENESS ("
                                + config.maxLateness() + ")"));
            } else if (!cardinality.admit(sample.name(), LabelSets.canonical(sample.labels()))) {
                deadLetters.add(deadLetter(entry, Stage.AGGREGATE, DeadLetterReason.CARDINALITY_LIMIT,
                        "metric " + sample.name() + " already has " + config.maxSeriesPerMetric()
                                + " label sets (KILLKRILL_MAX_SERIES_PER_METRIC)"));
            } else {
                accepted.add(sample);
            }
        }
        List<UUID> eventIds = accepted.stream().map(s -> UUID.fromString(s.eventId())).toList();
        if (!accepted.isEmpty() || !acknowledgedToPrune.isEmpty()) {
            List<UUID> prune = acknowledgedToPrune;
            AggregateStore.Applied applied = Failsafe.with(persistRetry).get(() -> store.apply(prune, eventIds,
                    fresh -> BatchAggregation.aggregate(
                            accepted.stream().filter(s -> fresh.remove(UUID.fromString(s.eventId()))).toList(),
                            windowSeconds)));
            acknowledgedToPrune = new ArrayList<>();
            batchesCommitted.increment();
            samplesAggregated.increment(applied.freshSamples());
            samplesAlreadyApplied.increment(applied.alreadyApplied());
            if (applied.alreadyApplied() > 0) {
                LOG.info("stage=persist skipped {} samples applied before (redelivered after a crash)",
                        applied.alreadyApplied());
            }
            if (config.faultInjection() == FaultInjection.CRASH_AFTER_COMMIT && applied.freshSamples() > 0) {
                LOG.error("stage=ack fault injection: halting after commit, before XACK");
                Runtime.getRuntime().halt(137);
            }
        }
        Failsafe.with(redisRetry).run(() -> source.settle(ids, deadLetters));
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
