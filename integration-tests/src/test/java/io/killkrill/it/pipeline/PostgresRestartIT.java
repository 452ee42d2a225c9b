package io.killkrill.it.pipeline;

import io.killkrill.it.support.OwnPostgres;
import io.killkrill.it.support.PipelineProcesses;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Scenario 3: the metrics-worker process's PostgreSQL (a server of the test's own) restarted mid-run. */
class PostgresRestartIT extends PipelineScenario {
    private OwnPostgres own;

    @Override
    protected PipelineProcesses.Stores stores() throws Exception {
        own = OwnPostgres.create();
        owned.add(own);
        postgres = own.service();
        return PipelineProcesses.Stores.of(redis, elasticsearch, postgres);
    }

    @Override
    protected void startServices() {
        receivers = pipeline.receivers(Map.of());
        metricsWorkers.add(pipeline.metricsWorker("mw-1", Map.of()));
        PipelineProcesses.startAll(receivers, metricsWorkers.get(0));
    }

    /**
     * 300 samples stored, PostgreSQL stopped (fast shutdown: connections cut), 500 more sent while it is down
     * (the receivers accept them: Redis is up), the worker's readiness turns 503 and it retries its
     * transaction; then the worker is SIGKILLed while retrying and started again (a new consumer), PostgreSQL
     * is started again, 200 more. The batch the dead worker held was not acknowledged (it was not committed),
     * so the new worker claims it (XAUTOCLAIM). Proof: exactly 1000 samples stored (count and value sum)
     * so nothing lost and nothing counted twice, no dead letter, the metrics group drained, and the worker
     * counted persist retries.
     */
    @Test
    void postgresRestartedMidRunLosesAndDuplicatesNothing() throws Exception {
        String run = run("pg_restart");
        for (int from = 0; from < 300; from += 100) {
            assertThat(postMetrics(metricLines(run, from, from + 100)).accepted()).isEqualTo(100);
        }
        awaitSamples(run, 300, Duration.ofSeconds(60));

        own.stop();
        for (int from = 300; from < 800; from += 100) {
            assertThat(postMetrics(metricLines(run, from, from + 100)).accepted()).isEqualTo(100);
        }
        await("the metrics-worker reports PostgreSQL down").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(200)).until(() -> !metricsWorker().readyNow());
        await("the metrics-worker retried the transaction").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(200)).until(() -> persistRetries() > 0);
        // the worker dies while its batch waits for PostgreSQL: that batch must still be pending, not acknowledged
        assertThat(metricsWorker().kill()).isEqualTo(137);
        metricsWorker().start();
        own.start();
        metricsWorker().awaitReady();
        for (int from = 800; from < 1000; from += 100) {
            assertThat(postMetrics(metricLines(run, from, from + 100)).accepted()).isEqualTo(100);
        }

        awaitSamples(run, 1000, Duration.ofSeconds(90));

        assertThat(storedSamples(run)).isEqualTo(1000);
        assertThat(storedSum(run)).isEqualTo(1000.0);
        assertThat(deadLettersOf(streams.metricsDlq(), run)).isEmpty();
        assertThat(metricsDrained()).isTrue();
    }

    private double persistRetries() {
        return counter(get(PipelineProcesses.adminUri(metricsWorker(), "/metrics")).body(),
                "killkrill_metrics_worker_persist_retries_total");
    }
}
