package io.killkrill.it.pipeline;

import io.killkrill.it.support.PipelineProcesses;
import io.killkrill.it.support.ServiceProcess;
import io.killkrill.model.EventIds;
import io.killkrill.model.IngestContext;
import io.killkrill.model.Json;
import io.killkrill.model.LogEvent;
import io.killkrill.model.LogEventCodec;
import io.killkrill.model.Source;
import io.killkrill.model.StreamEntry;
import io.killkrill.model.Validated;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Response;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.resps.StreamConsumerInfo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Scenario 4: two replicas of each worker share the load, and a log-worker and a metrics-worker replica are
 * killed with SIGKILL three times each while entries are in flight, then restarted.
 */
class WorkerCrashIT extends PipelineScenario {

    @Override
    protected void startServices() {
        receivers = pipeline.receivers(Map.of());
        // default consumer names (hostname-pid-random): a restarted replica is a new consumer, as a restarted
        // container is, so what the killed one held is recovered only by XAUTOCLAIM
        logWorkers.add(pipeline.logWorker("", Map.of()));
        logWorkers.add(pipeline.logWorker("", Map.of()));
        metricsWorkers.add(pipeline.metricsWorker("mw-a", Map.of()));
        metricsWorkers.add(pipeline.metricsWorker("mw-b", Map.of()));
        List<ServiceProcess> all = new ArrayList<>(List.of(receivers));
        all.addAll(logWorkers);
        all.addAll(metricsWorkers);
        PipelineProcesses.startAll(all.toArray(ServiceProcess[]::new));
    }

    /**
     * Three rounds: 1000 log events are sent, a log-worker replica (each round's turn first) is SIGKILLed as soon as it holds
     * delivered-unacknowledged entries (XPENDING for its consumer > 0), then 1000 samples and the same for a
     * metrics-worker replica; each victim is restarted at once (as a new consumer: default names). A last 1000 + 1000 follow with all four up.
     * Proof: the kills orphaned pending entries (counted right after each kill); at the end Elasticsearch holds
     * exactly the 4000 messages sent (count 4000, no message twice) and PostgreSQL exactly 4000 samples (count
     * and value sum), no dead letter, both groups drained (XPENDING 0, last-delivered = last entry) — so the
     * orphans were claimed (XAUTOCLAIM) and redeliveries absorbed (event-ID _id, applied_entries). Both
     * replicas of each worker acknowledged entries after the last restart (their own /metrics counters).
     */
    @Test
    void workersKilledThreeTimesMidBatchLoseAndDuplicateNothing() throws Exception {
        String run = run("crash");
        long orphanedLogs = 0;
        long orphanedSamples = 0;
        int sent = 0;
        for (int round = 0; round < 3; round++) {
            assertThat(postLogs(logLines(run, sent, sent + 1000)).accepted()).isEqualTo(1000);
            orphanedLogs += killOneHolding(logWorkers, round, streams.logs(), streams.logGroup());

            assertThat(postMetrics(metricLines(run, sent, sent + 1000)).accepted()).isEqualTo(1000);
            orphanedSamples += killOneHolding(metricsWorkers, round, streams.metrics(), streams.metricsGroup());
            sent += 1000;
        }
        logWorkers.forEach(ServiceProcess::awaitReady);
        metricsWorkers.forEach(ServiceProcess::awaitReady);
        for (int from = sent; from < sent + 1000; from += 100) {
            assertThat(postLogs(logLines(run, from, from + 100)).accepted()).isEqualTo(100);
            assertThat(postMetrics(metricLines(run, from, from + 100)).accepted()).isEqualTo(100);
        }
        sent += 1000;

        awaitLogs(run, sent, 0, Duration.ofSeconds(120));
        awaitSamples(run, sent, Duration.ofSeconds(120));

        assertThat(orphanedLogs).as("log entries the killed workers left pending").isPositive();
        assertThat(orphanedSamples).as("metric entries the killed workers left pending").isPositive();
        assertThat(indexed(run)).isEqualTo(sent);
        assertThat(duplicateMessages(run)).isEmpty();
        assertThat(storedSamples(run)).isEqualTo(sent);
        assertThat(storedSum(run)).isEqualTo(sent);
        assertThat(deadLettersOf(streams.logsDlq(), run)).isEmpty();
        assertThat(deadLettersOf(streams.metricsDlq(), run)).isEmpty();
        assertDrained();
        for (ServiceProcess worker : logWorkers) {
            assertThat(counter(get(PipelineProcesses.adminUri(worker, "/metrics")).body(),
                    "killkrill_log_worker_stream_acknowledged_total")).as(worker.name() + " acknowledged").isPositive();
        }
        for (ServiceProcess worker : metricsWorkers) {
            assertThat(counter(get(PipelineProcesses.adminUri(worker, "/metrics")).body(),
                    "killkrill_metrics_worker_stream_delivered_total")).as(worker.name() + " read").isPositive();
        }
    }

    /**
     * Issue 12: a worker killed between its dead-letter XADD and its XACK left the entry pending, and its
     * redelivery wrote a second dead letter. Now both are one Lua script. Three rounds of 1,000 entries XADDed
     * in one pipeline, valid and invalid (data not JSON) alternating, so every batch both indexes (tens of ms in
     * Elasticsearch) and dead-letters; a log-worker replica is SIGKILLed while it holds a batch, and restarted as
     * a new consumer. Proof: the kills orphaned pending entries; at the end exactly 1,500 indexed (no duplicate)
     * and exactly 1,500 dead letters of the run, one per invalid entry ID (their set equals the set written),
     * drained.
     */
    @Test
    void workersKilledWhileDeadLetteringLeaveExactlyOneDeadLetterPerFailedEntry() {
        String run = run("dlkill");
        Set<String> invalid = new HashSet<>();
        long orphaned = 0;
        int n = 0;
        for (int round = 0; round < 3; round++) {
            List<Response<StreamEntryID>> bad = new ArrayList<>();
            try (var pipe = jedis().pipelined()) {
                for (int i = 0; i < 500; i++, n++) {
                    pipe.xadd(streams.logs(), StreamEntryID.NEW_ENTRY,
                            LogEventCodec.toEntry(event(run, n)));
                    bad.add(pipe.xadd(streams.logs(), StreamEntryID.NEW_ENTRY, Map.of(
                            StreamEntry.SCHEMA_VERSION, "1",
                            StreamEntry.EVENT_ID, EventIds.next(),
                            StreamEntry.DATA, "not json " + run + " " + n)));
                }
                pipe.sync();
            }
            bad.forEach(r -> invalid.add(r.get().toString()));
            orphaned += killOneHolding(logWorkers, round, streams.logs(), streams.logGroup());
        }
        awaitLogs(run, 1_500, 1_500, Duration.ofSeconds(120));
        await("log group drained").atMost(Duration.ofSeconds(60)).until(this::logsDrained);

        assertThat(orphaned).as("entries the killed workers left pending").isPositive();
        assertThat(indexed(run)).isEqualTo(1_500);
        List<String> lettered = deadLettersOf(streams.logsDlq(), run).stream()
                .map(l -> l.entryId().orElseThrow()).toList();
        assertThat(lettered).as("one dead letter per failed entry").hasSize(1_500).doesNotHaveDuplicates();
        assertThat(new HashSet<>(lettered)).isEqualTo(invalid);
    }

    private static LogEvent event(String run, int n) {
        var context = new IngestContext(EventIds.next(), Instant.now(),
                Source.http("127.0.0.1:1"), Optional.empty());
        try {
            var validated = LogEventCodec.fromInput(Json.MAPPER.readTree(
                    "{\"message\":\"" + run + "-" + n + "\",\"service\":\"" + run + "\"}"), context);
            return ((Validated.Valid<LogEvent>) validated).value();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Waits until a replica holds pending entries (the round's turn first, when both do: one replica may read
     * the whole load before the other polls), SIGKILLs it, restarts it as a new consumer and returns how many
     * entries it left pending.
     */
    private long killOneHolding(List<ServiceProcess> replicas, int round, String stream, String group) {
        List<ServiceProcess> turnFirst = List.of(replicas.get(round % 2), replicas.get((round + 1) % 2));
        ServiceProcess[] victim = new ServiceProcess[1];
        await("a replica holds delivered, unacknowledged entries").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(5)).until(() -> {
                    for (ServiceProcess replica : turnFirst) {
                        if (pendingOf(replica, stream, group) > 0) {
                            victim[0] = replica;
                            return true;
                        }
                    }
                    return false;
                });
        assertThat(victim[0].kill()).as(victim[0].name() + " killed by SIGKILL").isEqualTo(137);
        long orphaned = pendingOf(victim[0], stream, group);
        victim[0].start();
        return orphaned;
    }

    /** Pending entries of the victim's consumer(s), named hostname-pid-random[-n]. */
    private long pendingOf(ServiceProcess victim, String stream, String group) {
        long total = 0;
        for (StreamConsumerInfo consumer : jedis().xinfoConsumers2(stream, group)) {
            if (consumer.getName().contains("-" + victim.pid() + "-")) {
                total += consumer.getPending();
            }
        }
        return total;
    }
}
