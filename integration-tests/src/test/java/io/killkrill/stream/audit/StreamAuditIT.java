package io.killkrill.stream.audit;

import io.killkrill.it.support.RedisExtension;
import io.killkrill.it.support.RedisService;
import io.killkrill.model.AuditSlot;
import io.killkrill.model.StreamEntry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.params.XReadGroupParams;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Redis half of {@code killkrill audit} ({@link StreamAudit}) against a real Redis, to the count: the accepted
 * counters per minute and service, the dead letters, the entries delivered and not acknowledged and those not
 * delivered yet, each in the minute of its {@code audit} slot, more of each than one page of the slot script
 * ({@value StreamAudit#PAGE}), a range's edges, one service, a stream without the group or without entries, and
 * entries no receiver wrote. Then the table {@link StreamAudit#audit} builds from them and the store's counts: one
 * reading when it reconciles, {@value StreamAudit#ATTEMPTS} when it does not, fewer when a re-reading does.
 */
@ExtendWith(RedisExtension.class)
class StreamAuditIT {
    private static final String GROUP = "log-workers";

    private JedisPooled redis;
    private String stream;
    private String deadLetters;
    private long m0;

    @BeforeEach
    void setUp(RedisService service, TestInfo test) {
        redis = service.client();
        String prefix = RedisService.uniquePrefix("audit-" + test.getTestMethod().orElseThrow().getName()
                .substring(0, 12));
        stream = prefix + "logs-stream";
        deadLetters = prefix + "logs-dlq";
        m0 = AuditSlot.minuteOf(Instant.now()) - 10;
    }

    @AfterEach
    void cleanUp() {
        for (long m = m0 - 1; m <= m0 + 3; m++) {
            redis.del(AuditSlot.key(stream, m));
        }
        redis.del(stream, deadLetters);
    }

    /** {@code n} entries of {@code service} in {@code minute}, counted as the receivers count them. */
    private void accept(long minute, String service, int n) {
        for (int i = 0; i < n; i++) {
            redis.xadd(stream, StreamEntryID.NEW_ENTRY, Map.of(StreamEntry.AUDIT,
                    new AuditSlot(minute, service).wire(), StreamEntry.DATA, "{}"));
        }
        redis.hincrBy(AuditSlot.key(stream, minute), service, n);
    }

    private void deadLetter(long minute, String service, int n) {
        for (int i = 0; i < n; i++) {
            redis.xadd(deadLetters, StreamEntryID.NEW_ENTRY, Map.of(StreamEntry.AUDIT,
                    new AuditSlot(minute, service).wire(), "reason", "index_rejected"));
        }
    }

    /** Delivers the first {@code n} entries to the group; returns their IDs in stream order. */
    private List<StreamEntryID> deliver(int n) {
        var read = redis.xreadGroup(GROUP, "c1", XReadGroupParams.xReadGroupParams().count(n),
                Map.of(stream, StreamEntryID.UNRECEIVED_ENTRY));
        List<StreamEntryID> ids = new ArrayList<>();
        read.get(0).getValue().forEach(e -> ids.add(e.getID()));
        assertThat(ids).hasSize(n);
        return ids;
    }

    /**
     * Outside the range: 5 of service a in m0 - 1, pending. m0: 40 of a (3 pending, 5 dead-lettered) and 10 of b,
     * acknowledged; m1: 45 of a, 40 of them pending, and 2 dead letters of b; m2: 70 of b not delivered yet. Two
     * entries no receiver wrote (no slot, a slot that is not one) and a dead letter without a slot.
     */
    private void traffic() {
        accept(m0 - 1, "a", 5);
        accept(m0, "a", 40);
        accept(m0, "b", 10);
        accept(m0 + 1, "a", 45);
        redis.xadd(stream, StreamEntryID.NEW_ENTRY, Map.of(StreamEntry.DATA, "{}"));
        redis.xadd(stream, StreamEntryID.NEW_ENTRY, Map.of(StreamEntry.AUDIT, "nonsense", StreamEntry.DATA, "{}"));
        redis.xgroupCreate(stream, GROUP, new StreamEntryID(), false);
        List<StreamEntryID> delivered = deliver(5 + 50 + 45 + 2);
        List<StreamEntryID> acknowledged = new ArrayList<>();
        acknowledged.addAll(delivered.subList(5, 5 + 37)); // m0 a: 3 left pending
        acknowledged.addAll(delivered.subList(5 + 40, 5 + 50)); // m0 b
        acknowledged.addAll(delivered.subList(5 + 50, 5 + 55)); // m1 a: 40 left pending
        acknowledged.addAll(delivered.subList(5 + 95, 5 + 97)); // the two without a slot
        redis.xack(stream, GROUP, acknowledged.toArray(StreamEntryID[]::new));
        accept(m0 + 2, "b", 70);
        deadLetter(m0, "a", 5);
        deadLetter(m0 + 1, "b", 2);
        deadLetter(m0 - 1, "a", 1);
        redis.xadd(deadLetters, StreamEntryID.NEW_ENTRY, Map.of("reason", "written by something else"));
    }

    private StreamAudit audit() {
        return new StreamAudit(redis, stream, deadLetters, GROUP);
    }

    @Test
    void everyCountLandsInItsMinuteAcrossPagesAndOutsideTheRangeNothingDoes() {
        traffic();

        StreamAudit.Counts all = audit().read(m0, m0 + 3, Optional.empty());
        assertThat(all.accepted()).isEqualTo(Map.of(m0, 50L, m0 + 1, 45L, m0 + 2, 70L));
        assertThat(all.deadLettered()).isEqualTo(Map.of(m0, 5L, m0 + 1, 2L));
        assertThat(all.pending()).as("3 + 40 pending (two pages of XPENDING), 70 undelivered (three of the script)")
                .isEqualTo(Map.of(m0, 3L, m0 + 1, 40L, m0 + 2, 70L));

        StreamAudit.Counts b = audit().read(m0, m0 + 3, Optional.of("b"));
        assertThat(b.accepted()).isEqualTo(Map.of(m0, 10L, m0 + 2, 70L));
        assertThat(b.deadLettered()).isEqualTo(Map.of(m0 + 1, 2L));
        assertThat(b.pending()).isEqualTo(Map.of(m0 + 2, 70L));

        StreamAudit.Counts one = audit().read(m0 + 1, m0 + 2, Optional.empty());
        assertThat(one).isEqualTo(new StreamAudit.Counts(Map.of(m0 + 1, 45L), Map.of(m0 + 1, 2L),
                Map.of(m0 + 1, 40L)));
        assertThat(audit().read(m0 - 1, m0, Optional.empty())).as("the minute before: its own counts only")
                .isEqualTo(new StreamAudit.Counts(Map.of(m0 - 1, 5L), Map.of(m0 - 1, 1L), Map.of(m0 - 1, 5L)));
    }

    @Test
    void withoutTheGroupEveryEntryIsPendingAndWithoutTheStreamNone() {
        accept(m0, "a", 33);
        redis.xgroupCreate(stream, "another-group", new StreamEntryID(), false);
        assertThat(audit().read(m0, m0 + 1, Optional.empty()).pending()).as("not delivered to this group")
                .isEqualTo(Map.of(m0, 33L));

        redis.del(stream);
        StreamAudit.Counts gone = audit().read(m0, m0 + 1, Optional.empty());
        assertThat(gone.pending()).isEmpty();
        assertThat(gone.accepted()).as("the counters outlive the stream").isEqualTo(Map.of(m0, 33L));
    }

    @Test
    void theTableReconcilesAtOnceOrAfterItsReReadingsAndNamesTheShortMinute() throws Exception {
        traffic();
        AuditCommand.Range range = new AuditCommand.Range(m0, m0 + 3, Optional.empty());
        AtomicInteger readings = new AtomicInteger();
        AuditTable table = audit().audit("logs", "indexed", range, (from, to, service) -> {
            readings.incrementAndGet();
            assertThat(List.of(from, to, service)).isEqualTo(List.of(m0, m0 + 3, Optional.empty()));
            return Map.of(m0, 42L, m0 + 1, 3L);
        });
        assertThat(table.rows()).containsExactly(new AuditTable.Row(m0, 50, 42, 5, 3),
                new AuditTable.Row(m0 + 1, 45, 3, 2, 40), new AuditTable.Row(m0 + 2, 70, 0, 0, 70));
        assertThat(table.reconciled()).isTrue();
        assertThat(readings).as("one reading").hasValue(1);

        AtomicInteger late = new AtomicInteger();
        AuditTable second = audit().audit("logs", "indexed", range, (from, to, service) ->
                late.incrementAndGet() == 1 ? Map.of(m0, 41L, m0 + 1, 3L) : Map.of(m0, 42L, m0 + 1, 3L));
        assertThat(second.reconciled()).as("an item indexed between two readings").isTrue();
        assertThat(late).hasValue(2);

        AtomicInteger shortReadings = new AtomicInteger();
        AuditTable missing = audit().audit("logs", "indexed", range, (from, to, service) -> {
            shortReadings.incrementAndGet();
            return Map.of(m0, 42L, m0 + 1, 1L);
        });
        assertThat(shortReadings).as("read " + StreamAudit.ATTEMPTS + " times").hasValue(StreamAudit.ATTEMPTS);
        assertThat(missing.unreconciled()).containsExactly(new AuditTable.Row(m0 + 1, 45, 1, 2, 40));
        assertThat(missing.unreconciled().get(0).missing()).isEqualTo(2);
    }
}
