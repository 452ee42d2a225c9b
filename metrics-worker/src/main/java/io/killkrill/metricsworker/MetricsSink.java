package io.killkrill.metricsworker;

import io.killkrill.metricsworker.MetricsWorkerSettings.FaultInjection;
import io.killkrill.metricsworker.aggregate.BatchAggregation;
import io.killkrill.metricsworker.aggregate.CardinalityGuard;
import io.killkrill.metricsworker.aggregate.CounterPoints;
import io.killkrill.metricsworker.aggregate.LabelSets;
import io.killkrill.metricsworker.aggregate.SeriesWindow;
import io.killkrill.metricsworker.aggregate.Sketches;
import io.killkrill.metricsworker.aggregate.WindowAccumulator;
import io.killkrill.metricsworker.store.AggregateStore;
import io.killkrill.metricsworker.store.ApplyTransaction;
import io.killkrill.metricsworker.store.MergeReport;
import io.killkrill.metricsworker.store.PersistFailures;
import io.killkrill.model.DeadLetter;
import io.killkrill.model.DeadLetterReason;
import io.killkrill.model.EntryDecoding;
import io.killkrill.model.MetricSample;
import io.killkrill.model.MetricSampleCodec;
import io.killkrill.model.Stage;
import io.killkrill.stream.Batch;
import io.killkrill.stream.EntryFate;
import io.killkrill.stream.Retries;
import io.killkrill.stream.StreamRecord;
import io.killkrill.stream.StreamSink;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.concurrent.TimeUnit;

/**
 * The metrics-worker's sink. {@link #prepare} (on the runtime's read-ahead thread): decode each entry (undecodable:
 * dead letter), the lateness and cardinality checks (dead letters) and the fold into partial window aggregates.
 * {@link #put}: one PostgreSQL transaction ({@link ApplyTransaction}) that records which entries are applied, skips
 * those applied before and merges the rest; every entry leaves with a fate, which the runtime settles.
 *
 * <p>Exactly once. An entry's effect is committed together with its applied-entries record, and the record is
 * kept until well after the entry was acknowledged (see {@link AppliedEntriesSweeper}). A transaction applies
 * only entries the runtime confirmed as still pending for this consumer within {@link #holdConfirmation}: an
 * entry acknowledged by someone else (a copy this consumer holds after another one claimed and settled it) is
 * therefore never applied once its record could be gone.
 *
 * <p>Failures. Those that pass (PostgreSQL unreachable, restarting, read-only, a serialization failure, a
 * deadlock, a lock timeout: {@link PersistFailures#isTransient}) are retried with backoff for as long as it
 * takes. Any other failure of a transaction (a data or constraint error) is bisected: each half in a
 * transaction of its own, down to the single samples PostgreSQL refuses, which are dead-lettered
 * {@code persist_rejected} with the SQLSTATE; the rest is stored, exactly once.
 */
final class MetricsSink implements StreamSink<MetricsSink.Prepared> {
    private static final Logger LOG = LoggerFactory.getLogger(MetricsSink.class);
    static final String SERVICE = "metrics-worker";
    private static final int PARALLEL_DECODE_MIN = 256;

    private final int shard;
    private final String stream;
    private final AggregateStore store;
    private final MetricsWorkerConfig config;
    private final List<Integer> windowSeconds;
    private final CardinalityGuard cardinality;
    private final Clock clock;
    private final Duration holdConfirmation;
    private final Retries persistRetries;

    private final Counter samplesAggregated;
    private final Counter samplesAlreadyApplied;
    private final Counter batchesCommitted;
    private final Counter windowRowsRaced;
    private final Counter typeConflicts;
    private final Counter outOfPlaceCounterSamples;
    private final Counter bisected;
    private final Timer decodeDuration;
    private final Timer persistDuration;

    /**
     * One batch decoded and checked: the dead letters, and the accepted samples with their entry IDs, already
     * folded into partial window aggregates (as if all are new, the usual case).
     */
    record Prepared(Batch batch, List<EntryFate.DeadLettered> deadLetters, List<MetricSample> accepted,
                    List<String> acceptedIds, SortedMap<SeriesWindow, WindowAccumulator> aggregated) {
    }

    /**
     * The sink of stream shard {@code shard} (0 with one shard), whose stream is {@code stream}; the shards' sinks
     * share one {@code cardinality} guard, so that the cap per metric holds over all of them.
     */
    MetricsSink(int shard, String stream, AggregateStore store, CardinalityGuard cardinality,
                MetricsWorkerConfig config, MeterRegistry registry, Clock clock) {
        this.shard = shard;
        this.stream = stream;
        this.store = store;
        this.cardinality = cardinality;
        this.config = config;
        this.clock = clock;
        this.windowSeconds = config.windows().stream().map(d -> (int) d.toSeconds()).toList();
        this.holdConfirmation = AppliedEntriesSweeper.holdConfirmation(config.claimIdle());
        this.persistRetries = persistRetries(registry);
        this.samplesAggregated = Counter.builder("killkrill.metrics_worker.samples.aggregated")
                .description("Samples whose effect was committed to PostgreSQL.").register(registry);
        this.samplesAlreadyApplied = Counter.builder("killkrill.metrics_worker.samples.already_applied")
                .description("Redelivered samples skipped because their effect was already committed.").register(registry);
        this.batchesCommitted = Counter.builder("killkrill.metrics_worker.batches.committed")
                .description("Batch transactions committed.").register(registry);
        this.windowRowsRaced = Counter.builder("killkrill.metrics_worker.window.rows_raced")
                .description("Window rows another replica created at the same moment; merged into, not lost.")
                .register(registry);
        this.typeConflicts = Counter.builder("killkrill.metrics_worker.samples.type_conflicts")
                .description("Samples merged into a window of another type (counter, delta, gauge): counted in its"
                        + " count, sum, min, max and quantiles, not in its first, last or increase.")
                .register(registry);
        this.outOfPlaceCounterSamples = Counter.builder("killkrill.metrics_worker.samples.out_of_place")
                .description("Counter samples that arrived with a time among the earliest samples of a window with"
                        + " more than " + CounterPoints.MAX_POINTS + ", which were folded: the window's increase may"
                        + " be off.")
                .register(registry);
        this.bisected = Counter.builder("killkrill.metrics_worker.transactions.bisected")
                .description("Batch transactions that failed for good and were split to find the refused samples.")
                .register(registry);
        this.decodeDuration = stageTimer(registry, "decode");
        this.persistDuration = stageTimer(registry, "persist");
    }

    /** How the store is retried: a failure that passes, for as long as it takes ({@link PersistFailures}). */
    private static Retries persistRetries(MeterRegistry registry) {
        Counter retried = Counter.builder("killkrill.metrics_worker.persist.retries")
                .description("Retried batch transactions (PostgreSQL unreachable, read-only, lock conflict).")
                .register(registry);
        return Retries.untilStopped("persist", "the batch transaction", PersistFailures::isTransient,
                Duration.ofMillis(100), Duration.ofSeconds(5), () -> true).onEachRetry(retried::increment);
    }

    /**
     * The cap on label sets per metric ({@code KILLKRILL_METRICS_WORKER_MAX_SERIES_PER_METRIC}) that every shard's
     * sink of this worker shares; the label sets stored before are looked up as the transactions are retried.
     */
    static CardinalityGuard cardinalityGuard(AggregateStore store, MetricsWorkerConfig config,
                                             MeterRegistry registry) {
        Retries retries = persistRetries(registry);
        return new CardinalityGuard(config.maxSeriesPerMetric(), name -> {
            try {
                return retries.call(() -> store.storedLabelSets(name));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("stopped while looking up the label sets of " + name, e);
            }
        });
    }

    private static Timer stageTimer(MeterRegistry registry, String stage) {
        return Timer.builder("killkrill.metrics_worker.stage.duration").tag("stage", stage)
                .description("Time spent per batch in one stage: decode (and checks), persist (the PostgreSQL"
                        + " transaction, retries included).")
                .register(registry);
    }

    @Override
    public Prepared prepare(Batch batch) {
        long started = System.nanoTime();
        List<StreamRecord> records = batch.records();
        Instant oldestAccepted = clock.instant().minus(config.maxLateness());
        List<EntryFate.DeadLettered> deadLetters = new ArrayList<>();
        List<MetricSample> accepted = new ArrayList<>(records.size());
        List<String> acceptedIds = new ArrayList<>(records.size());
        // decoding is pure and the costliest step per sample: spread over the cores, in entry order
        List<EntryDecoding<MetricSample>> decodings = records.size() < PARALLEL_DECODE_MIN
                ? records.stream().map(e -> MetricSampleCodec.fromEntry(e.fields())).toList()
                : records.parallelStream().map(e -> MetricSampleCodec.fromEntry(e.fields())).toList();
        Map<SortedMap<String, String>, String> canonicalLabels = new HashMap<>();
        for (int i = 0; i < records.size(); i++) {
            StreamRecord record = records.get(i);
            EntryDecoding<MetricSample> decoding = decodings.get(i);
            if (decoding instanceof EntryDecoding.Undecodable<MetricSample> bad) {
                deadLetters.add(deadLetter(record, Stage.VALIDATE, bad.reason(), bad.message()));
                continue;
            }
            MetricSample sample = ((EntryDecoding.Decoded<MetricSample>) decoding).value();
            if (!Sketches.tracks(sample.value())) {
                deadLetters.add(deadLetter(record, Stage.VALIDATE, DeadLetterReason.INVALID_EVENT, "value "
                        + sample.value() + " is outside the range the quantile sketch tracks (|value| <= "
                        + Sketches.MAX_TRACKED + ")"));
            } else if (sample.timestamp().isBefore(oldestAccepted)) {
                deadLetters.add(deadLetter(record, Stage.AGGREGATE, DeadLetterReason.TOO_LATE,
                        "sample timestamp " + sample.timestamp()
                                + " is older than now minus KILLKRILL_METRICS_WORKER_MAX_LATENESS ("
                                + config.maxLateness() + ")"));
            } else if (!cardinality.admit(sample.name(),
                    canonicalLabels.computeIfAbsent(sample.labels(), LabelSets::canonical))) {
                deadLetters.add(deadLetter(record, Stage.AGGREGATE, DeadLetterReason.CARDINALITY_LIMIT,
                        "metric " + sample.name() + " already has " + config.maxSeriesPerMetric()
                                + " label sets (KILLKRILL_METRICS_WORKER_MAX_SERIES_PER_METRIC)"));
            } else {
                accepted.add(sample);
                acceptedIds.add(record.id());
            }
        }
        SortedMap<SeriesWindow, WindowAccumulator> aggregated = BatchAggregation.aggregate(accepted, windowSeconds);
        decodeDuration.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        return new Prepared(batch, deadLetters, accepted, acceptedIds, aggregated);
    }

    @Override
    public List<EntryFate> put(Prepared batch) throws InterruptedException {
        List<EntryFate> fates = new ArrayList<>(batch.batch().size());
        fates.addAll(batch.deadLetters());
        if (batch.accepted().isEmpty()) {
            return fates;
        }
        long started = System.nanoTime();
        Map<String, MetricSample> samples = new LinkedHashMap<>();
        for (int i = 0; i < batch.accepted().size(); i++) {
            samples.put(batch.acceptedIds().get(i), batch.accepted().get(i));
        }
        try {
            fates.addAll(applyOrBisect(batch, samples, true));
        } finally {
            persistDuration.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        }
        return fates;
    }

    /**
     * Applies {@code samples} (entry ID -> sample, in stream order) in one transaction, retrying transient
     * failures; a transaction that fails otherwise is split in halves, each applied the same way, down to the
     * single sample that is refused.
     */
    private List<EntryFate> applyOrBisect(Prepared batch, Map<String, MetricSample> samples, boolean whole)
            throws InterruptedException {
        try {
            return persistRetries.call(() -> applyOnce(batch, samples, whole));
        } catch (RuntimeException e) {
            if (PersistFailures.isTransient(e)) {
                throw e; // only when stopping
            }
            if (samples.size() == 1) {
                String id = samples.keySet().iterator().next();
                StreamRecord record = batch.batch().records().stream().filter(r -> r.id().equals(id)).findFirst()
                        .orElseThrow();
                DeadLetter letter = DeadLetter.ofEntry(stream, id, record.fields(), Stage.PERSIST,
                        DeadLetterReason.PERSIST_REJECTED, "PostgreSQL refused the sample: "
                                + PersistFailures.describe(e), (int) record.deliveries(), SERVICE)
                        .withDetails(PersistFailures.details(e));
                return List.of(new EntryFate.DeadLettered(id, letter));
            }
            bisected.increment();
            LOG.warn("stage=persist a transaction of {} samples failed for good ({}); bisecting it to find the"
                    + " refused samples", samples.size(), PersistFailures.describe(e));
            List<String> ids = new ArrayList<>(samples.keySet());
            Map<String, MetricSample> first = new LinkedHashMap<>();
            Map<String, MetricSample> second = new LinkedHashMap<>();
            for (int i = 0; i < ids.size(); i++) {
                (i < ids.size() / 2 ? first : second).put(ids.get(i), samples.get(ids.get(i)));
            }
            List<EntryFate> fates = new ArrayList<>(applyOrBisect(batch, first, false));
            fates.addAll(applyOrBisect(batch, second, false));
            return fates;
        }
    }

    /** One transaction attempt over the samples this consumer still holds; their fates. */
    private List<EntryFate> applyOnce(Prepared batch, Map<String, MetricSample> samples, boolean whole) {
        Set<String> held = batch.batch().heldWithin(holdConfirmation).orElseThrow(() ->
                new PersistFailures.HoldUnconfirmed("Redis has not confirmed within " + holdConfirmation
                        + " that this consumer still holds the batch"));
        List<String> ids = new ArrayList<>(samples.size());
        List<MetricSample> mine = new ArrayList<>(samples.size());
        samples.forEach((id, sample) -> {
            if (held.contains(id)) {
                ids.add(id);
                mine.add(sample);
            }
        });
        if (ids.size() < samples.size()) {
            LOG.info("stage=persist {} of {} entries are no longer pending for this consumer (another one claimed"
                    + " or settled them); not applying them", samples.size() - ids.size(), samples.size());
        }
        if (ids.isEmpty()) {
            return List.of();
        }
        boolean contiguous = whole && batch.batch().contiguous() && ids.size() == batch.batch().size();
        Optional<AggregateStore.EntryRange> range = contiguous
                ? Optional.of(new AggregateStore.EntryRange(ids.get(0), ids.get(ids.size() - 1)))
                : Optional.empty();
        Set<String> fresh;
        MergeReport merged;
        try (ApplyTransaction transaction = store.begin(shard)) {
            fresh = transaction.record(range, ids, config.consumerName()).fresh();
            merged = transaction.merge(whole && fresh.size() == batch.accepted().size() ? batch.aggregated()
                    : BatchAggregation.aggregate(freshSamples(mine, ids, fresh), windowSeconds));
            transaction.commit();
        }
        int alreadyApplied = ids.size() - fresh.size();
        batchesCommitted.increment();
        samplesAggregated.increment(fresh.size());
        samplesAlreadyApplied.increment(alreadyApplied);
        windowRowsRaced.increment(merged.racedRows());
        typeConflicts.increment(merged.typeConflicts());
        outOfPlaceCounterSamples.increment(merged.outOfPlaceCounterSamples());
        merged.example().ifPresent(window -> LOG.warn("stage=persist {} samples met a window of another type and {}"
                        + " counter samples came out of place among folded ones, e.g. {}{} window {}s at {}"
                        + " (see docs/metrics-worker.md, Counters)", merged.typeConflicts(),
                merged.outOfPlaceCounterSamples(), window.name(), window.labels(), window.windowSeconds(),
                window.windowStart()));
        if (alreadyApplied > 0) {
            LOG.info("stage=persist skipped {} samples applied before (redelivered)", alreadyApplied);
        }
        if (config.faultInjection() == FaultInjection.CRASH_AFTER_COMMIT && !fresh.isEmpty()) {
            LOG.error("stage=ack fault injection: halting after commit, before XACK");
            Runtime.getRuntime().halt(137);
        }
        return ids.stream().<EntryFate>map(EntryFate.Completed::new).toList();
    }

    /** The samples whose entry IDs are in {@code fresh}. */
    private static List<MetricSample> freshSamples(List<MetricSample> samples, List<String> entryIds,
                                                   Set<String> fresh) {
        List<MetricSample> out = new ArrayList<>(fresh.size());
        for (int i = 0; i < samples.size(); i++) {
            if (fresh.contains(entryIds.get(i))) {
                out.add(samples.get(i));
            }
        }
        return out;
    }

    private EntryFate.DeadLettered deadLetter(StreamRecord record, Stage stage, DeadLetterReason reason,
                                              String message) {
        return new EntryFate.DeadLettered(record.id(), DeadLetter.ofEntry(stream, record.id(), record.fields(),
                stage, reason, message, (int) record.deliveries(), SERVICE));
    }
}
