package io.killkrill.it.pipeline;

import io.killkrill.it.support.OwnRedis;
import io.killkrill.it.support.PipelineProcesses;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Scenario 3: Redis itself restarted mid-run. The whole pipeline uses a redis-server of the test's own with
 * {@code appendonly yes}; it is stopped gracefully (SIGTERM: the AOF is fsynced) and started again, reloading
 * the streams, the consumer groups and their pending lists.
 */
class RedisRestartIT extends PipelineScenario {
    private OwnRedis own;

    @Override
    protected PipelineProcesses.Stores stores() throws Exception {
        own = new OwnRedis(true);
        owned.add(own);
        jedis = own.client;
        return PipelineProcesses.Stores.of(redis, elasticsearch, postgres).withRedis(own.uri());
    }

    /**
     * Two clients (logs and metrics) send 40 batches of 25 each, one batch after the other, retrying 503
     * and 429 with backoff like a real client. After their 10th batch Redis is stopped; the receivers answer
     * 503 (checked with a request of the test's own, not retried) and are not ready; the clients keep retrying;
     * Redis is started again and they finish. Proof: every batch was finally answered 202 with all 25
     * accepted; Elasticsearch holds exactly the 1000 messages (count, no duplicate) and PostgreSQL exactly the
     * 1000 samples (count, value sum); no dead letters; both groups drained; the clients did retry 503s.
     */
    @Test
    void redisRestartedMidRunLosesNothing() throws Exception {
        String run = run("redis_restart");
        ExecutorService clients = Executors.newFixedThreadPool(2);
        CompletableFuture<Void> firstTen = new CompletableFuture<>();
        CompletableFuture<Void> restarted = new CompletableFuture<>();
        try {
            CompletableFuture<Long> logs = CompletableFuture.supplyAsync(() -> send(run, true, firstTen, restarted),
                    clients);
            CompletableFuture<Long> metrics = CompletableFuture.supplyAsync(() -> send(run, false, firstTen,
                    restarted), clients);
            firstTen.get();
            own.stop();
            await("the receivers answer 503 while Redis is down").atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> postOnce("/api/v1/logs", "application/x-ndjson",
                            String.join("\n", logLines(run + "_probe", 0, 1))) == 503);
            assertThat(receivers.readyNow()).as("receivers ready while Redis is down").isFalse();
            restarted.complete(null); // the clients resume; their requests get 503 until Redis is back
            await("the clients retried 503 answers").atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(100)).until(() -> retriedAnswers.get() >= 2);
            own.start();

            assertThat(logs.get()).isEqualTo(1000);
            assertThat(metrics.get()).isEqualTo(1000);
        } finally {
            clients.shutdownNow();
        }

        awaitLogs(run, 1000, 0, Duration.ofSeconds(120));
        awaitSamples(run, 1000, Duration.ofSeconds(120));

        assertThat(indexed(run)).isEqualTo(1000);
        assertThat(duplicateMessages(run)).isEmpty();
        assertThat(storedSamples(run)).isEqualTo(1000);
        assertThat(storedSum(run)).isEqualTo(1000.0);
        assertThat(deadLetters(streams.logsDlq())).isEmpty();
        assertThat(deadLetters(streams.metricsDlq())).isEmpty();
        assertDrained();
    }

    /** 40 batches of 25, pausing after the 10th until Redis is down; returns the items accepted. */
    private long send(String run, boolean logs, CompletableFuture<Void> firstTen, CompletableFuture<Void> resume) {
        long accepted = 0;
        for (int batch = 0; batch < 40; batch++) {
            if (batch == 10) {
                if (logs) {
                    firstTen.complete(null);
                }
                resume.join();
            }
            List<String> lines = logs ? logLines(run, batch * 25, batch * 25 + 25)
                    : metricLines(run, batch * 25, batch * 25 + 25);
            Answer answer = logs ? postLogs(lines) : postMetrics(lines);
            assertThat(answer.status()).as(answer.body().toString()).isEqualTo(202);
            accepted += answer.accepted();
        }
        return accepted;
    }
}
