package io.killkrill.it.receivers;

import io.killkrill.it.support.OwnRedis;
import io.killkrill.model.AuditSlot;
import io.killkrill.model.StreamEntry;
import io.killkrill.receivers.ReceiverMetrics;
import io.killkrill.receivers.enqueue.BacklogMonitor;
import io.killkrill.receivers.enqueue.FlowGate;
import io.killkrill.receivers.enqueue.IdempotencyStore;
import io.killkrill.receivers.enqueue.RedisUnavailableException;
import io.killkrill.receivers.enqueue.StreamWriter;
import io.killkrill.receivers.enqueue.StreamWriter.Delivery;
import io.killkrill.receivers.enqueue.StreamWriter.Entry;
import io.killkrill.receivers.enqueue.StreamWriter.Outcome;
import io.killkrill.receivers.enqueue.WriteInDoubtException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.args.ClientPauseMode;
import redis.clients.jedis.exceptions.JedisDataException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What the receivers' writer tells the transports, and what it leaves behind, against a Redis of the test's own:
 * the flow gate closes and opens with the writer's queue (high and low watermark), Redis's reachability, its
 * refusals and the backlog, and a transport paused by it is always told when it may read again; the queue counts
 * exactly what is not yet answered; every round trip is metered; audit counts are written with the entries on both
 * write paths; shutting down sends what is queued, counts what it cannot, and leaves no marker or connection.
 *
 * <p>The notifications are checked as a paused syslog reader sees them: each records whether the gate is
 * {@link FlowGate#readable() readable} at that moment, and the last one must say what the gate now is. A writer
 * that forgets to notify leaves a reader paused for ever.
 */
class StreamWriterFlowIT {
    private static final String LOGS = "flow-it-logs";
    private static final String METRICS = "flow-it-metrics";

    private OwnRedis redis;
    private StreamWriter writer;
    private BacklogMonitor backlog;
    private FlowGate gate;
    private final ReceiverMetrics metrics = new ReceiverMetrics();
    /** {@link FlowGate#readable()} as each notification found it. */
    private final List<Boolean> notified = new CopyOnWriteArrayList<>();
    /** The writer's queue as each notification found it. */
    private final List<Integer> queuedWhenNotified = new CopyOnWriteArrayList<>();

    @BeforeEach
    void startRedis() throws Exception {
        redis = new OwnRedis(true);
    }

    @AfterEach
    void stop() throws Exception {
        if (backlog != null) {
            backlog.close();
        }
        if (writer != null) {
            writer.close();
        }
        redis.close();
    }

    /** The writer, its backlog monitor (limit {@code maxBacklog} entries) and the gate, as the receivers wire them. */
    private void start(long maxBacklog) {
        writer = new StreamWriter(redis.uri(), "flow-it", metrics);
        backlog = new BacklogMonitor(writer, LOGS, METRICS, maxBacklog, metrics);
        gate = new FlowGate(writer, backlog, LOGS, metrics);
        gate.onChange(() -> {
            queuedWhenNotified.add(writer.queued());
            notified.add(gate.readable());
        });
    }

    /** As {@link #start}, without the backlog monitor, whose probe would notice a Redis gone before the writer does. */
    private void startWithoutHealthProbe() {
        start(1_000_000);
        backlog.close();
        backlog = null;
    }

    private static List<Entry> entries(int n) {
        return IntStream.range(0, n).mapToObj(i -> new Entry(LOGS, Map.of("i", Integer.toString(i)))).toList();
    }

    private double gateGauge() {
        return metrics.registry().get("killkrill.receivers.flow.gate.open").gauge().value();
    }

    private double counter(String name, String tag, String value) {
        var counter = metrics.registry().find(name).tag(tag, value).counter();
        return counter == null ? 0 : counter.count();
    }

    private double xaddEntries() {
        var counter = metrics.registry().find("killkrill.receivers.xadd.entries").counter();
        return counter == null ? 0 : counter.count();
    }

    /** A fail-fast write under an Idempotency-Key of its own, claimed first, as an HTTP request with one is written. */
    private CompletableFuture<Outcome> writeIdempotently(List<Entry> entries) throws Exception {
        try (IdempotencyStore store = new IdempotencyStore(writer, "flow-it", Duration.ofHours(1))) {
            var claim = (IdempotencyStore.Claim.Claimed) store.claim(
                    store.keyFor("k-0123456789", "logs", "request-" + UUID.randomUUID())).get();
            return writer.write(entries, Delivery.FAIL_FAST, Optional.of(claim.idempotency(202, "{}", store.ttl())));
        }
    }

    /** How a write failed once answered (within 15 s); null when stored. */
    private static Throwable causeOf(CompletableFuture<?> done) {
        try {
            done.get(15, TimeUnit.SECONDS);
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (TimeoutException e) {
            throw new AssertionError("the write was not answered within 15 s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private void awaitToldReadable(String why) {
        await(why + ": the gate is readable and the last notification said so").atMost(Duration.ofSeconds(10))
                .until(() -> gate.readable() && !notified.isEmpty() && notified.get(notified.size() - 1));
    }

    /**
     * Redis holds the writer's first round trip ({@code CLIENT PAUSE WRITE}) while 17 syslog reads of 1,000 entries
     * queue up: above the high watermark (16,384) the readers are paused and told so, while HTTP requests are still
     * taken (they are refused only at the queue's capacity). Once Redis runs the writes, the queue drains to 0, the
     * readers are told to read again (only once it is down to the low watermark), and every entry is metered once
     * in {@code xadd.entries}, each round trip in the batch timer, whose longest is the pause, not an hour.
     */
    @Test
    void aQueueAboveTheHighWatermarkPausesTheReadersUntilItDrains() {
        start(1_000_000);
        List<CompletableFuture<Void>> writes = new ArrayList<>();
        try (Jedis admin = new Jedis(redis.uri())) {
            admin.clientPause(10_000, ClientPauseMode.WRITE);
            for (int w = 0; w < 16; w++) {
                writes.add(writer.write(entries(1000), Delivery.UNTIL_STORED));
            }
            assertThat(writer.queued()).isEqualTo(16_000);
            assertThat(writer.acceptingMore()).as("below the high watermark the readers read on").isTrue();
            assertThat(notified).isEmpty();
            writes.add(writer.write(entries(1000), Delivery.UNTIL_STORED));
            assertThat(writer.queued()).as("every entry not yet answered is queued").isEqualTo(17_000);
            assertThat(writer.acceptingMore()).as("above the high watermark").isFalse();
            assertThat(gate.readable()).isFalse();
            assertThat(notified).as("the readers were told to pause").containsExactly(false);
            assertThat(gateGauge()).as("flow.gate.open").isZero();
            assertThat(writer.redisAvailable()).isTrue();
            assertThat(writer.takesFailFastWrites()).as("HTTP is refused only at the capacity").isTrue();
            assertThat(gate.closedFor(LOGS)).as("nor does the gate refuse requests").isEmpty();
            admin.clientUnpause();
        }

        await("all 17 writes are stored").atMost(Duration.ofSeconds(15))
                .until(() -> writes.stream().allMatch(CompletableFuture::isDone));
        writes.forEach(w -> assertThat(causeOf(w)).isNull());
        assertThat(redis.client.xlen(LOGS)).isEqualTo(17_000);
        assertThat(writer.queued()).as("every answered write left the queue").isZero();
        awaitToldReadable("drained below the low watermark");
        assertThat(queuedWhenNotified.get(queuedWhenNotified.size() - 1))
                .as("the readers are told to read again only once the queue is down to the low watermark, not as "
                        + "soon as it is below the high one").isLessThanOrEqualTo(StreamWriter.HIGH_WATERMARK / 2);
        assertThat(gateGauge()).isEqualTo(1.0);
        assertThat(xaddEntries()).as("each entry sent once, counted once").isEqualTo(17_000.0);
        var batches = metrics.registry().get("killkrill.receivers.xadd.batch").timer();
        assertThat(batches.count()).as("a round trip stops taking writes once it holds 4,096 entries: at most 5 of "
                + "these 17, so 4 round trips at least").isGreaterThanOrEqualTo(4);
        assertThat(batches.max(TimeUnit.SECONDS)).as("the longest round trip waited on the pause").isLessThan(30.0);
    }

    /**
     * Redis stops: the health monitor's probe says so at once, the gate refuses requests (503 redis_unavailable)
     * and pauses the readers, who are told. Redis comes back with an empty script cache: the writer finds it
     * reachable by itself, tells the readers, and an idempotent write (the script) is stored.
     */
    @Test
    void redisGoneClosesTheGateAndRedisBackOpensIt() throws Exception {
        start(1_000_000);
        redis.stop();
        assertThat(writer.probe()).as("the probe sees Redis gone").isFalse();
        assertThat(writer.redisAvailable()).isFalse();
        assertThat(gate.closedFor(LOGS)).hasValueSatisfying(closed -> {
            assertThat(closed.httpStatus()).isEqualTo(503);
            assertThat(closed.reason()).isEqualTo("redis_unavailable");
        });
        assertThat(notified).as("the readers were told to pause").contains(false);
        assertThat(causeOf(writer.write(entries(3), Delivery.FAIL_FAST)))
                .isInstanceOf(RedisUnavailableException.class);

        redis.start();
        await("the writer finds Redis again").atMost(Duration.ofSeconds(10)).until(writer::redisAvailable);
        awaitToldReadable("Redis is back");
        assertThat(gate.closedFor(LOGS)).isEmpty();
        assertThat(writeIdempotently(entries(4)).get(15, TimeUnit.SECONDS)).isInstanceOf(Outcome.Stored.class);
        assertThat(redis.client.xlen(LOGS)).isEqualTo(4);
        assertThat(writer.queued()).isZero();
    }

    /**
     * Redis refuses writes (maxmemory): the first refused write tells the readers to pause, the gate refuses
     * requests with 503 redis_refusing naming the refusal, and backlog does not matter then. Once the limit is
     * lifted, the writer's probe finds Redis taking writes with nothing to re-send, and tells the readers.
     */
    @Test
    void aRefusingRedisClosesTheGateUntilItTakesWritesAgain() {
        start(1_000_000);
        redis.client.configSet("maxmemory", "1");

        assertThat(causeOf(writer.write(entries(10), Delivery.FAIL_FAST))).isInstanceOf(RedisUnavailableException.class);
        assertThat(writer.queued()).as("the refused write left the queue").isZero();
        assertThat(notified).as("the first refusal told the readers").containsExactly(false);
        assertThat(gate.closedFor(METRICS)).hasValueSatisfying(closed -> {
            assertThat(closed.httpStatus()).isEqualTo(503);
            assertThat(closed.reason()).isEqualTo("redis_refusing");
            assertThat(closed.message()).contains("OOM");
        });

        assertThat(causeOf(writer.write(entries(10), Delivery.FAIL_FAST))).as("refused at once, saying why")
                .isInstanceOf(RedisUnavailableException.class).hasMessageStartingWith("Redis refuses writes (OOM");

        redis.client.configSet("maxmemory", "0");
        awaitToldReadable("Redis takes writes again");
        assertThat(writer.refusal()).isEmpty();
        assertThat(causeOf(writer.write(entries(10), Delivery.FAIL_FAST))).isNull();
    }

    /**
     * The logs stream's backlog (no consumer group yet: its length) goes over the limit: the gate refuses requests
     * to it with 429 and pauses the readers, who are told; the metrics stream stays open. Trimmed below the limit,
     * the readers are told to read again.
     */
    @Test
    void aBacklogOverTheLimitClosesTheGateForItsStreamOnly() {
        start(10);
        assertThat(causeOf(writer.write(entries(11), Delivery.FAIL_FAST))).isNull();

        await("the backlog monitor sees 11 entries over the limit of 10").atMost(Duration.ofSeconds(10))
                .until(() -> gate.closedFor(LOGS).isPresent());
        assertThat(gate.closedFor(LOGS)).hasValueSatisfying(closed -> {
            assertThat(closed.httpStatus()).isEqualTo(429);
            assertThat(closed.reason()).isEqualTo("backlog");
            assertThat(closed.message()).contains(LOGS, "11 entries");
        });
        assertThat(gate.closedFor(METRICS)).as("the other stream is not behind").isEmpty();
        await("the readers are told to pause").atMost(Duration.ofSeconds(5)).until(() -> notified.contains(false));
        assertThat(gate.readable()).isFalse();

        redis.client.xtrim(LOGS, 5, false);
        awaitToldReadable("the backlog is under the limit again");
        assertThat(gate.closedFor(LOGS)).isEmpty();
    }

    /**
     * Audit counts (the receivers' accepted count per minute and service) are stored in the same step as their
     * entries on both paths: a plain write (MULTI ... EXEC) and an idempotent one (the script), each over two
     * streams, two minutes and two services; entries without an audit field count nowhere.
     */
    @Test
    void auditCountsAreStoredWithTheEntriesOnBothWritePaths() throws Exception {
        start(1_000_000);
        long minute = AuditSlot.minuteOf(java.time.Instant.now());
        List<Entry> write = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            write.add(new Entry(LOGS, Map.of("i", "l" + i, StreamEntry.AUDIT,
                    new AuditSlot(minute + i % 2, i < 4 ? "api" : "web").wire())));
        }
        for (int i = 0; i < 3; i++) {
            write.add(new Entry(METRICS, Map.of("i", "m" + i, StreamEntry.AUDIT, new AuditSlot(minute, "-").wire())));
        }
        write.add(new Entry(LOGS, Map.of("i", "no-audit")));

        assertThat(causeOf(writer.write(write, Delivery.FAIL_FAST))).isNull();
        assertThat(redis.client.hgetAll(AuditSlot.key(LOGS, minute))).isEqualTo(Map.of("api", "2", "web", "1"));
        assertThat(redis.client.hgetAll(AuditSlot.key(LOGS, minute + 1))).isEqualTo(Map.of("api", "2", "web", "1"));
        assertThat(redis.client.hgetAll(AuditSlot.key(METRICS, minute))).isEqualTo(Map.of("-", "3"));
        assertThat(redis.client.pttl(AuditSlot.key(LOGS, minute))).as("kept for the audit retention")
                .isGreaterThan(AuditSlot.RETENTION.minusHours(1).toMillis());

        assertThat(writeIdempotently(write).get(15, TimeUnit.SECONDS)).isInstanceOf(Outcome.Stored.class);
        assertThat(redis.client.hgetAll(AuditSlot.key(LOGS, minute))).isEqualTo(Map.of("api", "4", "web", "2"));
        assertThat(redis.client.hgetAll(AuditSlot.key(LOGS, minute + 1))).isEqualTo(Map.of("api", "4", "web", "2"));
        assertThat(redis.client.hgetAll(AuditSlot.key(METRICS, minute))).isEqualTo(Map.of("-", "6"));
        assertThat(redis.client.pttl(AuditSlot.key(METRICS, minute))).isGreaterThan(
                AuditSlot.RETENTION.minusHours(1).toMillis());
        assertThat(redis.client.xlen(LOGS)).isEqualTo(14);
        assertThat(redis.client.xlen(METRICS)).isEqualTo(6);
    }

    /**
     * Redis's script cache is flushed behind the writer's back: an idempotent write gets NOSCRIPT, which is not a
     * refusal; the writer loads the script again and the write is stored, once, without the gate ever closing.
     */
    @Test
    void aFlushedScriptCacheIsReloadedAndTheWriteStoredOnce() throws Exception {
        start(1_000_000);
        redis.client.scriptFlush();
        assertThat(writeIdempotently(entries(5)).get(15, TimeUnit.SECONDS)).isInstanceOf(Outcome.Stored.class);
        assertThat(redis.client.xlen(LOGS)).isEqualTo(5);
        assertThat(writer.refusal()).as("NOSCRIPT is not a refusal").isEmpty();
        assertThat(notified).as("the gate never closed").doesNotContain(false);
        assertThat(writer.queued()).isZero();
    }

    /**
     * Redis holds a round trip (paused) until the writer's 2 s timeout puts it in doubt, with a syslog write and
     * another request queued behind it (that request is refused at once); then Redis dies before running it and
     * comes back without it: the marker is absent, so the fail-fast request is answered refused (its client
     * retries) and the syslog write queued behind it is sent and stored, once; the resolution counts the 60
     * entries not stored.
     */
    @Test
    void aRoundTripInDoubtThatRedisNeverRanIsAnsweredRefused() throws Exception {
        start(1_000_000);
        CompletableFuture<Void> request;
        CompletableFuture<Void> syslog;
        try (Jedis admin = new Jedis(redis.uri())) {
            admin.clientPause(60_000, ClientPauseMode.WRITE);
            request = writer.write(entries(60), Delivery.FAIL_FAST);
            await("the request's round trip is held by the pause").atMost(Duration.ofSeconds(5))
                    .until(() -> blockedClients(admin) == 1);
            syslog = writer.write(entries(40), Delivery.UNTIL_STORED);
            CompletableFuture<Void> behind = writer.write(entries(20), Delivery.FAIL_FAST);
            await("the round trip times out and is in doubt").atMost(Duration.ofSeconds(10))
                    .until(() -> !writer.redisAvailable());
            assertThat(causeOf(behind)).as("a request queued behind it is refused at once, not kept until Redis is back")
                    .isInstanceOf(RedisUnavailableException.class).hasMessage("Redis is unavailable");
        }
        redis.kill();
        redis.start();

        assertThat(causeOf(request)).as("told not stored").isInstanceOf(RedisUnavailableException.class)
                .hasMessageContaining("Redis failed before storing the write");
        assertThat(causeOf(syslog)).as("sent again and stored").isNull();
        assertThat(counter("killkrill.receivers.in_doubt.resolved", "outcome", "not_stored")).isEqualTo(60.0);
        assertThat(counter("killkrill.receivers.in_doubt.resolved", "outcome", "stored")).isZero();
        assertThat(redis.client.xlen(LOGS)).as("only the syslog write, once").isEqualTo(40);
        assertThat(writer.queued()).isZero();
    }

    /**
     * Closing sends everything queued before it returns, then deletes the last round trip's marker and closes
     * the writer's connections.
     */
    @Test
    void closingSendsWhatIsQueuedAndLeavesNoMarkerAndNoConnection() {
        long clientsBefore = connectedClients();
        startWithoutHealthProbe();
        List<CompletableFuture<Void>> writes = new ArrayList<>();
        for (int w = 0; w < 20; w++) {
            writes.add(writer.write(entries(500), Delivery.UNTIL_STORED));
        }
        writer.stopAccepting();
        assertThat(gate.closedFor(LOGS)).as("a receiver shutting down refuses new requests")
                .hasValueSatisfying(closed -> {
                    assertThat(closed.httpStatus()).isEqualTo(503);
                    assertThat(closed.reason()).isEqualTo("queue_full");
                });
        assertThat(causeOf(writer.write(entries(1), Delivery.FAIL_FAST))).isInstanceOf(RedisUnavailableException.class)
                .hasMessage("the receiver is shutting down");
        writer.close();

        assertThat(writes).as("every write was answered before close returned").allMatch(CompletableFuture::isDone);
        writes.forEach(w -> assertThat(causeOf(w)).isNull());
        assertThat(redis.client.xlen(LOGS)).isEqualTo(10_000);
        assertThat(redis.client.keys("flow-it:writes:*")).as("no marker left").isEmpty();
        await("the writer's connections are closed").atMost(Duration.ofSeconds(5))
                .until(() -> connectedClients() == clientsBefore);
        writer = null;
    }

    /**
     * Closing while a round trip is in doubt and Redis is gone: its caller is told the outcome is unknown, and the
     * entries are counted as unresolved; the syslog writes kept meanwhile are counted as not stored.
     */
    @Test
    void closingWithRedisGoneCountsWhatIsInDoubtAndWhatIsLost() throws Exception {
        startWithoutHealthProbe();
        CompletableFuture<Void> request;
        try (Jedis admin = new Jedis(redis.uri())) {
            admin.clientPause(60_000, ClientPauseMode.WRITE);
            request = writer.write(entries(30), Delivery.FAIL_FAST);
            await("the round trip is in doubt").atMost(Duration.ofSeconds(10)).until(() -> !writer.redisAvailable());
        }
        redis.kill();
        CompletableFuture<Void> first = writer.write(entries(3), Delivery.UNTIL_STORED);
        CompletableFuture<Void> second = writer.write(entries(5), Delivery.UNTIL_STORED);
        writer.close();

        assertThat(causeOf(request)).isInstanceOf(WriteInDoubtException.class);
        assertThat(causeOf(first)).isInstanceOf(RedisUnavailableException.class);
        assertThat(causeOf(second)).isInstanceOf(RedisUnavailableException.class);
        assertThat(metrics.registry().get("killkrill.receivers.in_doubt.unresolved").counter().count())
                .as("in doubt at shutdown").isEqualTo(30.0);
        assertThat(counter("killkrill.receivers.items.rejected", "reason", "shutdown_redis_unavailable"))
                .as("kept and not stored").isEqualTo(8.0);
        writer = null;
    }

    /** Clients whose command Redis holds ({@code CLIENT PAUSE WRITE} holds a write until it ends). */
    private static long blockedClients(Jedis admin) {
        return admin.info("clients").lines().filter(l -> l.startsWith("blocked_clients:"))
                .mapToLong(l -> Long.parseLong(l.substring("blocked_clients:".length()).trim())).findFirst()
                .orElseThrow();
    }

    /** Connections Redis has, counting the one asking and the test's own client's (opened first). */
    /**
     * Redis went away and nobody noticed yet (no health probe): the next round trip cannot borrow a connection, so
     * nothing was sent and nothing is in doubt. The request is refused at once, the syslog write kept and stored
     * once Redis is back, and the writer reports Redis unavailable meanwhile.
     */
    @Test
    void aRoundTripThatCannotReachRedisIsRefusedNotInDoubt() throws Exception {
        startWithoutHealthProbe();
        redis.stop();
        assertThat(writer.redisAvailable()).as("not noticed yet").isTrue();

        CompletableFuture<Void> request = writer.write(entries(10), Delivery.FAIL_FAST);
        CompletableFuture<Void> syslog = writer.write(entries(7), Delivery.UNTIL_STORED);
        assertThat(causeOf(request)).isInstanceOf(RedisUnavailableException.class)
                .hasMessageStartingWith("Redis is unavailable");
        assertThat(writer.redisAvailable()).isFalse();
        assertThat(syslog).as("kept").isNotDone();

        redis.start();
        assertThat(causeOf(syslog)).isNull();
        assertThat(redis.client.xlen(LOGS)).isEqualTo(7);
        assertThat(counter("killkrill.receivers.in_doubt.resolved", "outcome", "not_stored")).as("nothing in doubt")
                .isZero();
        assertThat(writer.queued()).isZero();
    }

    /**
     * Redis refuses writes and then dies: the writer's own probe for writes finds it gone and reports it
     * unavailable (503 redis_unavailable), not still refusing.
     */
    @Test
    void aRedisThatDiesWhileRefusingIsReportedUnavailable() throws Exception {
        startWithoutHealthProbe();
        redis.client.configSet("maxmemory", "1");
        assertThat(causeOf(writer.write(entries(10), Delivery.FAIL_FAST))).isInstanceOf(RedisUnavailableException.class);
        assertThat(writer.refusal()).isPresent();

        redis.stop();
        await("the writer's write probe finds Redis gone").atMost(Duration.ofSeconds(10))
                .until(() -> !writer.redisAvailable());
        assertThat(gate.closedFor(LOGS)).hasValueSatisfying(closed ->
                assertThat(closed.reason()).isEqualTo("redis_unavailable"));
        redis.start();
    }

    /**
     * An idempotent request (the script) to a stream key that holds another type stores nothing: it fails with
     * WRONGTYPE naming the key, leaves the queue, and its entries to the other stream are not stored either.
     */
    @Test
    void anIdempotentWriteToAKeyOfAnotherTypeStoresNothing() throws Exception {
        start(1_000_000);
        redis.client.set(METRICS, "not a stream");
        List<Entry> write = new ArrayList<>(entries(5));
        write.add(new Entry(METRICS, Map.of("i", "m")));
        assertThat(causeOf(writeIdempotently(write))).isInstanceOf(JedisDataException.class)
                .hasMessage("WRONGTYPE " + METRICS + " holds a value that is not a stream");
        assertThat(redis.client.exists(LOGS)).as("nothing of the request stored").isFalse();
        assertThat(writer.queued()).isZero();
    }

    private long connectedClients() {
        redis.client.ping();
        String clients;
        try (Jedis asking = new Jedis(redis.uri())) {
            clients = asking.info("clients");
        }
        return clients.lines().filter(l -> l.startsWith("connected_clients:"))
                .mapToLong(l -> Long.parseLong(l.substring("connected_clients:".length()).trim())).findFirst()
                .orElseThrow();
    }
}
