package io.killkrill.stream;

import io.killkrill.it.support.RedisExtension;
import io.killkrill.it.support.RedisService;
import io.killkrill.model.DeadLetter;
import io.killkrill.model.DeadLetterCodec;
import io.killkrill.model.DeadLetterReason;
import io.killkrill.model.Stage;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.params.XClaimParams;
import redis.clients.jedis.params.XReadGroupParams;
import redis.clients.jedis.resps.StreamEntry;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The stream runtime against the real Redis, with a sink written for each test: the delivery limit and the
 * isolation of a bad entry, settling that never duplicates a dead letter, the dead-letter bound, trimming,
 * departed consumers and a lost consumer group. Every test reconciles: each entry added is completed by the sink
 * exactly once or dead-lettered exactly once, and nothing stays pending.
 */
@ExtendWith(RedisExtension.class)
class StreamRuntimeIT {
    private static final String GROUP = "group";
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<StreamRuntime<Batch>> started = new ArrayList<>();
    private RedisService redis;
    private JedisPooled jedis;
    private String stream;
    private String dlq;

    @BeforeEach
    void keys(RedisService redis, TestInfo test) {
        this.redis = redis;
        this.jedis = redis.client();
        String prefix = RedisService.uniquePrefix("rt-" + test.getTestMethod().orElseThrow().getName());
        stream = prefix + "stream";
        dlq = prefix + "dlq";
    }

    @AfterEach
    void tearDown() {
        started.forEach(r -> r.stop(Duration.ofSeconds(5)));
        jedis.del(stream, dlq);
    }

    /** The acceptance case: a sink that throws on one entry every time, among 1,000 good ones. */
    @Test
    void aPoisonEntryIsDeadLetteredAfterExactlyMaxDeliveriesAndTheThousandOthersSettleOnce() {
        List<String> good = add(500, "good-a-");
        String poison = add(1, "poison").get(0);
        good.addAll(add(500, "good-b-"));
        Map<String, AtomicInteger> deliveries = new ConcurrentHashMap<>();
        Map<String, AtomicInteger> completed = new ConcurrentHashMap<>();
        start(settings("c", 100, Duration.ofMillis(300), 5), 1, Duration.ofHours(1), batch -> {
            batch.records().forEach(r -> deliveries.computeIfAbsent(r.id(), k -> new AtomicInteger()).incrementAndGet());
            if (batch.records().stream().anyMatch(r -> r.id().equals(poison))) {
                throw new IllegalStateException("the sink cannot take entry " + poison);
            }
            batch.records().forEach(r -> completed.computeIfAbsent(r.id(), k -> new AtomicInteger()).incrementAndGet());
            return batch.records().stream().<EntryFate>map(r -> new EntryFate.Completed(r.id())).toList();
        });

        await("the poison entry is dead-lettered and nothing is pending").atMost(Duration.ofSeconds(60))
                .until(() -> jedis.xlen(dlq) == 1 && pending() == 0 && completed.size() == 1000);

        DeadLetter letter = DeadLetterCodec.fromEntry(jedis.xrange(dlq, "-", "+").get(0).getFields());
        assertThat(letter.reason()).isEqualTo(DeadLetterReason.MAX_DELIVERIES_EXCEEDED);
        assertThat(letter.entryId()).contains(poison);
        assertThat(letter.original()).containsEntry("n", "poison0");
        assertThat(letter.attempts()).isEqualTo(5);
        assertThat(deliveries.get(poison)).as("handed to the sink exactly KILLKRILL_MAX_DELIVERIES times")
                .hasValue(5);
        assertThat(completed.keySet()).containsExactlyInAnyOrderElementsOf(good);
        assertThat(completed.values()).as("each good entry completed once").allMatch(n -> n.get() == 1);
        assertThat(registry.get("killkrill.test_worker.stream.max_deliveries_exceeded").counter().count()).isEqualTo(1);
        // isolation: the poison's 99 batch mates went to the sink alone right after the failed batch, once more
        // only (without it they would wait out the claim idle time and fail again with the poison)
        assertThat(good).allMatch(id -> deliveries.get(id).get() <= 2);
        assertThat(registry.get("killkrill.test_worker.stream.isolated").counter().count()).isEqualTo(100);
        // the meters tell the same story: every hand-over counted, in batches, 1,001 acknowledged, the
        // poison's 4 redeliveries claimed (it sits out the claim idle time each time) and dead-lettered once
        long handedOver = deliveries.values().stream().mapToLong(AtomicInteger::get).sum();
        assertThat(registry.get("killkrill.test_worker.stream.delivered").counter().count()).isEqualTo(handedOver);
        assertThat(registry.get("killkrill.test_worker.stream.batch.size").summary().totalAmount())
                .isEqualTo(handedOver);
        assertThat(registry.get("killkrill.test_worker.stream.batch.size").summary().max()).isEqualTo(100);
        assertThat(registry.get("killkrill.test_worker.stream.acknowledged").counter().count()).isEqualTo(1001);
        assertThat(registry.get("killkrill.test_worker.stream.claimed").counter().count()).isGreaterThanOrEqualTo(4);
        assertThat(registry.get("killkrill.test_worker.stream.dead_lettered").tag("reason", "max_deliveries_exceeded")
                .counter().count()).isEqualTo(1);
    }

    /**
     * A consumer restarted under the name it had (KILLKRILL_CONSUMER_NAME) takes back what it left pending at once,
     * without waiting out the claim idle time (an hour here): the 150 entries its earlier life read (more than one
     * page of XPENDING, a batch) are completed once each, none claimed; one it had already been handed the maximum
     * number of times is dead-lettered instead of handed over again.
     */
    @Test
    void aConsumerRestartedUnderItsNameTakesBackItsOwnPendingAtOnceWithoutAClaim() {
        String exhausted = add(1, "exhausted").get(0);
        assertThat(readAs("c", 1)).as("delivered once").hasSize(1);
        for (int i = 0; i < 2; i++) { // each XCLAIM counts a delivery: 3 in all, the limit
            jedis.xclaim(stream, GROUP, "c", 0, XClaimParams.xClaimParams(), new StreamEntryID(exhausted));
        }
        List<String> left = add(150, "left-");
        assertThat(readAs("c", 150)).hasSize(150);
        List<String> later = add(20, "later-");
        Map<String, AtomicInteger> completed = new ConcurrentHashMap<>();
        start(settings("c", 100, Duration.ofHours(1), 3), 1, Duration.ofHours(1), batch -> {
            batch.records().forEach(r -> completed.computeIfAbsent(r.id(), k -> new AtomicInteger()).incrementAndGet());
            return completeAll(batch);
        });

        await("the 150 left pending and the 20 added later are completed, the exhausted one dead-lettered")
                .atMost(Duration.ofSeconds(30))
                .until(() -> completed.size() == 170 && jedis.xlen(dlq) == 1 && pending() == 0);
        assertThat(completed.keySet()).containsExactlyInAnyOrderElementsOf(
                Stream.concat(left.stream(), later.stream()).toList());
        assertThat(completed.values()).allMatch(n -> n.get() == 1);
        assertThat(DeadLetterCodec.fromEntry(jedis.xrange(dlq, "-", "+").get(0).getFields()).entryId())
                .contains(exhausted);
        assertThat(registry.get("killkrill.test_worker.stream.claimed").counter().count()).as("nothing claimed")
                .isZero();
        assertThat(registry.get("killkrill.test_worker.stream.max_deliveries_exceeded").counter().count())
                .isEqualTo(1);
        assertThat(registry.get("killkrill.test_worker.stream.delivered").counter().count()).isEqualTo(170);
    }

    /**
     * An entry whose sink returns no fate stays pending and comes back, counted; at the limit it is dead-lettered
     * inside Redis without being handed over again (the path of an entry that kills its worker each time).
     */
    @Test
    void anEntryLeftPendingOnEveryDeliveryIsDeadLetteredAtTheLimitWithoutAnotherDelivery() {
        String stuck = add(1, "stuck").get(0);
        AtomicInteger deliveries = new AtomicInteger();
        start(settings("c", 10, Duration.ofMillis(200), 3), 1, Duration.ofHours(1), batch -> {
            deliveries.addAndGet(batch.size());
            return List.of();
        });
        await("dead-lettered at the limit").atMost(Duration.ofSeconds(30))
                .until(() -> jedis.xlen(dlq) == 1 && pending() == 0);
        assertThat(deliveries).hasValue(3);
        assertThat(DeadLetterCodec.fromEntry(jedis.xrange(dlq, "-", "+").get(0).getFields()).entryId())
                .contains(stuck);
    }

    /** Settling is idempotent: a settle repeated (its first answer lost) or a stale copy writes no second letter. */
    @Test
    void settlingTheSameDeadLetterTwiceWritesItOnce() {
        String id = add(1, "bad").get(0);
        readAs("c", 10);
        Settlement settlement = new Settlement(jedis, stream, GROUP, dlq, 1_000);
        EntryFate fate = new EntryFate.DeadLettered(id, DeadLetter.ofEntry(stream, id, Map.of("n", "bad0"),
                Stage.VALIDATE, DeadLetterReason.INVALID_EVENT, "bad", 1, "test-worker"));

        Settlement.Settled first = settlement.settle(List.of(fate));
        Settlement.Settled again = settlement.settle(List.of(fate));

        assertThat(first).isEqualTo(new Settlement.Settled(1, 1, 0));
        assertThat(again).isEqualTo(new Settlement.Settled(0, 0, 0));
        assertThat(jedis.xlen(dlq)).isEqualTo(1);
        assertThat(pending()).isZero();
    }

    /** The dead-letter stream is bounded; what is trimmed off is counted. */
    @Test
    void theDeadLetterStreamStaysNearItsBoundAndTrimmedLettersAreCounted() {
        List<String> ids = add(3_000, "bad-");
        long trimmed = 0;
        Settlement settlement = new Settlement(jedis, stream, GROUP, dlq, 1_000);
        for (int i = 0; i < 30; i++) {
            readAs("c", 100);
        }
        for (int from = 0; from < ids.size(); from += 100) {
            List<EntryFate> fates = new ArrayList<>();
            for (String id : ids.subList(from, from + 100)) {
                fates.add(new EntryFate.DeadLettered(id, DeadLetter.ofEntry(stream, id, Map.of(), Stage.VALIDATE,
                        DeadLetterReason.INVALID_EVENT, "bad", 1, "test-worker")));
            }
            trimmed += settlement.settle(fates).deadLettersTrimmed();
        }
        long length = jedis.xlen(dlq);
        assertThat(length).as("approximate trimming keeps about the bound").isBetween(1_000L, 1_200L);
        assertThat(trimmed).as("written = kept + trimmed").isEqualTo(3_000 - length);
        assertThat(pending()).isZero();
    }

    /** Trimming to what the group acknowledged, and departed consumers removed. */
    @Test
    void theStreamIsTrimmedToWhatTheGroupAcknowledgedAndDepartedConsumersAreRemoved() {
        add(1_000, "e-");
        jedis.xgroupCreate(stream, GROUP, new StreamEntryID(0, 0), true);
        jedis.xgroupCreateConsumer(stream, GROUP, "departed");
        StreamRuntime<Batch> runtime = start(settings("live", 100, Duration.ofSeconds(5), 5), 2,
                Duration.ofSeconds(1), StreamRuntimeIT::completeAll);
        await("every entry settled, the stream trimmed and the departed consumer removed")
                .atMost(Duration.ofSeconds(30)).until(() -> pending() == 0 && jedis.xlen(stream) == 0
                        && jedis.xinfoConsumers(stream, GROUP).stream().noneMatch(c -> c.getName().equals("departed")));
        assertThat(registry.get("killkrill.test_worker.stream.trimmed").counter().count()).isEqualTo(1_000);
        assertThat(registry.get("killkrill.test_worker.stream.consumers_removed").counter().count()).isEqualTo(1);
        assertThat(runtime.consumerNames()).containsExactly("live-1", "live-2");
    }

    /**
     * Issue 12: after a Redis restart without persistence or a deleted stream, the consumer recreated its group,
     * said so in a metric, and reads again; it is not reading (readiness false) while it cannot.
     */
    @Test
    void aLostConsumerGroupIsRecreatedAndReadingResumes() {
        Map<String, AtomicInteger> completed = new ConcurrentHashMap<>();
        StreamRuntime<Batch> runtime = start(settings("c", 100, Duration.ofSeconds(5), 5), 1, Duration.ofHours(1),
                batch -> {
                    batch.records().forEach(r -> completed.computeIfAbsent(r.id(), k -> new AtomicInteger())
                            .incrementAndGet());
                    return completeAll(batch);
                });
        List<String> before = add(10, "before-");
        await("first entries settled").atMost(Duration.ofSeconds(10)).until(() -> completed.size() == 10);
        assertThat(runtime.isReading()).isTrue();

        jedis.del(stream); // the group goes with the stream
        await("the consumer notices the group is gone").atMost(Duration.ofSeconds(10))
                .until(() -> registry.get("killkrill.test_worker.stream.group_recreated").counter().count() >= 1);
        List<String> after = add(10, "after-");
        await("entries added after the loss are settled").atMost(Duration.ofSeconds(10))
                .until(() -> completed.keySet().containsAll(after) && pending() == 0);
        assertThat(runtime.isReading()).isTrue();
        assertThat(completed.keySet()).containsAll(before);
        assertThat(completed.values()).allMatch(n -> n.get() == 1);
    }

    private static List<EntryFate> completeAll(Batch batch) {
        return batch.records().stream().<EntryFate>map(r -> new EntryFate.Completed(r.id())).toList();
    }

    private ConsumerSettings settings(String consumer, int batchSize, Duration claimIdle, int maxDeliveries) {
        return new ConsumerSettings("test-worker", Stage.BULK_INDEX, stream, GROUP, dlq, consumer, batchSize,
                Duration.ofMillis(100), claimIdle, maxDeliveries, 1_000, false);
    }

    private StreamRuntime<Batch> start(ConsumerSettings settings, int consumers, Duration consumerExpiry,
                                       Function<Batch, List<EntryFate>> put) {
        StreamSink<Batch> sink = new StreamSink<>() {
            @Override
            public Batch prepare(Batch batch) {
                return batch;
            }

            @Override
            public List<EntryFate> put(Batch batch) {
                return put.apply(batch);
            }
        };
        StreamRuntime<Batch> runtime = new StreamRuntime<>(new JedisPooled(redis.uri(), 5_000),
                new StreamRuntime.Settings(settings, consumers, Duration.ofMillis(200), consumerExpiry),
                () -> sink, registry).start();
        started.add(runtime);
        return runtime;
    }

    private List<String> add(int count, String prefix) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ids.add(jedis.xadd(stream, StreamEntryID.NEW_ENTRY, Map.of("n", prefix + i)).toString());
        }
        return ids;
    }

    private List<StreamEntry> readAs(String consumer, int count) {
        return GroupReads.readAs(jedis, stream, GROUP, consumer, count);
    }

    private long pending() {
        try {
            return jedis.xpending(stream, GROUP).getTotal();
        } catch (RuntimeException noGroup) {
            return -1;
        }
    }
}
