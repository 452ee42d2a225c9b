package io.killkrill.it.metricsworker;

import io.killkrill.it.metricsworker.StoreWrites.Applied;
import io.killkrill.it.support.PostgresExtension;
import io.killkrill.it.support.PostgresService;
import io.killkrill.it.support.RedisExtension;
import io.killkrill.it.support.RedisService;
import io.killkrill.metricsworker.store.AggregateStore.EntryRange;
import io.killkrill.metricsworker.store.AggregateStore;
import io.killkrill.metricsworker.store.EntryKeys;
import io.killkrill.model.MetricSample;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.killkrill.it.metricsworker.MetricsWorkerFixture.closedMinute;
import static io.killkrill.it.metricsworker.MetricsWorkerFixture.sample;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The exactly-once bookkeeping against the real PostgreSQL: a batch of new entries is recorded as one range of
 * stream entry IDs, claimed entries one by one, and ranges never overlap. Proofs are the stored totals: a
 * sample whose entry was applied before, or is being applied by another worker at the same moment, is not
 * folded again.
 */
@ExtendWith({RedisExtension.class, PostgresExtension.class})
class AppliedEntriesIT {
    private MetricsWorkerFixture fixture;
    private AggregateStore store;
    private final Instant window = closedMinute();

    @BeforeEach
    void setUp(RedisService redis, PostgresService postgres) throws SQLException {
        fixture = new MetricsWorkerFixture(redis, postgres, "applied");
        store = new AggregateStore(postgres.jdbcUrl(), postgres.user(), postgres.password(), fixture.schema, 2,
                Duration.ofSeconds(5));
    }

    @AfterEach
    void tearDown() throws SQLException {
        store.close();
        fixture.cleanUp();
    }

    /** Samples of value 1 for entries {@code 1-first} .. {@code 1-last}, by entry ID. */
    private Map<String, MetricSample> samples(int first, int last) {
        Map<String, MetricSample> samples = new LinkedHashMap<>();
        for (int i = first; i <= last; i++) {
            samples.put("1-" + i, sample("applied", 1, Map.of("k", "v"), window.plusSeconds(i)));
        }
        return samples;
    }

    private Applied apply(Optional<EntryRange> range, Map<String, MetricSample> samples, String consumer) {
        return StoreWrites.apply(store, range, samples, consumer);
    }

    @Test
    void entriesOfAnAppliedRangeClaimedLaterAreSkippedAndOnlyTheNewOneIsFolded() throws Exception {
        Applied owner = apply(Optional.of(new EntryRange("1-0", "1-2")), samples(0, 2), "owner");
        assertThat(owner.freshSamples()).isEqualTo(3);
        assertThat(owner.records()).hasSize(1);

        Applied claimer = apply(Optional.empty(), samples(1, 3), "claimer");

        assertThat(claimer.freshSamples()).isEqualTo(1);
        assertThat(claimer.alreadyApplied()).isEqualTo(2);
        assertThat(fixture.totalCount()).isEqualTo(4);
        assertThat(fixture.appliedEntryRows()).isEqualTo(2); // the owner's range + the claimer's one entry
    }

    /**
     * Regression guard for issue 12's double count: a ledger row is deleted only a retention period after the
     * sweep saw all its entries acknowledged, never as soon as they are; a row is marked settled only when its
     * whole range lies below the group's oldest pending entry.
     */
    @Test
    void theSweepDeletesARowOnlyARetentionPeriodAfterItsEntriesWereSeenSettled() throws Exception {
        apply(Optional.of(new EntryRange("1-0", "1-2")), samples(0, 2), "owner");
        apply(Optional.empty(), samples(3, 3), "claimer");

        assertThat(store.sweep(0, "1-3", Duration.ofHours(1))).as("owner's row marked, none deleted: retention")
                .containsExactly(1, 0);
        assertThat(store.sweep(0, "1-3", Duration.ZERO)).as("1-3 is still pending: the claimer's row stays unmarked")
                .containsExactly(0, 1);
        assertThat(fixture.appliedEntryRows()).isEqualTo(1);
        assertThat(apply(Optional.empty(), samples(3, 3), "late copy").alreadyApplied())
                .as("a late copy of the pending entry is still skipped").isEqualTo(1);
        assertThat(fixture.totalCount()).isEqualTo(4);
    }

    /**
     * Sharded streams: an entry ID is unique only within its shard's stream, so the same IDs in two shards are two
     * entries, each applied once; a sweep of one shard never marks the other's rows. Against the migrated schema
     * (V6), whose keys must hold the highest shard's.
     */
    @Test
    void theSameEntryIdsInTwoShardsAreTwoEntriesAndEachShardIsSweptAlone() throws Exception {
        Applied first = StoreWrites.apply(store, 0, Optional.of(new EntryRange("1-0", "1-2")), samples(0, 2), "a");
        Applied second = StoreWrites.apply(store, 3, Optional.of(new EntryRange("1-0", "1-2")), samples(0, 2), "a");
        Applied again = StoreWrites.apply(store, 3, Optional.empty(), samples(1, 1), "claimer");
        Applied highest = StoreWrites.apply(store, 255, Optional.of(new EntryRange("1-0", "1-2")), samples(0, 2),
                "a");

        assertThat(first.freshSamples()).isEqualTo(3);
        assertThat(second.freshSamples()).as("the same IDs in shard 3 are other entries").isEqualTo(3);
        assertThat(again.alreadyApplied()).as("a copy in shard 3 is skipped").isEqualTo(1);
        assertThat(highest.freshSamples()).as("shard 255's keys fit the columns").isEqualTo(3);
        assertThat(fixture.totalCount()).isEqualTo(9);
        assertThat(store.sweep(3, "2-0", Duration.ZERO)).as("shard 3's row marked, alone").containsExactly(1, 0);
        assertThat(store.sweep(3, "2-0", Duration.ZERO)).as("then deleted").containsExactly(0, 1);
        assertThat(fixture.appliedEntryRows()).isEqualTo(2);
        assertThat(StoreWrites.apply(store, 0, Optional.empty(), samples(2, 2), "late").alreadyApplied())
                .as("shard 0's row is still there").isEqualTo(1);
    }

    @Test
    void aClaimerWaitsForTheOwnerApplyingTheSameEntryAndThenSkipsIt() throws Exception {
        try (Connection owner = fixture.postgres.connect()) {
            owner.setAutoCommit(false);
            recordRange(owner, "1-0", "1-9"); // the owner's transaction, not committed yet
            CompletableFuture<Applied> claiming = CompletableFuture.supplyAsync(() ->
                    apply(Optional.empty(), samples(4, 4), "claimer"));
            await("the claimer's record waits on the owner's uncommitted range").atMost(Duration.ofSeconds(10))
                    .until(this::lockWaiters, n -> n > 0);
            assertThat(claiming).isNotDone();
            owner.commit();
            Applied claimed = claiming.get(10, TimeUnit.SECONDS);
            assertThat(claimed.freshSamples()).isZero();
            assertThat(claimed.alreadyApplied()).isEqualTo(1);
        }
        assertThat(fixture.totalCount()).isZero();
    }

    @Test
    void anOwnerWhoseRangeOverlapsAnEntryAClaimerIsApplyingRecordsTheRestOneByOne() throws Exception {
        try (Connection claimer = fixture.postgres.connect()) {
            claimer.setAutoCommit(false);
            recordRange(claimer, "1-4", "1-4"); // a claimer applying entry 1-4, not committed yet
            CompletableFuture<Applied> owning = CompletableFuture.supplyAsync(() ->
                    apply(Optional.of(new EntryRange("1-0", "1-9")), samples(0, 9), "owner"));
            await("the owner's range waits on the claimer's uncommitted entry").atMost(Duration.ofSeconds(10))
                    .until(this::lockWaiters, n -> n > 0);
            assertThat(owning).isNotDone();
            claimer.commit();
            Applied owned = owning.get(10, TimeUnit.SECONDS);
            assertThat(owned.freshSamples()).isEqualTo(9);
            assertThat(owned.alreadyApplied()).isEqualTo(1);
            assertThat(owned.records()).hasSize(9);
        }
        assertThat(fixture.totalCount()).isEqualTo(9);
    }

    @Test
    void entryIdsMapToOrderedKeysAndBack() {
        assertThat(EntryKeys.of("1-9")).isLessThan(EntryKeys.of("1-10")).isLessThan(EntryKeys.of("2-0"));
        assertThat(EntryKeys.toEntryId(EntryKeys.of("1732000000000-18446744073709551615")))
                .isEqualTo("1732000000000-18446744073709551615");
    }

    private void recordRange(Connection connection, String first, String last) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO " + fixture.schema
                + ".applied_entries (first_key, last_key, consumer, applied_at) VALUES (?, ?, 'other', now())")) {
            insert.setBigDecimal(1, EntryKeys.of(first));
            insert.setBigDecimal(2, EntryKeys.of(last));
            insert.executeUpdate();
        }
    }

    private long lockWaiters() throws SQLException {
        try (Connection c = fixture.postgres.connect(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                     + " AND query LIKE '%" + fixture.schema + "%' AND query LIKE '%applied_entries%'")) {
            r.next();
            return r.getLong(1);
        }
    }
}
