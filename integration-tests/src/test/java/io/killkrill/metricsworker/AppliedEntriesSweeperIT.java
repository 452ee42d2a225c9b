package io.killkrill.metricsworker;

import io.killkrill.it.metricsworker.StoreWrites;
import io.killkrill.it.support.PostgresExtension;
import io.killkrill.it.support.PostgresService;
import io.killkrill.it.support.RedisExtension;
import io.killkrill.it.support.RedisService;
import io.killkrill.metricsworker.store.AggregateStore;
import io.killkrill.model.EventIds;
import io.killkrill.model.MetricSample;
import io.killkrill.model.MetricType;
import io.killkrill.model.Source;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.params.XReadGroupParams;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sweeper of the applied-entries ledger against the real Redis and PostgreSQL: the guard of issue 12's
 * double count. A copy of an entry can still be applied up to {@link AppliedEntriesSweeper#holdConfirmation}
 * after Redis last confirmed it pending; the sweeper must keep the entry's row at least that long after the
 * entry was acknowledged. Proof: after the group acknowledged every entry, the sweeps done within the hold
 * confirmation period leave the row, and a late copy of an entry is skipped (the sample total stays 3).
 */
@ExtendWith({RedisExtension.class, PostgresExtension.class})
class AppliedEntriesSweeperIT {
    private static final Duration CLAIM_IDLE = Duration.ofSeconds(1);
    private JedisPooled jedis;
    private String stream;
    private PostgresService postgres;
    private String schema;
    private AggregateStore store;

    @AfterEach
    void tearDown() throws SQLException {
        store.close();
        jedis.del(stream);
        try (Connection c = postgres.connect(); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }
    }

    @Test
    void aRowOutlivesItsAcknowledgementLongerThanACopyMayBeAppliedSoALateCopyIsSkipped(RedisService redis,
                                                                                       PostgresService postgres)
            throws Exception {
        this.postgres = postgres;
        this.jedis = redis.client();
        this.stream = RedisService.uniquePrefix("sweeper") + "metrics-stream";
        this.schema = postgres.createUniqueSchema("sweeper");
        this.store = new AggregateStore(postgres.jdbcUrl(), postgres.user(), postgres.password(), schema, 2, Duration.ofSeconds(5));
        assertThat(AppliedEntriesSweeper.retention(CLAIM_IDLE))
                .as("a row outlives its acknowledgement by more than a copy can be applied after confirmation")
                .isGreaterThan(AppliedEntriesSweeper.holdConfirmation(CLAIM_IDLE).multipliedBy(3).dividedBy(2));

        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(jedis.xadd(stream, StreamEntryID.NEW_ENTRY, Map.of("n", Integer.toString(i))).toString());
        }
        jedis.xgroupCreate(stream, "g", new StreamEntryID(0, 0), false);
        jedis.xreadGroup("g", "owner", XReadGroupParams.xReadGroupParams().count(10),
                Map.of(stream, StreamEntryID.UNRECEIVED_ENTRY));
        Instant window = Instant.ofEpochMilli((System.currentTimeMillis() / 60_000 - 3) * 60_000);
        Map<String, MetricSample> samples = new LinkedHashMap<>();
        ids.forEach(id -> samples.put(id, sample(window)));
        StoreWrites.apply(store, Optional.of(new AggregateStore.EntryRange(ids.get(0), ids.get(2))), samples, "owner");
        jedis.xack(stream, "g", ids.stream().map(StreamEntryID::new).toArray(StreamEntryID[]::new));

        AppliedEntriesSweeper sweeper = new AppliedEntriesSweeper(jedis, store, 0, stream, "g", CLAIM_IDLE);
        long sweepsUntil = System.nanoTime() + AppliedEntriesSweeper.holdConfirmation(CLAIM_IDLE).toNanos();
        int sweeps = 0;
        while (System.nanoTime() < sweepsUntil && sweeps < 5) {
            sweeper.sweep(); // the worker sweeps every claim idle time; here as often as we like
            sweeps++;
        }
        assertThat(store.appliedEntryRows()).as("the row is kept after %d sweeps", sweeps).isEqualTo(1);

        // a copy of entry 2 that another consumer held (confirmed pending before the acknowledgement)
        StoreWrites.Applied late = StoreWrites.apply(store, Optional.empty(), Map.of(ids.get(1), sample(window)),
                "stale-copy");
        assertThat(late.alreadyApplied()).isEqualTo(1);
        assertThat(late.freshSamples()).isZero();
    }

    private static MetricSample sample(Instant window) {
        return new MetricSample(EventIds.next(), "swept", 1, new TreeMap<>(Map.of("k", "v")), window,
                MetricType.GAUGE, Instant.now(), Source.http("127.0.0.1:1"));
    }
}
