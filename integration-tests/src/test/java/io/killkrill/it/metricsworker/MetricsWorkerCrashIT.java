package io.killkrill.it.metricsworker;

import io.killkrill.it.support.FreePorts;
import io.killkrill.it.support.PostgresExtension;
import io.killkrill.it.support.PostgresService;
import io.killkrill.it.support.RedisExtension;
import io.killkrill.it.support.RedisService;
import io.killkrill.metricsworker.MetricsWorkerSettings.FaultInjection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.killkrill.it.metricsworker.MetricsWorkerFixture.closedMinute;
import static io.killkrill.it.metricsworker.MetricsWorkerFixture.sample;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Exactly-once across a crash: the worker (a process from the shaded jar) halts right after committing a batch
 * and before acknowledging it. The restarted worker claims the still-pending entries and must not count them
 * again. Proof: the batch's effect is in PostgreSQL while all its entries are still pending; after the restart
 * the totals are unchanged for it and exact for the rest, and nothing is pending.
 */
@ExtendWith({RedisExtension.class, PostgresExtension.class})
class MetricsWorkerCrashIT {

    @Test
    void aCrashBetweenCommitAndAcknowledgementDoesNotCountTwice(RedisService redis, PostgresService postgres)
            throws Exception {
        MetricsWorkerFixture fixture = new MetricsWorkerFixture(redis, postgres, "crash");
        try {
            Instant window = closedMinute();
            for (int i = 0; i < 300; i++) {
                fixture.send(sample("orders", 1, Map.of("shop", "s" + (i % 3)), window.plusMillis(i * 100L)));
            }
            var crashing = fixture.config(postgres.jdbcUrl(), 100, List.of(Duration.ofSeconds(60)), 1000,
                    FaultInjection.CRASH_AFTER_COMMIT);
            try (MetricsWorkerProcess first = MetricsWorkerProcess.start(crashing, FreePorts.next())) {
                assertThat(first.process().waitFor(60, TimeUnit.SECONDS)).as("worker halts after its first commit")
                        .isTrue();
                assertThat(first.process().exitValue()).as(first.output()).isEqualTo(137);
            }
            // the first batch (100 samples) is committed, yet all its entries are still pending, as are those of
            // the next batch if the worker had already read it (reading overlaps storing)
            assertThat(fixture.totalCount()).isEqualTo(100);
            assertThat(fixture.pending()).isIn(100L, 200L);

            // a short claim idle time: the orphans are claimed sooner, and the ledger's retention (10 claim idle
            // times after acknowledgement) ends within seconds
            var healthy = fixture.config(postgres.jdbcUrl(), 100, List.of(Duration.ofSeconds(60)), 1000,
                    FaultInjection.NONE).withClaimIdle(Duration.ofMillis(500));
            try (MetricsWorkerProcess second = MetricsWorkerProcess.start(healthy, FreePorts.next())) {
                await("restarted worker claims the crashed one's entries and settles all 300")
                        .atMost(Duration.ofSeconds(60))
                        .until(() -> fixture.undelivered() == 0 && fixture.pending() == 0);
                assertThat(fixture.totalCount()).as(second.output()).isEqualTo(300);
                assertThat(second.output()).contains("skipped 100 samples applied before");
                // every record (the crashed worker's, whose entries the second acknowledged, and the second's own)
                // is swept a retention period (10 claim idle times) after its entries were acknowledged
                await("applied-entry records of acknowledged entries deleted").atMost(Duration.ofSeconds(45))
                        .until(fixture::appliedEntryRows, n -> n == 0);
                second.process().destroy(); // SIGTERM: finishes the batch in hand and exits 0
                assertThat(second.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
                assertThat(second.process().exitValue()).as(second.output()).isZero();
            }
            assertThat(fixture.totalCount()).isEqualTo(300);
            assertThat(fixture.rows()).extracting(MetricsWorkerFixture.Row::count).containsExactly(100L, 100L, 100L);
            assertThat(fixture.deadLetters()).isEmpty();
        } finally {
            fixture.cleanUp();
        }
    }
}
