package io.killkrill.it.metricsworker;

import io.killkrill.it.support.PostgresExtension;
import io.killkrill.it.support.PostgresService;
import io.killkrill.it.support.RedisExtension;
import io.killkrill.it.support.RedisService;
import io.killkrill.metricsworker.MetricsWorker;
import io.killkrill.metricsworker.MetricsWorkerSettings.FaultInjection;
import io.killkrill.model.MetricSampleCodec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.StreamEntryID;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static io.killkrill.it.metricsworker.MetricsWorkerFixture.sample;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Benchmark, not a timed test (run with -Dkillkrill.benchmark=true): a pre-filled stream of 200k samples over
 * 300 series, aggregated and stored; prints samples/s. Runs {@code killkrill.benchmark.rounds} times (default 2)
 * in one JVM, each with a fresh worker, stream and schema; all but the last warm the JIT up. Asserts only
 * exactness.
 */
@ExtendWith({RedisExtension.class, PostgresExtension.class})
@EnabledIfSystemProperty(named = "killkrill.benchmark", matches = "true")
class MetricsWorkerThroughputBenchmarkIT {
    private static final int SAMPLES = 200_000;

    @Test
    void aggregatesAPrefilledStream(RedisService redis, PostgresService postgres) throws Exception {
        int rounds = Integer.getInteger("killkrill.benchmark.rounds", 2);
        for (int round = 1; round <= rounds; round++) {
            System.out.printf("BENCHMARK round %d of %d%s%n", round, rounds,
                    round < rounds ? " (warm-up: JIT compilation; a service runs for days)" : "");
            runOnce(redis, postgres, "bench" + round);
        }
    }

    private void runOnce(RedisService redis, PostgresService postgres, String name) throws Exception {
        MetricsWorkerFixture fixture = new MetricsWorkerFixture(redis, postgres, name);
        try {
            Instant base = Instant.now().minus(Duration.ofMinutes(20));
            try (var pipeline = redis.client().pipelined()) {
                for (int i = 0; i < SAMPLES; i++) {
                    pipeline.xadd(fixture.streams.metrics(), StreamEntryID.NEW_ENTRY, MetricSampleCodec.toEntry(
                            sample("bench_metric_" + (i % 3), i % 1000, Map.of("host", "h" + (i % 100)),
                                    base.plusMillis(i * 5L))));
                }
                pipeline.sync();
            }
            int batch = Integer.getInteger("killkrill.benchmark.batch", 5000);
            long started = System.nanoTime();
            long running;
            long done;
            try (MetricsWorker worker = new MetricsWorker(fixture.config(postgres.jdbcUrl(), batch,
                    List.of(Duration.ofSeconds(60)), 1000, FaultInjection.NONE)).start()) {
                // start() returns once migrated, validated and consuming: the rest is aggregating and storing
                running = System.nanoTime();
                await("all samples aggregated and acknowledged").atMost(Duration.ofMinutes(10))
                        .pollInterval(Duration.ofMillis(20))
                        .until(() -> fixture.undelivered() == 0 && fixture.pending() == 0);
                done = System.nanoTime();
                for (String stage : List.of("read", "decode", "persist", "ack")) {
                    var timer = worker.registry().find("killkrill.metrics_worker.stage.duration").tag("stage", stage)
                            .timer();
                    if (timer == null) {
                        continue; // a build without per-stage timers (comparing with an older version)
                    }
                    System.out.printf("BENCHMARK stage %-7s %6.2f s in %d batches%n", stage,
                            timer.totalTime(java.util.concurrent.TimeUnit.NANOSECONDS) / 1e9, timer.count());
                }
            }
            double startup = (running - started) / 1e9;
            double processing = (done - running) / 1e9;
            System.out.printf("BENCHMARK metrics-worker: %d samples, 300 series, batch %d: start-up %.2f s,"
                            + " aggregating and storing %.2f s = %.0f samples/s (%.0f samples/s including start-up)%n",
                    SAMPLES, batch, startup, processing, SAMPLES / processing, SAMPLES / (startup + processing));
            assertThat(fixture.totalCount()).isEqualTo(SAMPLES);
        } finally {
            fixture.cleanUp();
        }
    }
}
