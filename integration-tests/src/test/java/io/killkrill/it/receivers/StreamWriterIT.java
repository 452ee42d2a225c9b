package io.killkrill.it.receivers;

import io.killkrill.it.support.FaultProxy;
import io.killkrill.it.support.OwnRedis;
import io.killkrill.receivers.ReceiverMetrics;
import io.killkrill.receivers.Receivers;
import io.killkrill.receivers.enqueue.IdempotencyStore;
import io.killkrill.receivers.enqueue.RedisUnavailableException;
import io.killkrill.receivers.enqueue.StreamWriter;
import io.killkrill.receivers.enqueue.StreamWriter.Delivery;
import io.killkrill.receivers.enqueue.StreamWriter.Entry;
import io.killkrill.receivers.enqueue.StreamWriter.Outcome;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.params.XReadParams;
import redis.clients.jedis.resps.StreamEntry;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The receivers' one writer against a Redis of the test's own: every write (one HTTP request, one syslog read)
 * is stored whole or not at all, and its caller is told exactly what happened, through refusals (maxmemory), lost
 * replies and a SIGKILLed Redis (issue 13, items 1, 2 and 5).
 *
 * <p>Each entry carries its write's number {@code w} and its own number {@code i}; {@link #entriesPerWrite} reads
 * the whole stream back and counts entries per write, so a partial write (some but not all of its entries), a
 * duplicated one (more than its entries) or a lost one shows as a wrong count for that write.
 */
class StreamWriterIT {
    private static final String STREAM = "writer-it-logs";
    private static final String DLQ = "writer-it-dlq";

    private OwnRedis redis;
    private StreamWriter writer;
    private FaultProxy proxy;
    private final ReceiverMetrics metrics = new ReceiverMetrics();

    @BeforeEach
    void startRedis() throws Exception {
        redis = new OwnRedis(true);
    }

    @AfterEach
    void stop() throws Exception {
        if (writer != null) {
            writer.close();
        }
        if (proxy != null) {
            proxy.close();
        }
        redis.close();
    }

    private StreamWriter writerTo(URI uri) {
        writer = new StreamWriter(uri, "writer-it", metrics);
        return writer;
    }

    private static List<Entry> write(int w, int entries) {
        return write(w, entries, 64);
    }

    /** Write {@code w}: {@code entries} entries of {@code pad} bytes and more, one in ten a dead letter. */
    private static List<Entry> write(int w, int entries, int pad) {
        return IntStream.range(0, entries).mapToObj(i -> new Entry(i % 10 == 9 ? DLQ : STREAM,
                Map.of("w", Integer.toString(w), "i", Integer.toString(i), "pad", "x".repeat(pad)))).toList();
    }

    /** Entries per write number over both streams. */
    private Map<Integer, Integer> entriesPerWrite() {
        Map<Integer, Integer> counts = new HashMap<>();
        for (String stream : List.of(STREAM, DLQ)) {
            StreamEntryID from = new StreamEntryID();
            while (true) {
                var read = redis.client.xread(XReadParams.xReadParams().count(5000), Map.of(stream, from));
                if (read == null || read.isEmpty() || read.get(0).getValue().isEmpty()) {
                    break;
                }
                for (StreamEntry e : read.get(0).getValue()) {
                    counts.merge(Integer.parseInt(e.getFields().get("w")), 1, Integer::sum);
                    from = e.getID();
                }
            }
        }
        return counts;
    }

    /** Entries the writer found stored when it resolved a round trip in doubt. */
    private double resolvedStored() {
        var counter = metrics.registry().find("killkrill.receivers.in_doubt.resolved").tag("outcome", "stored")
                .counter();
        return counter == null ? 0 : counter.count();
    }

    /** How a write failed once answered (within 30 s; a write never answered fails the test); null when stored. */
    private static Throwable causeOf(CompletableFuture<?> done) {
        try {
            done.get(30, TimeUnit.SECONDS);
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (TimeoutException e) {
            throw new AssertionError("the write was not answered within 30 s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /**
     * Redis at maxmemory refuses a request before running any of it: the fail-fast write fails with a
     * RedisUnavailableException naming OOM and stores none of its 1,000 entries; the writer reports the refusal
     * (so the transports pause); a syslog write waiting meanwhile is kept and stored whole, once, when the limit is
     * lifted, and the writer takes writes again.
     */
    @Test
    void aWriteRefusedAtMaxmemoryStoresNothingAndSyslogWaitsUntilRedisTakesWritesAgain() {
        writerTo(redis.uri());
        redis.client.configSet("maxmemory", "1");

        Throwable refused = causeOf(writer.write(write(1, 1000), Delivery.FAIL_FAST));
        assertThat(refused).isInstanceOf(RedisUnavailableException.class).hasMessageContaining("OOM");
        assertThat(writer.refusal()).as("the writer reports the refusal").hasValueSatisfying(r ->
                assertThat(r).startsWith("OOM"));
        assertThat(writer.acceptingMore()).as("the transports that can pause are told to").isFalse();
        assertThat(Receivers.readiness(writer).reason()).as("the receivers are not ready while Redis refuses writes")
                .hasValueSatisfying(r -> assertThat(r).startsWith("Redis refuses writes (OOM"));

        CompletableFuture<Void> syslog = writer.write(write(2, 500), Delivery.UNTIL_STORED);
        await("the writer re-sent the refused syslog write at least once").atMost(Duration.ofSeconds(5))
                .until(() -> metrics.registry().get("killkrill.receivers.xadd.batch").timer().count() >= 3);
        assertThat(syslog).as("kept while Redis refuses").isNotDone();
        assertThat(entriesPerWrite()).as("nothing of either write is stored").isEmpty();

        redis.client.configSet("maxmemory", "0");
        await("the kept syslog write is stored").atMost(Duration.ofSeconds(10)).until(syslog::isDone);
        assertThat(syslog).isCompleted();
        assertThat(entriesPerWrite()).isEqualTo(Map.of(2, 500));
        assertThat(writer.queued()).as("every answered write left the queue").isZero();
        assertThat(metrics.registry().get("killkrill.receivers.xadd.entries").counter().count())
                .as("every round trip counts what it sent: the refused request, the refused syslog write twice and "
                        + "the retry that stored it").isGreaterThanOrEqualTo(1000 + 3 * 500);
        await("the writer takes writes again").atMost(Duration.ofSeconds(5)).until(writer::acceptingMore);
        assertThat(writer.refusal()).isEmpty();
        assertThat(Receivers.readiness(writer).isUp()).as("ready again").isTrue();
    }

    /**
     * Redis crosses maxmemory part-way through 40 requests of 50 entries of 1 KiB, with 1 MiB of room: each
     * request is either stored whole (its future succeeds) or not at all (it fails with Redis's OOM refusal);
     * none is partly stored, and at least one of each kind shows the limit was crossed in between. Each entry
     * takes Redis about a kibibyte more, so the limit falls inside a request (not between two) 49 times in 50:
     * a writer whose XADDs are not all-or-nothing per request (row af of docs/testing.md) stores part of that
     * request and answers it refused.
     */
    @Test
    void requestsCutOffByMaxmemoryPartWayAreEachAllOrNothing() {
        writerTo(redis.uri());
        long used;
        try (Jedis jedis = new Jedis(redis.uri())) {
            used = Long.parseLong(jedis.info("memory").lines().filter(l -> l.startsWith("used_memory:"))
                    .findFirst().orElseThrow().substring("used_memory:".length()).trim());
        }
        redis.client.configSet("maxmemory", Long.toString(used + 1024 * 1024));
        redis.client.configSet("maxmemory-policy", "noeviction");

        Map<Integer, CompletableFuture<Void>> requests = new LinkedHashMap<>();
        for (int w = 0; w < 40; w++) {
            requests.put(w, writer.write(write(w, 50, 1024), Delivery.FAIL_FAST));
        }
        await("each of the 40 requests is answered").atMost(Duration.ofSeconds(60))
                .until(() -> requests.values().stream().allMatch(CompletableFuture::isDone));

        Map<Integer, Integer> stored = entriesPerWrite();
        int succeeded = 0;
        for (var request : requests.entrySet()) {
            Throwable failure = causeOf(request.getValue());
            if (failure == null) {
                succeeded++;
                assertThat(stored.get(request.getKey())).as("request %d answered stored", request.getKey())
                        .isEqualTo(50);
            } else {
                assertThat(failure).isInstanceOf(RedisUnavailableException.class).hasMessageContaining("OOM");
                assertThat(stored).as("request %d answered refused", request.getKey())
                        .doesNotContainKey(request.getKey());
            }
        }
        assertThat(succeeded).as("some requests fit under the limit, later ones did not").isBetween(1, 39);
        assertThat(writer.queued()).as("every answered write left the queue").isZero();
    }

    /**
     * The connection is cut after Redis ran a round trip and before its reply arrives (the fault proxy passes the
     * write on and closes the connection when Redis answers). The writer cannot know what was stored, so it answers
     * nobody until Redis answers again (small commands pass the proxy), then reads the round trip's marker: the
     * fail-fast request (HTTP) is reported stored, the syslog write is not sent again, and each is there once.
     * Reporting the request failed (its client would retry and duplicate it) or re-sending the syslog write would
     * both fail this test.
     */
    @Test
    void writesWhoseRepliesWereLostAreResolvedFromTheMarkerWithoutDuplicates() throws Exception {
        proxy = new FaultProxy(redis.uri());
        writerTo(URI.create("redis://127.0.0.1:" + proxy.uri().getPort()));
        int w = 0;
        for (Delivery delivery : List.of(Delivery.FAIL_FAST, Delivery.UNTIL_STORED)) {
            int number = w++;
            proxy.mode(FaultProxy.Mode.CUT_REPLIES);
            CompletableFuture<Void> done = writer.write(write(number, 100), delivery);
            await("the write whose reply was lost is resolved from its marker (" + delivery + ")")
                    .atMost(Duration.ofSeconds(10)).until(() -> resolvedStored() == 100.0 * (number + 1));
            proxy.mode(FaultProxy.Mode.FORWARD);
            assertThat(causeOf(done)).as("told stored (%s)", delivery).isNull();
        }

        assertThat(entriesPerWrite()).isEqualTo(Map.of(0, 100, 1, 100));
        assertThat(redis.client.keys("writer-it:writes:*")).as("the markers are deleted once read").isEmpty();
        assertThat(writer.queued()).as("every answered write left the queue").isZero();
    }

    /**
     * Redis is SIGKILLed (appendonly: it restarts with what it had written) while 300 requests of 100 entries
     * stream through, half fail-fast (HTTP), half until-stored (syslog). Afterwards: every fail-fast request that
     * succeeded is stored exactly once and every one that failed is absent; every syslog write is stored exactly
     * once. No write is partly stored.
     */
    @Test
    void aRedisKilledMidStreamLeavesEveryWriteWholeOrAbsentAsItsCallerWasTold() throws Exception {
        writerTo(redis.uri());
        Map<Integer, CompletableFuture<Void>> requests = new LinkedHashMap<>();
        for (int w = 0; w < 300; w++) {
            CompletableFuture<Void> done = writer.write(write(w, 100),
                    w % 2 == 0 ? Delivery.FAIL_FAST : Delivery.UNTIL_STORED);
            requests.put(w, done);
            if (w == 150) {
                redis.kill();
                redis.start();
            }
            if (w % 2 == 0) {
                // a client waits for its answer before it sends the next request
                await("fail-fast write " + w + " is answered").atMost(Duration.ofSeconds(30)).until(done::isDone);
            }
        }
        CompletableFuture.allOf(requests.values().stream().map(f -> f.exceptionally(e -> null))
                .toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);

        Map<Integer, Integer> stored = entriesPerWrite();
        int failed = 0;
        for (var request : requests.entrySet()) {
            Throwable failure = causeOf(request.getValue());
            if (failure == null) {
                assertThat(stored.get(request.getKey())).as("write %d, told stored", request.getKey()).isEqualTo(100);
            } else {
                failed++;
                assertThat(request.getKey() % 2).as("only fail-fast writes fail").isZero();
                assertThat(failure).isInstanceOf(RedisUnavailableException.class);
                assertThat(stored).as("write %d, told not stored", request.getKey()).doesNotContainKey(request.getKey());
            }
        }
        assertThat(writer.queued()).as("every answered write left the queue").isZero();
        System.out.printf("SIGKILL mid-stream: %d of 150 fail-fast writes refused, in-doubt resolution: %s%n", failed,
                metrics.scrape().lines().filter(l -> l.startsWith("killkrill_receivers_in_doubt")).toList());
    }

    /**
     * A syslog write whose dead-letter stream key holds a string: its 90 log entries are stored, its 10 dead
     * letters fail (WRONGTYPE) and are kept, and only they are sent again, so once the key is fixed the write is
     * there whole and nothing twice; a fail-fast write to the broken key fails and stores nothing.
     */
    @Test
    void entriesAStreamKeyOfAnotherTypeRefusedAreRetriedAloneAndNothingIsStoredTwice() {
        writerTo(redis.uri());
        redis.client.set(DLQ, "not a stream");

        CompletableFuture<Void> syslog = writer.write(write(1, 100), Delivery.UNTIL_STORED);
        await("the write's log entries are stored").atMost(Duration.ofSeconds(5))
                .until(() -> redis.client.xlen(STREAM) == 90);
        await("the writer reports the refusal").atMost(Duration.ofSeconds(5)).until(() -> writer.refusal().isPresent());
        assertThat(syslog).as("its dead letters are kept").isNotDone();
        Throwable refused = causeOf(writer.write(List.of(new Entry(DLQ, Map.of("w", "2", "i", "0"))),
                Delivery.FAIL_FAST));
        assertThat(refused).as("fail-fast while Redis refuses").isInstanceOf(RedisUnavailableException.class);

        redis.client.del(DLQ);
        await("the dead letters are stored once the key is fixed").atMost(Duration.ofSeconds(10)).until(syslog::isDone);
        assertThat(syslog).isCompleted();
        assertThat(entriesPerWrite()).isEqualTo(Map.of(1, 100));
        assertThat(redis.client.xlen(STREAM)).as("no log entry was stored twice").isEqualTo(90);
        assertThat(writer.queued()).as("every answered write left the queue, the partly stored one too").isZero();
    }

    /**
     * Idempotency-Keys: a claim, then the write storing entries and answer in one step; a repeat finds the answer
     * and stores nothing; a write under a key another request holds stores nothing; a released claim frees the key.
     */
    @Test
    void anIdempotencyKeyStoresItsAnswerWithTheEntriesAndARepeatStoresNothing() throws Exception {
        writerTo(redis.uri());
        try (IdempotencyStore store = new IdempotencyStore(writer, "writer-it", Duration.ofHours(24))) {
            String key = store.keyFor("tenant-key-0123456789", "logs", "request-1");
            var claim = (IdempotencyStore.Claim.Claimed) store.claim(key).get();
            assertThat(store.claim(key).get()).as("a repeat while the first is in flight")
                    .isInstanceOf(IdempotencyStore.Claim.InFlight.class);

            Outcome first = writer.write(write(1, 50), Delivery.FAIL_FAST,
                    Optional.of(claim.idempotency(202, "{\"accepted\":50}", store.ttl()))).get(30, TimeUnit.SECONDS);
            assertThat(first).isInstanceOf(Outcome.Stored.class);
            assertThat(store.claim(key).get()).isEqualTo(new IdempotencyStore.Claim.Answered(202, "{\"accepted\":50}"));
            assertThat(redis.client.pttl(key)).as("kept for the TTL").isGreaterThan(Duration.ofHours(23).toMillis());

            Outcome again = writer.write(write(2, 50), Delivery.FAIL_FAST,
                    Optional.of(claim.idempotency(202, "{\"accepted\":50}", store.ttl()))).get(30, TimeUnit.SECONDS);
            assertThat(again).isInstanceOfSatisfying(Outcome.Replayed.class, r ->
                    assertThat(IdempotencyStore.parse(r.storedAnswer())).contains(
                            new IdempotencyStore.Claim.Answered(202, "{\"accepted\":50}")));

            String other = store.keyFor("tenant-key-0123456789", "logs", "request-2");
            var held = (IdempotencyStore.Claim.Claimed) store.claim(other).get();
            var stolen = new IdempotencyStore.Claim.Claimed(other, "another-token", held.shard());
            assertThat(writer.write(write(3, 50), Delivery.FAIL_FAST,
                    Optional.of(stolen.idempotency(202, "{}", store.ttl()))).get(30, TimeUnit.SECONDS))
                    .isInstanceOf(Outcome.KeyInFlight.class);
            store.release(held);
            await("the released key is free").atMost(Duration.ofSeconds(5))
                    .until(() -> store.claim(other).get() instanceof IdempotencyStore.Claim.Claimed);

            assertThat(store.keyFor("another-tenant-key-0123", "logs", "request-1")).as("scoped per API key")
                    .isNotEqualTo(key);
            assertThat(store.keyFor("tenant-key-0123456789", "metrics", "request-1")).as("and per route")
                    .isNotEqualTo(key);
            assertThat(key).doesNotContain("tenant-key");
        }
        assertThat(entriesPerWrite()).as("only the first write stored anything").isEqualTo(Map.of(1, 50));
        assertThat(writer.queued()).as("stored, replayed and in-flight answers each left the queue").isZero();
    }
}
