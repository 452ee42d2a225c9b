package io.killkrill.it.pipeline;

import io.killkrill.it.support.FaultProxy;
import io.killkrill.it.support.PipelineProcesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Scenario 3, Elasticsearch failing under the log-worker process: its Elasticsearch URL is a {@link FaultProxy}
 * in front of the real one, which the test switches to refuse connections or to swallow requests.
 */
class ElasticsearchFaultsIT extends PipelineScenario {
    private final ScheduledExecutorService sender = Executors.newSingleThreadScheduledExecutor();

    @Override
    protected PipelineProcesses.Stores stores() throws Exception {
        return storesBehindElasticsearchProxy();
    }

    @Override
    protected void startServices() {
        receivers = pipeline.receivers(Map.of());
        logWorkers.add(pipeline.logWorker("lw-1", Map.of("KILLKRILL_ELASTICSEARCH_REQUEST_TIMEOUT", "2s")));
        PipelineProcesses.startAll(receivers, logWorkers.get(0));
    }

    @AfterEach
    void restoreProxy() {
        elasticsearchProxy.mode(FaultProxy.Mode.FORWARD);
    }

    /**
     * Elasticsearch unreachable (connections refused and reset) for 20 s while a client keeps sending 50
     * events every 500 ms. Proof: during the outage no event of the run is indexed and none is dead-lettered
     * (the worker holds its batch and retries the request); after it, every sent message is indexed exactly
     * once (count = sent, no duplicate), no dead letter, log group drained; the worker counted request retries.
     */
    @Test
    void elasticsearchUnreachableForTwentySecondsLosesNothing() throws Exception {
        String run = run("es_down");
        AtomicInteger sent = new AtomicInteger();
        assertThat(postLogs(logLines(run, 0, 50)).accepted()).isEqualTo(50);
        sent.addAndGet(50);
        awaitLogs(run, 50, 0, Duration.ofSeconds(60));

        elasticsearchProxy.mode(FaultProxy.Mode.REFUSE);
        long outageStart = System.nanoTime();
        var sending = sender.scheduleAtFixedRate(() -> {
            int from = sent.get();
            if (postLogs(logLines(run, from, from + 50)).accepted() == 50) {
                sent.addAndGet(50);
            }
        }, 0, 500, TimeUnit.MILLISECONDS);
        await("20 s of Elasticsearch outage with the client sending").atMost(Duration.ofSeconds(40))
                .pollInterval(Duration.ofMillis(500)).until(() -> {
                    assertThat(deadLettersOf(streams.logsDlq(), run)).as("dead letters during the outage").isEmpty();
                    return System.nanoTime() - outageStart >= TimeUnit.SECONDS.toNanos(20);
                });
        assertThat(indexed(run)).as("nothing indexed during the outage").isEqualTo(50);
        elasticsearchProxy.mode(FaultProxy.Mode.FORWARD);
        sending.cancel(false);
        await("the sender stopped").atMost(Duration.ofSeconds(30)).until(sending::isDone);
        int total = sent.get();
        assertThat(total).isGreaterThan(500);

        awaitLogs(run, total, 0, Duration.ofSeconds(120));

        assertThat(indexed(run)).isEqualTo(total);
        assertThat(duplicateMessages(run)).isEmpty();
        assertThat(deadLettersOf(streams.logsDlq(), run)).isEmpty();
        assertThat(logsDrained()).isTrue();
        assertThat(counter(get(PipelineProcesses.adminUri(logWorkers.get(0), "/metrics")).body(),
                "killkrill_log_worker_retries_total{scope=\"request\"")).isPositive();
    }

    /**
     * Elasticsearch too slow: the proxy swallows requests without answering, so every bulk request times out
     * (KILLKRILL_ELASTICSEARCH_REQUEST_TIMEOUT 2 s), until the worker has retried timed-out requests. Proof: 300 sent,
     * exactly 300 indexed, no duplicate (a request that timed out may have been applied: create + event-ID
     * _id makes the resend a 409, counted as indexed), no dead letter, group drained.
     */
    @Test
    void elasticsearchTimingOutLosesAndDuplicatesNothing() throws Exception {
        String run = run("es_slow");
        double retriesBefore = requestRetries();
        elasticsearchProxy.mode(FaultProxy.Mode.BLACKHOLE);
        for (int from = 0; from < 300; from += 100) {
            assertThat(postLogs(logLines(run, from, from + 100)).accepted()).isEqualTo(100);
        }
        await("the worker retried timed-out bulk requests").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(200)).until(() -> requestRetries() >= retriesBefore + 2);
        assertThat(deadLettersOf(streams.logsDlq(), run)).isEmpty();
        elasticsearchProxy.mode(FaultProxy.Mode.FORWARD);

        awaitLogs(run, 300, 0, Duration.ofSeconds(60));

        assertThat(indexed(run)).isEqualTo(300);
        assertThat(duplicateMessages(run)).isEmpty();
        assertThat(deadLettersOf(streams.logsDlq(), run)).isEmpty();
        assertThat(logsDrained()).isTrue();
    }

    private double requestRetries() {
        return counter(get(PipelineProcesses.adminUri(logWorkers.get(0), "/metrics")).body(),
                "killkrill_log_worker_retries_total{scope=\"request\"");
    }
}
