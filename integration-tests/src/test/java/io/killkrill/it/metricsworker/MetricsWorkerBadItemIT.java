package io.killkrill.it.metricsworker;

import io.killkrill.it.support.PostgresExtension;
import io.killkrill.it.support.PostgresService;
import io.killkrill.it.support.RedisExtension;
import io.killkrill.it.support.RedisService;
import io.killkrill.metricsworker.MetricsWorker;
import io.killkrill.model.DeadLetter;
import io.killkrill.model.DeadLetterReason;
import io.killkrill.model.MetricSample;
import io.killkrill.model.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.StreamEntryID;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.killkrill.it.metricsworker.MetricsWorkerFixture.closedMinute;
import static io.killkrill.it.metricsworker.MetricsWorkerFixture.sample;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * No batch stalls on one bad sample (issue 12): a sample PostgreSQL refuses for good is found by bisecting its
 * batch and dead-lettered, the others are stored once, and nothing is retried in a loop. Proof: sent (1,001) =
 * stored (1,000, exact count and sum) + dead-lettered (1, the refused one by entry ID); no persist retry;
 * nothing pending.
 */
@ExtendWith({RedisExtension.class, PostgresExtension.class})
class MetricsWorkerBadItemIT {
    private MetricsWorkerFixture fixture;

    @BeforeEach
    void setUp(RedisService redis, PostgresService postgres, TestInfo test) throws SQLException {
        fixture = new MetricsWorkerFixture(redis, postgres, "bad");
    }

    @AfterEach
    void tearDown() throws SQLException {
        fixture.cleanUp();
    }

    @Test
    void aSampleThatFailsTheTransactionForGoodIsDeadLetteredAndTheThousandOthersAreStoredOnce() throws Exception {
        Instant window = closedMinute();
        try (MetricsWorker worker = new MetricsWorker(fixture.config()).start()) {
            // a constraint of the test's own schema makes one metric name a data error PostgreSQL refuses
            try (Connection c = fixture.postgres.connect(); Statement s = c.createStatement()) {
                s.execute("ALTER TABLE " + fixture.schema + ".window_aggregate ADD CONSTRAINT refuse_poison"
                        + " CHECK (metric_name <> 'refused_sample')");
            }
            // in one MULTI, so the worker's batch holds the refused sample among good ones (with one XADD at a
            // time a loaded worker could read it alone, and a batch of one is not bisected)
            List<MetricSample> samples = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                if (i == 500) {
                    samples.add(sample("refused_sample", 1, Map.of("k", "v"), window));
                }
                samples.add(sample("good_sample", 2, Map.of("k", "v"), window.plusMillis(i)));
            }
            StreamEntryID refused = fixture.sendAtOnce(samples).get(500);
            await("every entry settled").atMost(Duration.ofSeconds(30))
                    .until(() -> fixture.pending() == 0 && fixture.undelivered() == 0 && !fixture.deadLetters().isEmpty());

            assertThat(fixture.rows()).singleElement().satisfies(row -> {
                assertThat(row.name()).isEqualTo("good_sample");
                assertThat(row.count()).isEqualTo(1000);
                assertThat(row.sum()).isEqualTo(2000);
            });
            assertThat(fixture.deadLetters()).singleElement().satisfies((DeadLetter letter) -> {
                assertThat(letter.reason()).isEqualTo(DeadLetterReason.PERSIST_REJECTED);
                assertThat(letter.stage()).isEqualTo(Stage.PERSIST);
                assertThat(letter.entryId()).contains(refused.toString());
                assertThat(letter.details()).containsEntry("sqlstate", "23514");
            });
            assertThat(worker.registry().get("killkrill.metrics_worker.persist.retries").counter().count())
                    .as("a data error is not retried like an outage").isZero();
            assertThat(worker.registry().get("killkrill.metrics_worker.transactions.bisected").counter().count())
                    .isPositive();
        }
    }

    /** A value the quantile sketch cannot track is dead-lettered on its own; the stream goes on. */
    @Test
    void aValueOutsideTheSketchRangeDoesNotStopTheStream() throws Exception {
        Instant window = closedMinute();
        try (MetricsWorker worker = new MetricsWorker(fixture.config()).start()) {
            fixture.send(sample("edge_value", Double.MAX_VALUE, Map.of(), window));
            for (int i = 0; i < 10; i++) {
                fixture.send(sample("edge_value", 1, Map.of(), window.plusMillis(i)));
            }
            await("every entry settled").atMost(Duration.ofSeconds(30))
                    .until(() -> fixture.pending() == 0 && fixture.undelivered() == 0 && fixture.totalCount() >= 10);
            assertThat(fixture.totalCount()).isEqualTo(10);
            assertThat(fixture.deadLetters()).singleElement()
                    .satisfies(l -> assertThat(l.reason()).isEqualTo(DeadLetterReason.INVALID_EVENT));
        }
    }
}
