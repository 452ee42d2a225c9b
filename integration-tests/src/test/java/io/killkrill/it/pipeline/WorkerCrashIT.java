package io.killkrill.it.pipeline;

import io.killkrill.it.support.PipelineProcesses;
import io.killkrill.it.support.ServiceProcess;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.resps.StreamConsumerInfo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

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
                    "killkrill_stream_acknowledged_total")).as(worker.name() + " acknowledged").isPositive();
        }
        for (ServiceProcess worker : metricsWorkers) {
            assertThat(counter(get(PipelineProcesses.adminUri(worker, "/metrics")).body(),
                    "killkrill_stream_delivered_total")).as(worker.name() + " read").isPositive();
        }
    }

    /** Waits until {@code victim} holds pending entries, SIGKILLs it, returns how many it left pending. */
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
