package io.killkrill.it.pipeline;

import io.killkrill.it.support.OwnSentinelRedis;
import io.killkrill.it.support.PipelineProcesses;
import io.killkrill.it.support.ServiceProcess;

import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 17: the whole pipeline on a Sentinel-managed Redis of the class's own ({@link OwnSentinelRedis}: 1 master,
 * 2 replicas, 3 sentinels on loopback), the receivers and both workers configured only with
 * {@code KILLKRILL_REDIS_SENTINELS} + {@code KILLKRILL_REDIS_MASTER_NAME}, and {@link #killTheMasterMidRun}: the
 * master is SIGKILLed while clients send HTTP log events and metric samples; Sentinel promotes a replica and the
 * services follow it without a restart (their processes are the ones started, and each counted the failover in
 * {@code killkrill_<service>_redis_failovers_total}).
 *
 * <p>How it reconciles: every request carries an {@code Idempotency-Key} of its own and is retried (503, refused
 * or cut connection) until it is answered 202, so every item is acknowledged once. What is lost is what the master
 * acknowledged and no replica held when it died: {@code KILLKRILL_REDIS_MIN_REPLICA_ACKS} decides whether that can
 * happen, and the subclasses assert and print it. Everything else must hold exactly: nothing indexed or stored that
 * was not sent, nothing twice (an exact terms aggregation on the messages; per request the samples' series holds
 * exactly its 25 or nothing), a request lost only whole (its items were one {@code MULTI}), both groups drained on
 * the new master, no dead letter. Default size 2,000 logs + 1,000 samples; {@code -Dkillkrill.sentinel.full=true}
 * runs the 20,000 + 5,000.
 */
abstract class SentinelFailoverScenario extends PipelineScenario {
    protected static final boolean FULL = Boolean.getBoolean("killkrill.sentinel.full");
    protected static final int PER_REQUEST = 25;
    private static final int LOG_REQUESTS = (FULL ? 20_000 : 2_000) / PER_REQUEST;
    private static final int METRIC_REQUESTS = (FULL ? 5_000 : 1_000) / PER_REQUEST;
    private static final int LOG_CLIENTS = 2;
    protected static final String STORED = "killkrill_receivers_in_doubt_resolved_total{outcome=\"stored\"";
    protected static final String NOT_STORED = "killkrill_receivers_in_doubt_resolved_total{outcome=\"not_stored\"";
    private static final String NOT_REPLICATED = "killkrill_receivers_replica_acks_short_total{delivery=\"fail_fast\"";

    protected OwnSentinelRedis sentinel;

    /**
     * What {@link #killTheMasterMidRun} measured: acknowledged (202) and sent, and of those how many are missing
     * from Elasticsearch and PostgreSQL afterwards; {@code acknowledgedUnreplicated} the log events of requests
     * sent after the replicas stopped and acknowledged before the kill (no replica can hold them).
     */
    protected record Loss(long sentLogs, long lostLogs, long sentSamples, long lostSamples,
                          long acknowledgedUnreplicated) {
    }

    /** Whether the receivers run with {@code KILLKRILL_REDIS_MIN_REPLICA_ACKS=1} (else 0). */
    protected abstract boolean replicaAcks();

    @Override
    protected void startServices() throws Exception {
        Map<String, String> acks = Map.of("KILLKRILL_REDIS_MIN_REPLICA_ACKS", replicaAcks() ? "1" : "0");
        receivers = pipeline.receivers(acks);
        logWorkers.add(pipeline.logWorker("lw-1", acks));
        metricsWorkers.add(pipeline.metricsWorker("mw-1", acks));
        PipelineProcesses.startAll(receivers, logWorkers.get(0), metricsWorkers.get(0));
    }

    @Override
    protected PipelineProcesses.Stores stores() throws Exception {
        sentinel = new OwnSentinelRedis();
        owned.add(sentinel);
        jedis = sentinel.masterClient();
        return PipelineProcesses.Stores.of(redis, elasticsearch, postgres)
                .withRedis(URI.create("redis://127.0.0.1:" + sentinel.masterPort()))
                .withRedisSentinels(sentinel.sentinels(), OwnSentinelRedis.MASTER_NAME);
    }

    /**
     * Sends the logs from two clients and the samples from a third. Once a third of the log requests were answered
     * the replicas are cut off ({@link OwnSentinelRedis#cutOffReplicas}), as by a partition. Without replica
     * acknowledgements the master goes on acknowledging alone (until three log requests sent after the cut are
     * answered; the workers are SIGSTOPped meanwhile, so that none of it is indexed before the master dies and the
     * loss shows whole); with them its writes fall short, the receivers refuse, and the workers, running, must not act
     * on what they read of it. Then the master is SIGKILLed and the replicas SIGCONTed; the
     * test waits for the promotion and the rest of the answers, reconciles as the class comment says and returns
     * what was lost.
     */
    protected Loss killTheMasterMidRun(String runName) throws Exception {
        long started = System.nanoTime();
        String run = run(runName);
        List<ServiceProcess> services = List.of(receivers, logWorkers.get(0), metricsWorkers.get(0));
        Map<String, Long> pids = new TreeMap<>();
        services.forEach(s -> pids.put(s.name(), s.pid()));

        Map<ServiceProcess, Double> failoversBefore = failovers();
        String scrapeBefore = get(pipeline.receiversUri("/metrics")).body();
        sentinel.awaitReplicaOnline(Duration.ofSeconds(30));
        jedis.close();
        jedis = sentinel.masterClient();
        CompletableFuture<Void> killPoint = new CompletableFuture<>();
        ExecutorService clients = Executors.newFixedThreadPool(LOG_CLIENTS + 1);
        KeyedRequests logs;
        KeyedRequests samples;
        int killedPort;
        int promotedPort;
        long failoverMillis;
        long acknowledgedUnreplicated;
        try {
            logs = sendKeyedLogs(run, LOG_REQUESTS, PER_REQUEST, LOG_CLIENTS, clients, answered -> {
                if (answered == LOG_REQUESTS / 3) {
                    killPoint.complete(null);
                }
            });
            samples = sendKeyedSamples(run, METRIC_REQUESTS, PER_REQUEST, clients);

            killPoint.get(2, TimeUnit.MINUTES);
            // the replicas are cut off while the clients go on, then the master dies
            if (!replicaAcks()) {
                // the workers stopped too: what the master alone acknowledged cannot have been indexed from it
                pauseWorkers();
            }
            sentinel.cutOffReplicas();
            int firstAfterPause = logs.nextRequest();
            if (replicaAcks()) {
                await("a write the paused replicas did not acknowledge made the receivers refuse writes (not ready)")
                        .atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                        .until(() -> !receivers.readyNow());
            } else {
                await("three log requests sent after the replicas stopped were acknowledged by the master alone")
                        .atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                        .until(() -> logs.accepted().stream().filter(r -> r >= firstAfterPause).count() >= 3);
            }
            acknowledgedUnreplicated = logs.accepted().stream().filter(r -> r >= firstAfterPause).count()
                    * PER_REQUEST;
            long killedAt = System.nanoTime();
            killedPort = sentinel.killMaster();
            sentinel.resumeReplicas();
            if (!replicaAcks()) {
                resumeWorkers();
            }
            promotedPort = sentinel.awaitPromotion(killedPort, Duration.ofSeconds(30));
            failoverMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
            jedis.close();
            jedis = sentinel.masterClient();
            CompletableFuture.allOf(logs.done(), samples.done()).get(3, TimeUnit.MINUTES);
        } finally {
            clients.shutdownNow();
        }

        awaitEachCountedAFailover(failoversBefore);
        await("both consumer groups drained on the promoted master").atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofMillis(500)).until(() -> logsDrained() && metricsDrained());
        services.forEach(s -> assertThat(s.alive() && s.pid() == pids.get(s.name()))
                .as("%s followed the failover in the process started first (pid %d), no restart", s.name(),
                        pids.get(s.name())).isTrue());

        long sentLogs = (long) LOG_REQUESTS * PER_REQUEST;
        long sentSamples = (long) METRIC_REQUESTS * PER_REQUEST;
        assertThat(logs.accepted()).as("every log request answered 202").hasSize(LOG_REQUESTS);
        assertThat(samples.accepted()).as("every metric request answered 202").hasSize(METRIC_REQUESTS);

        long indexed = indexed(run);
        assertThat(duplicateMessages(run)).as("messages indexed twice").isEmpty();
        assertThat(indexed).as("indexed <= acknowledged").isLessThanOrEqualTo(sentLogs);
        long lostLogRequests = 0;
        if (!FULL) { // the message set (at most 10,000 documents): what is missing are whole requests
            Set<String> messages = indexedMessages(run);
            assertThat(messages).hasSize((int) indexed);
            Set<Integer> requestsMissingItems = new HashSet<>();
            for (int request = 0; request < LOG_REQUESTS; request++) {
                long present = 0;
                for (int i = request * PER_REQUEST; i < (request + 1) * PER_REQUEST; i++) {
                    present += messages.contains(run + "-" + i) ? 1 : 0;
                }
                if (present != PER_REQUEST) {
                    assertThat(present).as("log request %d lost in part", request).isZero();
                    requestsMissingItems.add(request);
                }
            }
            lostLogRequests = requestsMissingItems.size();
            assertThat(lostLogRequests * PER_REQUEST).isEqualTo(sentLogs - indexed);
        }

        Map<String, long[]> series = storedPerSeries(run);
        long storedSamples = 0;
        for (Map.Entry<String, long[]> s : series.entrySet()) {
            assertThat(s.getValue()[0]).as("series %s: samples of one request, each once, all or none", s.getKey())
                    .isEqualTo(PER_REQUEST);
            assertThat(s.getValue()[1]).as("series %s: value sum", s.getKey()).isEqualTo(PER_REQUEST);
            storedSamples += s.getValue()[0];
        }
        assertThat(deadLetters(streams.logsDlq())).isEmpty();
        assertThat(deadLetters(streams.metricsDlq())).isEmpty();

        long lostLogs = sentLogs - indexed;
        long lostSamples = sentSamples - storedSamples;
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
        String scrape = get(pipeline.receiversUri("/metrics")).body();
        System.out.printf("%s: master on port %d SIGKILLed after %d of %d log requests, replica on port %d promoted "
                        + "%d ms later; acknowledged and lost: %d of %d log events (%d whole requests), %d of %d "
                        + "samples; entries in doubt at the kill, resolved from their marker on the new master: %.0f "
                        + "stored, %.0f not; entries answered 503 as not yet on a replica: %.0f; 503s retried by the "
                        + "clients: %d; %d s%n",
                getClass().getSimpleName(), killedPort, LOG_REQUESTS / 3, LOG_REQUESTS, promotedPort, failoverMillis,
                lostLogs, sentLogs, lostLogRequests, lostSamples, sentSamples,
                counter(scrape, STORED) - counter(scrapeBefore, STORED),
                counter(scrape, NOT_STORED) - counter(scrapeBefore, NOT_STORED),
                counter(scrape, NOT_REPLICATED) - counter(scrapeBefore, NOT_REPLICATED),
                retriedAnswers.get(), seconds);
        return new Loss(sentLogs, lostLogs, sentSamples, lostSamples, acknowledgedUnreplicated);
    }

    private void pauseWorkers() throws Exception {
        logWorkers.get(0).pause();
        metricsWorkers.get(0).pause();
    }

    private void resumeWorkers() throws Exception {
        logWorkers.get(0).resume();
        metricsWorkers.get(0).resume();
    }

    protected Map<ServiceProcess, Double> failovers() {
        Map<ServiceProcess, Double> counts = new HashMap<>();
        counts.put(receivers, failovers(receivers, "killkrill_receivers_redis_failovers_total"));
        counts.put(logWorkers.get(0), failovers(logWorkers.get(0), "killkrill_log_worker_redis_failovers_total"));
        counts.put(metricsWorkers.get(0), failovers(metricsWorkers.get(0),
                "killkrill_metrics_worker_redis_failovers_total"));
        return counts;
    }

    protected void awaitEachCountedAFailover(Map<ServiceProcess, Double> before) {
        await("receivers, log-worker and metrics-worker each counted the failover "
                + "(killkrill_<service>_redis_failovers_total one more)").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(500)).until(() -> {
                    Map<ServiceProcess, Double> now = failovers();
                    return before.keySet().stream().allMatch(s -> now.get(s) >= before.get(s) + 1);
                });
    }

    private double failovers(ServiceProcess service, String counter) {
        URI metrics = service == receivers ? pipeline.receiversUri("/metrics")
                : PipelineProcesses.adminUri(service, "/metrics");
        return counter(get(metrics).body(), counter);
    }
}
