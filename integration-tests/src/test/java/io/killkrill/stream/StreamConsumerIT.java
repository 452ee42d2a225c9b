package io.killkrill.stream;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
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
import org.slf4j.LoggerFactory;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.params.XClaimParams;
import redis.clients.jedis.params.XPendingParams;
import redis.clients.jedis.params.XReadGroupParams;
import redis.clients.jedis.resps.StreamEntry;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * One {@link StreamConsumer} on a thread of the test's, against the real Redis: the pacing of claim passes, the
 * heartbeat that keeps a batch in the sink claimed, what the read-ahead thread holds at a stop or an interrupt,
 * dead letters trimmed at the bound on both paths, and what the log says about fates. Entries another consumer
 * left pending are made idle with XCLAIM JUSTID IDLE (no delivery counted) instead of waiting the idle time out.
 */
@ExtendWith(RedisExtension.class)
class StreamConsumerIT {
    private static final String GROUP = "group";
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<Running> running = new ArrayList<>();
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private final Logger consumerLog = (Logger) LoggerFactory.getLogger(StreamConsumer.class);
    private JedisPooled jedis;
    private JedisPooled consumerRedis;
    private String stream;
    private String dlq;

    /** A consumer running on its own thread, and what its run left behind. */
    private record Running(StreamConsumer<Batch> consumer, Thread thread, AtomicReference<Throwable> escaped,
                           AtomicBoolean interruptedAtEnd) {
    }

    /** What a test's sink does; put may wait (interruptibly), as a sink waiting out an outage does. */
    private interface Put {
        List<EntryFate> put(Batch batch) throws InterruptedException;
    }

    @BeforeEach
    void keys(RedisService redis, TestInfo test) {
        jedis = redis.client();
        consumerRedis = new JedisPooled(redis.uri(), 5_000);
        String prefix = RedisService.uniquePrefix("sc-" + test.getTestMethod().orElseThrow().getName());
        stream = prefix + "stream";
        dlq = prefix + "dlq";
        log.start();
        consumerLog.addAppender(log);
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        for (Running r : running) {
            r.consumer().stop();
            r.thread().interrupt();
            r.thread().join(5_000);
        }
        consumerLog.detachAppender(log);
        consumerRedis.close();
        jedis.del(stream, dlq);
    }

    /**
     * XAUTOCLAIM hands out at most a batch per call: a pass cut there goes on at once (250 entries of a departed
     * consumer, in passes of 100, all within seconds though the next whole pass is 15 minutes away), and each
     * claimed entry is redelivered. Only after a whole pass does the next wait a quarter of the claim idle time.
     */
    @Test
    void aClaimPassCutAtTheBatchSizeGoesOnAtOnceAndOnlyAWholePassWaitsAQuarterOfTheClaimIdleTime() {
        List<String> left = add(250, "left-");
        assertThat(readAs("departed", 250)).hasSize(250);
        List<String> later = add(20, "later-");
        assertThat(readAs("departed-later", 20)).hasSize(20);
        makeIdle("departed", left);
        Map<String, AtomicInteger> completed = new ConcurrentHashMap<>();
        start(settings("claimer", 100, Duration.ofHours(1), 5, false), batch -> completeAll(batch, completed));

        await("the 250 entries left by the departed consumer are claimed and completed").atMost(Duration.ofSeconds(15))
                .until(() -> completed.size() == 250 && pendingOf("departed") == 0 && pendingOf("claimer") == 0);
        assertThat(completed.keySet()).containsExactlyInAnyOrderElementsOf(left);
        assertThat(completed.values()).allMatch(n -> n.get() == 1);
        assertThat(count("claimed")).isEqualTo(250);
        assertThat(count("group_recreated")).as("the group was there, created at start, never recreated").isZero();

        makeIdle("departed-later", later); // claimable now, but the last pass was a whole one
        await("no claim pass before a quarter of the claim idle time (15 min)").during(Duration.ofSeconds(1))
                .atMost(Duration.ofSeconds(3)).until(() -> count("claimed") == 250 && pendingOf("departed-later") == 20);
        assertThat(messages()).as("every batch was settled in full, nothing trimmed")
                .noneMatch(m -> m.contains("fates for") || m.contains("dead letters were trimmed"));
    }

    /**
     * Claiming redelivers what it claimed and nothing else: an entry of the claimer's own that lies between two
     * claimed ones in XPENDING (its sink gave it no fate; it waits out the claim idle time, an hour here) is not
     * handed over again with them.
     */
    @Test
    void aClaimRedeliversOnlyTheClaimedEntriesNotTheClaimersOwnPendingOnesBetweenThem() {
        List<String> ids = add(3, "e-");
        String before = ids.get(0);
        String own = ids.get(1);
        String after = ids.get(2);
        readAs("departed", 1);
        readAs("keeper", 1);
        readAs("departed", 1);
        makeIdle("departed", List.of(before, after));
        Map<String, AtomicInteger> handed = new ConcurrentHashMap<>();
        start(settings("keeper", 10, Duration.ofHours(1), 5, false), batch -> {
            batch.records().forEach(r -> handed.computeIfAbsent(r.id(), k -> new AtomicInteger()).incrementAndGet());
            return batch.records().stream().filter(r -> !r.id().equals(own))
                    .<EntryFate>map(r -> new EntryFate.Completed(r.id())).toList();
        });

        await("the two claimed entries are completed").atMost(Duration.ofSeconds(10))
                .until(() -> pendingOf("departed") == 0 && count("acknowledged") == 2);
        await("the keeper's own entry, replayed at start, is not handed over again with the claimed ones")
                .during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(3))
                .until(() -> handed.get(own) != null && handed.get(own).get() == 1 && pendingOf("keeper") == 1);
        assertThat(handed.get(before)).hasValue(1);
        assertThat(handed.get(after)).hasValue(1);
        assertThat(count("claimed")).isEqualTo(2);
    }

    /**
     * A consumer started before its stream exists creates the group (and joins it) at start, which is not counted
     * as a recreation; a group destroyed later while a batch is in the sink (a plain NOGROUP on the next call, no
     * blocked read to unblock) is recreated, counted once, and reading goes on.
     */
    @Test
    void aGroupMissingAtStartIsCreatedAndOneDestroyedLaterIsRecreatedAndCounted() {
        AtomicBoolean destroyed = new AtomicBoolean();
        Map<String, AtomicInteger> completed = new ConcurrentHashMap<>();
        start(settings("regrouper", 10, Duration.ofHours(1), 5, false), batch -> {
            if (destroyed.compareAndSet(false, true)) {
                jedis.xgroupDestroy(stream, GROUP);
            }
            return completeAll(batch, completed);
        });
        await("the consumer created the group and joined it").atMost(Duration.ofSeconds(10))
                .until(() -> consumersOfGroup().contains("regrouper"));
        assertThat(count("group_recreated")).as("created at start, not recreated").isZero();

        List<String> first = add(5, "first-");
        await("the first batch is in the sink, which destroys the group").atMost(Duration.ofSeconds(10))
                .until(() -> completed.keySet().containsAll(first));
        await("the consumer recreates the group").atMost(Duration.ofSeconds(10))
                .until(() -> count("group_recreated") == 1);
        List<String> after = add(5, "after-");
        await("entries added after the recreation are completed").atMost(Duration.ofSeconds(10))
                .until(() -> completed.keySet().containsAll(after) && pending() == 0);
        assertThat(count("group_recreated")).isEqualTo(1);
    }

    /**
     * With read-ahead a claim pass can run while the read-ahead thread holds the next batch of new entries: the
     * XPENDING page that finds the claimed entries' delivery counts is sized for those held too, so every entry
     * claimed is redelivered at once, none left behind until the next claim idle time.
     */
    @Test
    void withReadAheadEveryClaimedEntryIsRedeliveredWhileTheNextBatchIsHeld() {
        List<String> fresh = add(200, "fresh-");
        CountDownLatch releaseFirst = new CountDownLatch(1);
        AtomicInteger puts = new AtomicInteger();
        Map<String, AtomicInteger> completed = new ConcurrentHashMap<>();
        start(settings("ahead-claimer", 100, Duration.ofMillis(400), 5, true), batch -> {
            if (puts.incrementAndGet() == 1) {
                assertThat(releaseFirst.await(20, TimeUnit.SECONDS)).isTrue();
            }
            return completeAll(batch, completed);
        });
        await("the first batch is in the sink and the read-ahead thread holds the second")
                .during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(10))
                .until(() -> puts.get() == 1 && pendingOf("ahead-claimer") == 200);
        List<String> left = addReadBy("departed", 100, "left-");
        makeIdle("departed", left);

        releaseFirst.countDown();
        await("the 100 claimed and the 200 new entries are completed").atMost(Duration.ofSeconds(15))
                .until(() -> completed.keySet().containsAll(left) && completed.keySet().containsAll(fresh)
                        && pending() == 0);
        assertThat(completed.values()).allMatch(n -> n.get() == 1);
        assertThat(count("claimed")).isEqualTo(100);
    }

    /** After a whole pass the next comes a quarter of the claim idle time later: 500 ms of 2 s, not more. */
    @Test
    void theClaimPassAfterAWholePassComesAQuarterOfTheClaimIdleTimeLater() {
        List<String> first = add(1, "first-");
        readAs("departed", 1);
        makeIdle("departed", first);
        Map<String, AtomicInteger> completed = new ConcurrentHashMap<>();
        start(settings("paced", 100, Duration.ofSeconds(2), 5, false), batch -> completeAll(batch, completed));
        await("the first whole pass claims the one idle entry").atMost(Duration.ofSeconds(10))
                .until(() -> count("claimed") == 1 && completed.size() == 1);

        List<String> next = addReadBy("departed", 30, "next-");
        makeIdle("departed", next);
        await("the next pass, 500 ms after the whole one, claims the 30 made idle since")
                .atMost(Duration.ofSeconds(4)).until(() -> count("claimed") == 31 && completed.size() == 31);
        assertThat(completed.keySet()).containsAll(next);
    }

    /**
     * While a batch is in the sink (longer than the claim idle time) the heartbeat keeps re-claiming it: Redis
     * confirms it held for this consumer again and again ({@link Batch#heldWithin}), and the other consumer of the
     * group, which claims whatever is idle longer than 900 ms, never takes it. The same for a batch of redelivered
     * entries.
     */
    @Test
    void theHeartbeatKeepsABatchInTheSinkClaimedAndConfirmsItHeldForNewAndRedeliveredEntries() {
        Map<String, AtomicInteger> delivered = new ConcurrentHashMap<>();
        List<String> failures = new CopyOnWriteArrayList<>();
        Put put = batch -> {
            batch.records().forEach(r -> delivered.computeIfAbsent(r.id(), k -> new AtomicInteger()).incrementAndGet());
            Set<String> ids = batch.records().stream().map(StreamRecord::id).collect(Collectors.toSet());
            try {
                await("the heartbeat confirms the batch held within 800 ms, for 2 s (longer than the claim idle time)")
                        .during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(6))
                        .until(() -> batch.heldWithin(Duration.ofMillis(800)).filter(ids::equals).isPresent());
            } catch (RuntimeException e) {
                failures.add(e.toString());
            }
            return completeAll(batch, new ConcurrentHashMap<>());
        };
        List<String> left = add(20, "left-");
        readAs("departed", 20);
        makeIdle("departed", left);
        ConsumerSettings settings = settings("holder", 50, Duration.ofMillis(900), 5, false);
        start(settings, put);
        start(settings.withConsumer("other"), put);
        List<String> fresh = add(20, "fresh-");

        await("the 20 new entries and the 20 claimed from a departed consumer are settled")
                .atMost(Duration.ofSeconds(15))
                .until(() -> delivered.keySet().containsAll(fresh) && delivered.keySet().containsAll(left)
                        && pending() == 0);

        assertThat(failures).isEmpty();
        assertThat(delivered).hasSize(40);
        assertThat(delivered.values()).as("nobody claimed an entry while its batch was in the sink")
                .allMatch(n -> n.get() == 1);
        assertThat(count("claimed")).isEqualTo(20);
    }

    /**
     * A stop while the read-ahead thread still prepares the next batch: the consumer finishes the batch in the
     * sink, waits (poll after poll) for the one being prepared, delivers and settles it, and only then returns.
     */
    @Test
    void whatTheReadAheadThreadHoldsAtAStopIsStillDeliveredAndSettled() throws InterruptedException {
        CountDownLatch releasePut = new CountDownLatch(1);
        CountDownLatch releasePrepare = new CountDownLatch(1);
        CountDownLatch preparingSecond = new CountDownLatch(1);
        AtomicInteger prepares = new AtomicInteger();
        AtomicInteger puts = new AtomicInteger();
        Map<String, AtomicInteger> completed = new ConcurrentHashMap<>();
        Running ahead = start(settings("ahead", 10, Duration.ofHours(1), 5, true), new StreamSink<>() {
            @Override
            public Batch prepare(Batch batch) {
                if (prepares.incrementAndGet() == 2) {
                    preparingSecond.countDown();
                    awaitUninterruptibly(releasePrepare);
                }
                return batch;
            }

            @Override
            public List<EntryFate> put(Batch batch) throws InterruptedException {
                if (puts.incrementAndGet() == 1) {
                    assertThat(releasePut.await(20, TimeUnit.SECONDS)).isTrue();
                }
                return completeAll(batch, completed);
            }
        });
        List<String> firstBatch = add(10, "first-");
        await("the first batch is in the sink").atMost(Duration.ofSeconds(10)).until(() -> puts.get() == 1);
        assertThat(thread("read-ahead-ahead").orElseThrow().isDaemon()).as("read-ahead thread is a daemon").isTrue();
        assertThat(thread("heartbeat-ahead").orElseThrow().isDaemon()).as("heartbeat thread is a daemon").isTrue();
        List<String> secondBatch = add(10, "second-");
        assertThat(preparingSecond.await(10, TimeUnit.SECONDS)).as("the second batch is being prepared").isTrue();

        ahead.consumer().stop();
        releasePut.countDown();
        await("the stopped consumer keeps waiting for the read-ahead thread, past its 100 ms polls")
                .during(Duration.ofMillis(400)).atMost(Duration.ofSeconds(5))
                .until(() -> completed.keySet().containsAll(firstBatch) && ahead.thread().isAlive()
                        && Arrays.stream(ahead.thread().getStackTrace())
                        .anyMatch(f -> f.getMethodName().equals("finishReadAhead")));
        releasePrepare.countDown();

        await("the consumer returns from run").atMost(Duration.ofSeconds(10)).until(() -> !ahead.thread().isAlive());
        assertThat(ahead.escaped().get()).isNull();
        assertThat(completed.keySet()).containsExactlyInAnyOrderElementsOf(
                java.util.stream.Stream.concat(firstBatch.stream(), secondBatch.stream()).toList());
        assertThat(completed.values()).allMatch(n -> n.get() == 1);
        assertThat(pending()).as("both batches settled before run returned").isZero();
    }

    /**
     * An interrupt while a batch is in the sink and the read-ahead thread holds the next: both stay pending
     * (nothing acknowledged), run returns with the interrupt kept, and the read-ahead thread ends too.
     */
    @Test
    void anInterruptAbandonsWhatTheConsumerHoldsAndEndsItsReadAheadThread() {
        CountDownLatch neverReleased = new CountDownLatch(1);
        AtomicInteger puts = new AtomicInteger();
        Running interrupted = start(settings("interrupted", 10, Duration.ofHours(1), 5, true), batch -> {
            puts.incrementAndGet();
            neverReleased.await(30, TimeUnit.SECONDS);
            return completeAll(batch, new ConcurrentHashMap<>());
        });
        add(10, "first-");
        await("the first batch is in the sink").atMost(Duration.ofSeconds(10)).until(() -> puts.get() == 1);
        add(10, "second-");
        await("the read-ahead thread has read the second batch").atMost(Duration.ofSeconds(10))
                .until(() -> pendingOf("interrupted") == 20);
        Thread reader = thread("read-ahead-interrupted").orElseThrow();

        interrupted.thread().interrupt();
        await("the interrupted consumer returns from run").atMost(Duration.ofSeconds(10))
                .until(() -> !interrupted.thread().isAlive());
        await("its read-ahead thread ends too").atMost(Duration.ofSeconds(10)).until(() -> !reader.isAlive());
        assertThat(interrupted.escaped().get()).isNull();
        assertThat(interrupted.interruptedAtEnd()).as("run keeps the interrupt for its caller").isTrue();
        assertThat(pendingOf("interrupted")).as("abandoned unacknowledged").isEqualTo(20);
        assertThat(count("acknowledged")).isZero();
        assertThat(puts).hasValue(1);
    }

    /**
     * With the dead-letter stream bounded at 1 (approximately: whole nodes go), what the bound trims is counted on
     * both paths: entries exhausted before (dead-lettered inside Redis on replay) and entries the sink
     * dead-letters. Every letter written is kept or counted as trimmed.
     */
    @Test
    void deadLettersTrimmedAtTheBoundAreCountedForExhaustedEntriesAndForTheSinksDeadLetters() {
        List<String> exhausted = add(300, "exhausted-");
        assertThat(readAs("dl", 300)).hasSize(300);
        jedis.xclaimJustId(stream, GROUP, "dl", 0, XClaimParams.xClaimParams().retryCount(2),
                exhausted.stream().map(StreamEntryID::new).toArray(StreamEntryID[]::new));
        AtomicInteger handed = new AtomicInteger();
        start(new ConsumerSettings("test-worker", Stage.BULK_INDEX, stream, GROUP, dlq, "dl", 300,
                Duration.ofMillis(100), Duration.ofHours(1), 2, 1, false), batch -> {
            handed.addAndGet(batch.size());
            return batch.records().stream().<EntryFate>map(r -> new EntryFate.DeadLettered(r.id(),
                    DeadLetter.ofEntry(stream, r.id(), r.fields(), Stage.VALIDATE, DeadLetterReason.INVALID_EVENT,
                            "bad", (int) r.deliveries(), "test-worker"))).toList();
        });

        await("the 300 exhausted entries are dead-lettered on replay").atMost(Duration.ofSeconds(15))
                .until(() -> count("max_deliveries_exceeded") == 300 && pending() == 0);
        long keptAfterReplay = jedis.xlen(dlq);
        assertThat(count("dead_letters_trimmed")).as("written = kept + trimmed").isEqualTo(300 - keptAfterReplay)
                .isPositive();
        assertThat(messages()).anyMatch(m -> m.contains("300 entries of " + stream + " delivered 2 times"));
        assertThat(messages()).anyMatch(m -> m.contains("dead letters were trimmed"));

        add(300, "bad-");
        await("the sink's 300 dead letters are settled").atMost(Duration.ofSeconds(15))
                .until(() -> count("acknowledged") == 600 && pending() == 0
                        && deadLettered("invalid_event", "validate") == 300);
        assertThat(count("dead_letters_trimmed")).isEqualTo(600 - jedis.xlen(dlq));
        assertThat(handed).as("exhausted entries never reach the sink").hasValue(300);
        assertThat(deadLettered("invalid_event", "validate")).isEqualTo(300);
        assertThat(deadLettered("max_deliveries_exceeded", "bulk_index")).isEqualTo(300);
    }

    /** A sink that gives fewer fates than entries: the others stay pending, and the log says so. */
    @Test
    void entriesTheSinkGivesNoFateStayPendingAndTheLogSaysHowMany() {
        String kept = add(3, "e-").get(2);
        Map<String, Map<String, String>> fields = new ConcurrentHashMap<>();
        start(settings("partial", 10, Duration.ofHours(1), 5, false), batch -> {
            batch.records().forEach(r -> fields.put(r.id(), r.fields()));
            return batch.records().stream().filter(r -> !r.id().equals(kept))
                    .<EntryFate>map(r -> new EntryFate.Completed(r.id())).toList();
        });

        await("the two with a fate are acknowledged").atMost(Duration.ofSeconds(10))
                .until(() -> count("acknowledged") == 2);
        assertThat(pendingOf("partial")).isEqualTo(1);
        assertThat(jedis.xpending(stream, GROUP,
                XPendingParams.xPendingParams(StreamEntryID.MINIMUM_ID, StreamEntryID.MAXIMUM_ID, 10)).get(0).getID())
                .hasToString(kept);
        assertThat(messages()).anyMatch(m -> m.contains("the sink gave 2 fates for 3 entries"));
        assertThat(fields.get(kept)).as("the sink gets each entry's fields as read").isEqualTo(Map.of("n", "e-3"));
    }

    /**
     * A batch whose prepare fails is handled like one whose put fails: handed over one entry at a time, so the
     * bad entry alone stays behind and is dead-lettered at the delivery limit.
     */
    @Test
    void aBatchWhosePrepareFailsIsIsolatedAndOnlyItsBadEntryIsDeadLettered() {
        List<String> good = add(5, "e-");
        String bad = good.remove(2);
        Map<String, AtomicInteger> completed = new ConcurrentHashMap<>();
        start(settings("preparer", 10, Duration.ofMillis(200), 2, false), new StreamSink<>() {
            @Override
            public Batch prepare(Batch batch) {
                if (batch.records().stream().anyMatch(r -> r.id().equals(bad))) {
                    throw new IllegalArgumentException("cannot decode entry " + bad);
                }
                return batch;
            }

            @Override
            public List<EntryFate> put(Batch batch) {
                return completeAll(batch, completed);
            }
        });

        await("the bad entry is dead-lettered and the good ones completed").atMost(Duration.ofSeconds(15))
                .until(() -> jedis.xlen(dlq) == 1 && pending() == 0 && completed.size() == 4);
        assertThat(completed.keySet()).containsExactlyInAnyOrderElementsOf(good);
        assertThat(completed.values()).allMatch(n -> n.get() == 1);
        assertThat(DeadLetterCodec.fromEntry(jedis.xrange(dlq, "-", "+").get(0).getFields()).entryId()).contains(bad);
        assertThat(count("isolated")).isEqualTo(5);
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private ConsumerSettings settings(String consumer, int batchSize, Duration claimIdle, int maxDeliveries,
                                      boolean readAhead) {
        return new ConsumerSettings("test-worker", Stage.BULK_INDEX, stream, GROUP, dlq, consumer, batchSize,
                Duration.ofMillis(100), claimIdle, maxDeliveries, 1_000, readAhead);
    }

    private Running start(ConsumerSettings settings, Put put) {
        return start(settings, new StreamSink<>() {
            @Override
            public Batch prepare(Batch batch) {
                return batch;
            }

            @Override
            public List<EntryFate> put(Batch batch) throws InterruptedException {
                return put.put(batch);
            }
        });
    }

    private Running start(ConsumerSettings settings, StreamSink<Batch> sink) {
        StreamConsumer<Batch> consumer = new StreamConsumer<>(consumerRedis, settings, sink,
                new StreamMetrics(registry, "test-worker", stream, GROUP));
        AtomicReference<Throwable> escaped = new AtomicReference<>();
        AtomicBoolean interruptedAtEnd = new AtomicBoolean();
        Thread thread = new Thread(() -> {
            try {
                consumer.run();
            } catch (Throwable e) {
                escaped.set(e);
            }
            interruptedAtEnd.set(Thread.currentThread().isInterrupted());
        }, "consumer-" + settings.consumer());
        Running r = new Running(consumer, thread, escaped, interruptedAtEnd);
        running.add(r);
        thread.start();
        return r;
    }

    private static List<EntryFate> completeAll(Batch batch, Map<String, AtomicInteger> completed) {
        batch.records().forEach(r -> completed.computeIfAbsent(r.id(), k -> new AtomicInteger()).incrementAndGet());
        return batch.records().stream().<EntryFate>map(r -> new EntryFate.Completed(r.id())).toList();
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        try {
            assertThat(latch.await(20, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the test held prepare", e);
        }
    }

    /** In one script, so that a consumer blocked on the stream is handed all of them in one read. */
    private List<String> add(int count, String prefix) {
        Object ids = jedis.eval("local ids = {} for i = 1, tonumber(ARGV[1]) do"
                + " ids[i] = redis.call('XADD', KEYS[1], '*', 'n', ARGV[2] .. i) end return ids",
                List.of(stream), List.of(Integer.toString(count), prefix));
        List<String> added = new ArrayList<>();
        ((List<?>) ids).forEach(id -> added.add(id.toString()));
        return added;
    }

    private List<StreamEntry> readAs(String consumer, int count) {
        return GroupReads.readAs(jedis, stream, GROUP, consumer, count);
    }

    /** Added and read by {@code owner} in one script: a running consumer cannot read them first. */
    private List<String> addReadBy(String owner, int count, String prefix) {
        Object ids = jedis.eval("local ids = {} for i = 1, tonumber(ARGV[1]) do"
                + " ids[i] = redis.call('XADD', KEYS[1], '*', 'n', ARGV[2] .. i) end"
                + " redis.call('XREADGROUP', 'GROUP', ARGV[3], ARGV[4], 'COUNT', ARGV[1], 'STREAMS', KEYS[1], '>')"
                + " return ids", List.of(stream), List.of(Integer.toString(count), prefix, GROUP, owner));
        List<String> added = new ArrayList<>();
        ((List<?>) ids).forEach(id -> added.add(id.toString()));
        assertThat(pendingOf(owner)).isGreaterThanOrEqualTo(count);
        return added;
    }

    /** As if {@code owner} had held them for two hours (XCLAIM JUSTID IDLE: no delivery counted). */
    private void makeIdle(String owner, List<String> ids) {
        jedis.xclaimJustId(stream, GROUP, owner, 0, XClaimParams.xClaimParams().idle(7_200_000),
                ids.stream().map(StreamEntryID::new).toArray(StreamEntryID[]::new));
    }

    private List<String> consumersOfGroup() {
        try {
            return jedis.xinfoConsumers(stream, GROUP).stream().map(c -> c.getName()).toList();
        } catch (RuntimeException noStreamYet) {
            return List.of();
        }
    }

    private long pending() {
        return jedis.xpending(stream, GROUP).getTotal();
    }

    private long pendingOf(String consumer) {
        Long n = jedis.xpending(stream, GROUP).getConsumerMessageCount().get(consumer);
        return n == null ? 0 : n;
    }

    /** 0 until the first such dead letter registers the counter (the settle loop counts after acknowledging). */
    private double deadLettered(String reason, String stage) {
        var counter = registry.find("killkrill.test_worker.stream.dead_lettered").tag("reason", reason)
                .tag("stage", stage).counter();
        return counter == null ? 0 : counter.count();
    }

    private double count(String counter) {
        return registry.get("killkrill.test_worker.stream." + counter).counter().count();
    }

    private List<String> messages() {
        return log.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    private static Optional<Thread> thread(String name) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(name) && t.isAlive())
                .findFirst();
    }
}
