package io.killkrill.it.pipeline;

import io.killkrill.config.StreamNames;
import io.killkrill.it.support.OwnRedisCluster;
import io.killkrill.it.support.PipelineProcesses;
import io.killkrill.it.support.ServiceProcess;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 17's cluster acceptance: the whole pipeline on a Redis Cluster of the class's own ({@link OwnRedisCluster}:
 * 3 masters, 3 replicas, {@code --cluster-enabled yes}), every service configured with
 * {@code KILLKRILL_REDIS_CLUSTER_NODES}, {@code KILLKRILL_STREAM_SHARDS=4} and
 * {@code KILLKRILL_REDIS_MIN_REPLICA_ACKS=1}, and two replicas of each worker, each reading all four shards.
 * Clients send 4,000 log events and 1,000 samples ({@code -Dkillkrill.cluster.full=true}: the 20,000 and
 * 5,000) in requests of 25, each request with an Idempotency-Key of its own, retried (503, 409, a cut connection)
 * until answered 202. A quarter of the way in, one replica of each worker is SIGKILLed: what it held pending on each shard is claimed by the other. Half of the way in, the master holding
 * shard 0 is SIGKILLed; its replica is promoted, and the killed node rejoins as the new master's replica (until then
 * the shard has no replica to acknowledge its writes, so the receivers refuse and the clients retry).
 *
 * <p>How it reconciles: every request ends 202, so sent = acknowledged; then, with both groups drained on every
 * shard, indexed = sent and no message is indexed twice (an exact terms aggregation), each request's 25 samples
 * are stored once in a series of their own (count 25 and sum 25 per series, and as many series as requests), and
 * no dead letter is in any shard: sent = indexed/stored + dead-lettered (0). A group drained means nothing is
 * pending on any shard, so whatever the killed replicas held was claimed and settled by the survivors, which are
 * the processes started first (the claims are printed).
 */
class RedisClusterPipelineIT extends PipelineScenario {
    private static final boolean FULL = Boolean.getBoolean("killkrill.cluster.full");
    private static final int SHARDS = 4;
    private static final int PER_REQUEST = 25;
    private static final int LOG_REQUESTS = (FULL ? 20_000 : 4_000) / PER_REQUEST;
    private static final int METRIC_REQUESTS = (FULL ? 5_000 : 1_000) / PER_REQUEST;
    private static final int LOG_CLIENTS = 3;

    private OwnRedisCluster cluster;

    @Override
    protected int shards() {
        return SHARDS;
    }

    @Override
    protected PipelineProcesses.Stores stores() throws Exception {
        cluster = new OwnRedisCluster();
        owned.add(cluster);
        jedis = cluster.client();
        return PipelineProcesses.Stores.of(redis, elasticsearch, postgres).withRedisCluster(cluster.nodes());
    }

    @Override
    protected void startServices() {
        Map<String, String> acks = Map.of("KILLKRILL_REDIS_MIN_REPLICA_ACKS", "1",
                "KILLKRILL_REDIS_REPLICA_ACK_TIMEOUT", "500ms");
        receivers = pipeline.receivers(acks);
        for (int i = 1; i <= 2; i++) {
            logWorkers.add(pipeline.logWorker("lw-" + i, acks));
            metricsWorkers.add(pipeline.metricsWorker("mw-" + i, acks));
        }
        PipelineProcesses.startAll(receivers, logWorkers.get(0), logWorkers.get(1), metricsWorkers.get(0),
                metricsWorkers.get(1));
    }

    @Test
    void aWorkerOfEachAndThenAMasterKilledMidRunLeaveEveryAcknowledgedItemStoredExactlyOnce() throws Exception {
        long started = System.nanoTime();
        String run = run("cluster");
        ServiceProcess logSurvivor = logWorkers.get(0);
        ServiceProcess metricsSurvivor = metricsWorkers.get(0);
        List<ServiceProcess> survivors = List.of(receivers, logSurvivor, metricsSurvivor);
        Map<String, Long> pids = new ConcurrentHashMap<>();
        survivors.forEach(s -> pids.put(s.name(), s.pid()));

        CompletableFuture<Void> workerKillPoint = new CompletableFuture<>();
        CompletableFuture<Void> masterKillPoint = new CompletableFuture<>();
        ExecutorService clients = Executors.newFixedThreadPool(LOG_CLIENTS + 1);
        String shard0 = streams.shard(0).logs();
        KeyedRequests logs;
        KeyedRequests samples;
        int killedPort;
        int promotedPort;
        try {
            logs = sendKeyedLogs(run, LOG_REQUESTS, PER_REQUEST, LOG_CLIENTS, clients, answered -> {
                if (answered == LOG_REQUESTS / 4) {
                    workerKillPoint.complete(null);
                } else if (answered == LOG_REQUESTS / 2) {
                    masterKillPoint.complete(null);
                }
            });
            samples = sendKeyedSamples(run, METRIC_REQUESTS, PER_REQUEST, clients);

            workerKillPoint.get(3, TimeUnit.MINUTES);
            logWorkers.get(1).kill();
            metricsWorkers.get(1).kill();
            masterKillPoint.get(3, TimeUnit.MINUTES);
            killedPort = cluster.killMasterOf(shard0);
            promotedPort = cluster.awaitPromotion(shard0, killedPort, Duration.ofSeconds(60));
            cluster.restart(killedPort);
            CompletableFuture.allOf(logs.done(), samples.done()).get(5, TimeUnit.MINUTES);
        } finally {
            clients.shutdownNow();
        }
        assertThat(logs.accepted()).as("every log request answered 202").hasSize(LOG_REQUESTS);
        assertThat(samples.accepted()).as("every metric request answered 202").hasSize(METRIC_REQUESTS);

        long sentLogs = (long) LOG_REQUESTS * PER_REQUEST;
        long sentSamples = (long) METRIC_REQUESTS * PER_REQUEST;
        await("every shard of both streams drained by the surviving workers, all acknowledged items stored")
                .atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1))
                .until(() -> logsDrained() && metricsDrained() && indexed(run) >= sentLogs
                        && storedSamples(run) >= sentSamples);
        survivors.forEach(s -> assertThat(s.alive() && s.pid() == pids.get(s.name()))
                .as("%s followed the failover in the process started first, no restart", s.name()).isTrue());

        assertThat(duplicateMessages(run)).as("messages indexed twice").isEmpty();
        assertThat(indexed(run)).as("indexed = sent (none lost, none twice)").isEqualTo(sentLogs);
        Map<String, long[]> series = storedPerSeries(run);
        assertThat(series).as("a series per metric request").hasSize(METRIC_REQUESTS);
        series.forEach((labels, stored) -> {
            assertThat(stored[0]).as("series %s: its 25 samples, each once", labels).isEqualTo(PER_REQUEST);
            assertThat(stored[1]).as("series %s: value sum", labels).isEqualTo(PER_REQUEST);
        });
        for (StreamNames shard : streams.allShards()) {
            assertThat(deadLetters(shard.logsDlq())).as("log dead letters in %s", shard.logsDlq()).isEmpty();
            assertThat(deadLetters(shard.metricsDlq())).as("metric dead letters in %s", shard.metricsDlq())
                    .isEmpty();
        }
        List<Long> entriesPerShard = streams.allShards().stream().map(s -> jedis.xlen(s.logs())).toList();

        double logClaims = counter(get(PipelineProcesses.adminUri(logSurvivor, "/metrics")).body(),
                "killkrill_log_worker_stream_claimed_total");
        double metricClaims = counter(get(PipelineProcesses.adminUri(metricsSurvivor, "/metrics")).body(),
                "killkrill_metrics_worker_stream_claimed_total");
        double replicaShort = counter(get(pipeline.receiversUri("/metrics")).body(),
                "killkrill_receivers_replica_acks_short_total");
        System.out.printf("RedisClusterPipelineIT: %d shards; log-worker and metrics-worker replica 2 SIGKILLed after"
                        + " %d of %d log requests, the survivors claimed %.0f log and %.0f metric entries; master of "
                        + "%s on port %d SIGKILLed after %d, port %d promoted, the old node rejoined; %d log events "
                        + "indexed and %d samples stored, each once; entries left in the log shards (not trimmed "
                        + "yet) %s; items answered 503 as not on a replica: %.0f; answers retried: %d; %d s%n",
                SHARDS, LOG_REQUESTS / 4, LOG_REQUESTS, logClaims, metricClaims, shard0, killedPort, LOG_REQUESTS / 2,
                promotedPort, sentLogs, sentSamples, entriesPerShard, replicaShort, retriedAnswers.get(),
                TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started));
    }
}
