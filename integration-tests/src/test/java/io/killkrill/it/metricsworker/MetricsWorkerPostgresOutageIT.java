package io.killkrill.it.metricsworker;

import io.killkrill.it.support.OwnPostgres;
import io.killkrill.it.support.RedisExtension;
import io.killkrill.it.support.RedisService;
import io.killkrill.metricsworker.MetricsWorker;
import io.killkrill.metricsworker.MetricsWorkerSettings.FaultInjection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static io.killkrill.it.metricsworker.MetricsWorkerFixture.closedMinute;
import static io.killkrill.it.metricsworker.MetricsWorkerFixture.sample;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * PostgreSQL stopped and restarted while samples flow: flushes retry with backoff, nothing is acknowledged
 * before it is committed. Proof: 1000 sent = sum of counts (no loss, no double count), none dead-lettered,
 * nothing pending; and during the outage entries were pending while the worker retried.
 */
@ExtendWith(RedisExtension.class)
class MetricsWorkerPostgresOutageIT {

    @Test
    void postgresStoppedAndRestartedMidRunLosesNothingAndCountsNothingTwice(RedisService redis) throws Exception {
        try (OwnPostgres postgres = OwnPostgres.create()) {
            MetricsWorkerFixture fixture = new MetricsWorkerFixture(redis, postgres.service(), "outage");
            Instant window = closedMinute();
            try (MetricsWorker worker = new MetricsWorker(fixture.config(postgres.service().jdbcUrl(), 50,
                    List.of(Duration.ofSeconds(60), Duration.ofSeconds(10)), 1000, FaultInjection.NONE)).start()) {
                for (int i = 0; i < 500; i++) {
                    fixture.send(sample("io_ops", 1, Map.of("disk", "d" + (i % 4)), window.plusMillis(i * 50L)));
                }
                await("first 500 samples stored").atMost(Duration.ofSeconds(30))
                        .until(() -> fixture.pending() == 0 && fixture.undelivered() == 0);

                postgres.stop();
                for (int i = 500; i < 1000; i++) {
                    fixture.send(sample("io_ops", 1, Map.of("disk", "d" + (i % 4)), window.plusMillis(i * 50L)));
                }
                await("worker retrying its batch transaction while PostgreSQL is down")
                        .atMost(Duration.ofSeconds(30))
                        .until(() -> persistRetries(worker) >= 2);
                assertThat(fixture.pending()).as("nothing acknowledged before it is committed").isPositive();

                postgres.start();
                await("all 1000 samples committed and acknowledged after PostgreSQL is back")
                        .atMost(Duration.ofSeconds(60))
                        .until(() -> fixture.pending() == 0 && fixture.undelivered() == 0);
            }
            // two window sizes: every sample is counted once per size
            assertThat(fixture.rows().stream().filter(r -> r.windowSeconds() == 60)
                    .mapToLong(MetricsWorkerFixture.Row::count).sum()).isEqualTo(1000);
            assertThat(fixture.rows().stream().filter(r -> r.windowSeconds() == 10)
                    .mapToLong(MetricsWorkerFixture.Row::count).sum()).isEqualTo(1000);
            assertThat(fixture.deadLetters()).isEmpty();
            redis.client().del(fixture.streams.metrics(), fixture.streams.metricsDlq());
        }
    }

    /**
     * Regression test of issue 12's double count (1,001 stored for 1,000 samples after a PostgreSQL outage).
     * Root cause: while a batch's transaction was retried, the read-ahead thread claimed the batch's own entries
     * (idle longer than the claim time) and delivered them again as a second batch; once PostgreSQL was back the
     * first batch committed and was acknowledged, and the second one's transaction pruned the first one's
     * applied-entries row before recording its entries, so they were applied again. This forces exactly that
     * interleaving: a claim idle time far shorter than the outage. Now the consumer keeps its in-flight entries
     * claimed (heartbeat) so nothing is claimed, and ledger rows outlive the acknowledgement anyway.
     * Two replicas share the group, so a batch its owner leaves idle would be claimed by the other. Proof:
     * claimed stays 0 on both through an outage of many claim idle times; exactly 300 counted for 300 samples.
     */
    @Test
    void aBatchRetryingItsTransactionIsNeitherClaimedNorCountedTwice(RedisService redis) throws Exception {
        try (OwnPostgres postgres = OwnPostgres.create()) {
            MetricsWorkerFixture fixture = new MetricsWorkerFixture(redis, postgres.service(), "owncl");
            Instant window = closedMinute();
            var config = fixture.config(postgres.service().jdbcUrl(), 50, List.of(Duration.ofSeconds(60)), 1000,
                    FaultInjection.NONE).withClaimIdle(Duration.ofMillis(400));
            // a second replica in the group: it would claim whatever the first leaves idle
            try (MetricsWorker worker = new MetricsWorker(config).start();
                 MetricsWorker replica = new MetricsWorker(config.withConsumerName(
                         io.killkrill.config.ConsumerGroupSettings.uniqueConsumerName())).start()) {
                for (int i = 0; i < 200; i++) {
                    fixture.send(sample("own_claim", 1, Map.of("k", "v"), window.plusMillis(i)));
                }
                await("first 200 samples stored").atMost(Duration.ofSeconds(30))
                        .until(() -> fixture.pending() == 0 && fixture.undelivered() == 0);
                postgres.stop();
                for (int i = 200; i < 300; i++) {
                    fixture.send(sample("own_claim", 1, Map.of("k", "v"), window.plusMillis(i)));
                }
                await("worker retrying its batch transaction while PostgreSQL is down")
                        .atMost(Duration.ofSeconds(30))
                        .until(() -> persistRetries(worker) >= 2);
                await("no entry claimed while its owner waits for PostgreSQL, for 3 s (7 claim idle times)")
                        .during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
                        .until(() -> claimed(worker) + claimed(replica) == 0 && fixture.pending() > 0);
                postgres.start();
                await("all 300 samples committed and acknowledged after PostgreSQL is back")
                        .atMost(Duration.ofSeconds(60))
                        .until(() -> fixture.pending() == 0 && fixture.undelivered() == 0);
                assertThat(claimed(worker) + claimed(replica)).isZero();
            }
            assertThat(fixture.totalCount()).isEqualTo(300);
            assertThat(fixture.deadLetters()).isEmpty();
            redis.client().del(fixture.streams.metrics(), fixture.streams.metricsDlq());
        }
    }

    /**
     * Issue 12: a PostgreSQL that turns read-only (SQLSTATE 25006, as an old primary after a failover) must not
     * wedge the pool: the failure is waited out like an outage (entries pending, nothing dead-lettered), the
     * connection that answered it is evicted, and once the server is writable again the next attempt stores the
     * batch, within a few retry intervals (backoff capped at 5 s). Proof: retries counted while read-only,
     * then exactly 100 stored within 15 s of the server turning writable, none dead-lettered.
     */
    @Test
    void aPostgresThatTurnsReadOnlyIsWaitedOutAndTheBatchStoredOnceItIsWritableAgain(RedisService redis)
            throws Exception {
        try (OwnPostgres postgres = OwnPostgres.create()) {
            MetricsWorkerFixture fixture = new MetricsWorkerFixture(redis, postgres.service(), "readonly");
            Instant window = closedMinute();
            try (MetricsWorker worker = new MetricsWorker(fixture.config(postgres.service().jdbcUrl(), 50,
                    List.of(Duration.ofSeconds(60)), 1000, FaultInjection.NONE)).start()) {
                readOnly(postgres, true);
                for (int i = 0; i < 100; i++) {
                    fixture.send(sample("read_only", 1, Map.of("k", "v"), window.plusMillis(i)));
                }
                await("worker retrying while PostgreSQL is read-only").atMost(Duration.ofSeconds(30))
                        .until(() -> persistRetries(worker) >= 3);
                assertThat(fixture.pending()).as("nothing acknowledged while read-only").isPositive();
                readOnly(postgres, false);
                await("all 100 stored soon after PostgreSQL is writable again").atMost(Duration.ofSeconds(15))
                        .until(() -> fixture.pending() == 0 && fixture.undelivered() == 0);
            }
            assertThat(fixture.totalCount()).isEqualTo(100);
            assertThat(fixture.deadLetters()).isEmpty();
            redis.client().del(fixture.streams.metrics(), fixture.streams.metricsDlq());
        }
    }

    private static void readOnly(OwnPostgres postgres, boolean on) throws Exception {
        try (var c = postgres.service().connect(); var s = c.createStatement()) {
            c.setAutoCommit(true);
            s.execute("SET default_transaction_read_only = off"); // this session may write the setting back
            s.execute("ALTER SYSTEM SET default_transaction_read_only = " + (on ? "on" : "off"));
            s.execute("SELECT pg_reload_conf()");
        }
    }

    private static double persistRetries(MetricsWorker worker) {
        return worker.registry().get("killkrill.metrics_worker.persist.retries").counter().count();
    }

    private static double claimed(MetricsWorker worker) {
        return worker.registry().get("killkrill.metrics_worker.stream.claimed").counter().count();
    }
}
