package io.killkrill.it.logworker;

import com.fasterxml.jackson.databind.JsonNode;
import io.killkrill.it.support.DeadLetterToolProcess;
import io.killkrill.it.support.OwnRedis;
import io.killkrill.it.support.RedisExtension;
import io.killkrill.it.support.RedisService;
import io.killkrill.model.DeadLetter;
import io.killkrill.model.DeadLetterCodec;
import io.killkrill.model.DeadLetterReason;
import io.killkrill.model.EventIds;
import io.killkrill.model.IngestContext;
import io.killkrill.model.Json;
import io.killkrill.model.LogEventCodec;
import io.killkrill.model.MetricSampleCodec;
import io.killkrill.model.Source;
import io.killkrill.model.Stage;
import io.killkrill.model.StreamEntry;
import io.killkrill.model.Validated;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.StreamEntryID;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The dead-letter tool as operators run it (the log-worker jar, a process of its own): a replay SIGKILLed half-way
 * and run again loses and duplicates nothing, for the logs and the metrics dead letters alike (one Lua script per
 * letter either way); each replayed entry keeps its event ID; a letter the contract refuses (raw syslog bytes, an
 * entry of another schema version) is refused with its reason and stays (issue 14, item 6).
 */
@ExtendWith(RedisExtension.class)
class DeadLetterReplayIT {
    private static final int LETTERS = 400;

    private RedisService redis;
    private String prefix;
    private String stream;
    private String dlq;
    private Map<String, String> settings;
    private final Set<String> sentEventIds = new HashSet<>();

    @BeforeEach
    void setUp(RedisService redis) {
        this.redis = redis;
        this.prefix = RedisService.uniquePrefix("dlq-replay");
    }

    @AfterEach
    void cleanUp() {
        redis.client().del(stream, dlq);
    }

    /**
     * {@code LETTERS} letters of entries the {@code kind} worker's codec accepts, then one it refuses: for logs
     * raw syslog bytes (syslog_parse_error), for metrics an entry of schema version 2 (unsupported_schema_version).
     */
    private void fillTheDeadLetterStream(String kind) {
        fillTheDeadLetterStream(kind, redis.client(), redis.uri());
    }

    /** As {@link #fillTheDeadLetterStream(String)}, in the Redis at {@code redisUri}. */
    private void fillTheDeadLetterStream(String kind, JedisPooled jedis, URI redisUri) {
        boolean logs = kind.equals("logs");
        stream = prefix + kind + "-stream";
        dlq = prefix + kind + "-dlq";
        String upper = kind.toUpperCase(Locale.ROOT);
        settings = Map.of("KILLKRILL_REDIS_URL", redisUri.toString(), "KILLKRILL_" + upper + "_STREAM", stream,
                "KILLKRILL_" + upper + "_DLQ", dlq);
        for (int i = 0; i < LETTERS; i++) {
            IngestContext context = IngestContext.now(Source.http("10.0.0.1:1"));
            sentEventIds.add(context.eventId());
            Map<String, String> original = logs
                    ? LogEventCodec.toEntry(valid(LogEventCodec.fromInput(
                    json("{\"message\":\"m" + i + "\",\"service\":\"replay\"}"), context)))
                    : MetricSampleCodec.toEntry(valid(MetricSampleCodec.fromInput(
                    json("{\"name\":\"replay\",\"value\":" + i + "}"), context)));
            jedis.xadd(dlq, StreamEntryID.NEW_ENTRY, DeadLetterCodec.toEntry(logs
                    ? DeadLetter.ofEntry(stream, "1-" + i, original, Stage.BULK_INDEX, DeadLetterReason.INDEX_REJECTED,
                    "mapping conflict", 1, "log-worker")
                    : DeadLetter.ofEntry(stream, "1-" + i, original, Stage.PERSIST, DeadLetterReason.PERSIST_REJECTED,
                    "check constraint", 1, "metrics-worker")));
        }
        jedis.xadd(dlq, StreamEntryID.NEW_ENTRY, DeadLetterCodec.toEntry(logs
                ? new DeadLetter(Map.of("raw_base64", "PDE+Z2FyYmFnZQ=="), Optional.empty(), Optional.empty(),
                Stage.DECODE, DeadLetterReason.SYSLOG_PARSE_ERROR, "no PRI", 1, "receivers", Instant.now(), Map.of())
                : DeadLetter.ofEntry(stream, "2-0", Map.of(StreamEntry.SCHEMA_VERSION, "2", StreamEntry.EVENT_ID,
                EventIds.next(), StreamEntry.DATA, "{}"), Stage.VALIDATE, DeadLetterReason.UNSUPPORTED_SCHEMA_VERSION,
                "schema_version must be 1, got '2'", 1, "metrics-worker")));
    }

    private static <T> T valid(Validated<T> validated) {
        return ((Validated.Valid<T>) validated).value();
    }

    private static JsonNode json(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String[] tool(String kind, String... args) {
        String[] line = new String[args.length + 2];
        System.arraycopy(args, 0, line, 0, args.length);
        line[args.length] = "--stream";
        line[args.length + 1] = kind;
        return line;
    }

    /** Letters of the replayable reason (index_rejected or persist_rejected) still in the dead-letter stream. */
    private long replayableLeft() {
        return replayableLeft(redis.client());
    }

    private long replayableLeft(JedisPooled jedis) {
        return jedis.xrange(dlq, "-", "+").stream()
                .filter(e -> e.getFields().get(DeadLetterCodec.REASON).endsWith("_rejected")).count();
    }

    /**
     * Proof: the first run (paced at 100 letters/s) is SIGKILLed once 100 entries are on the stream; the test first
     * checks the kill came half-way (letters left on both sides) and that at that instant stream + dead letters hold
     * exactly the 400 (each letter moved entirely or not at all). The re-run then replays the rest: the stream holds
     * 400 entries whose event IDs are exactly the 400 sent (none lost, none twice), each entry's fields exactly the
     * original's, and only the refused letter stays in the dead-letter stream, named in the output with its reason.
     */
    @ParameterizedTest(name = "--stream {0}")
    @ValueSource(strings = {"logs", "metrics"})
    void aReplayKilledHalfWayAndRunAgainLosesAndDuplicatesNothing(String kind) throws Exception {
        fillTheDeadLetterStream(kind);
        Process first = DeadLetterToolProcess.start(settings, tool(kind, "replay", "--all", "--rate", "100"))
                .process();
        await("the first replay has put 100 entries on " + stream).atMost(Duration.ofSeconds(60))
                .until(() -> redis.client().exists(stream) && redis.client().xlen(stream) >= 100);
        first.destroyForcibly();
        assertThat(first.waitFor(10, TimeUnit.SECONDS)).isTrue();

        long onStream = redis.client().xlen(stream);
        long left = replayableLeft();
        assertThat(left).as("killed half-way: letters left to replay").isPositive();
        assertThat(onStream).as("killed half-way: entries replayed").isPositive();
        assertThat(onStream + left).as("at the kill, each letter is on exactly one side").isEqualTo(LETTERS);

        DeadLetterToolProcess.Result second = DeadLetterToolProcess.run(settings, tool(kind, "replay", "--all"));

        String refusedReason = kind.equals("logs") ? "syslog_parse_error" : "unsupported_schema_version";
        assertThat(second.exitStatus()).as("exit 1: a letter was refused; output:%n%s", second.output()).isEqualTo(1);
        assertThat(second.output())
                .contains(left + " dead letter(s) replayed, 1 refused (" + refusedReason + " 1), 0 not found; "
                        + dlq + " -> " + stream)
                .contains("refused: reason " + refusedReason)
                .contains(kind.equals("logs") ? "raw_base64" : "contract refuses the entry");
        var replayed = redis.client().xrange(stream, "-", "+");
        List<String> eventIds = replayed.stream().map(e -> e.getFields().get(StreamEntry.EVENT_ID)).toList();
        assertThat(eventIds).hasSize(LETTERS).doesNotHaveDuplicates();
        assertThat(new HashSet<>(eventIds)).isEqualTo(sentEventIds);
        assertThat(replayed).allSatisfy(e -> assertThat(e.getFields().get(StreamEntry.DATA))
                .contains("\"event_id\":\"" + e.getFields().get(StreamEntry.EVENT_ID) + "\""));
        assertThat(redis.client().xrange(dlq, "-", "+")).singleElement()
                .satisfies(e -> assertThat(e.getFields().get(DeadLetterCodec.REASON)).isEqualTo(refusedReason));
    }

    /**
     * An entry of the dead-letter stream that is no KillKrill dead letter (another program wrote it), first in the
     * stream: it is named as unreadable and left where it is, and the 400 letters after it are still replayed.
     * Reconciliation: 400 replayed + 1 refused + 1 unreadable = the 402 entries; the stream holds the 400 event IDs.
     */
    @Test
    void anEntryThatIsNoDeadLetterIsLeftAndDoesNotStopTheReplay() {
        fillTheDeadLetterStream("logs");
        redis.client().del(dlq);
        sentEventIds.clear();
        StreamEntryID foreign = redis.client().xadd(dlq, StreamEntryID.NEW_ENTRY, Map.of("hello", "world"));
        fillTheDeadLetterStream("logs");

        DeadLetterToolProcess.Result replay = DeadLetterToolProcess.run(settings, "replay", "--all");

        assertThat(replay.output()).contains(foreign + " unreadable: not a KillKrill dead-letter entry")
                .contains(LETTERS + " dead letter(s) replayed, 2 refused (syslog_parse_error 1, unreadable 1), 0 not"
                        + " found");
        assertThat(redis.client().xrange(stream, "-", "+").stream().map(e -> e.getFields().get(StreamEntry.EVENT_ID))
                .toList()).hasSize(LETTERS).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(sentEventIds);
        assertThat(redis.client().xrange(dlq, "-", "+")).hasSize(2).first()
                .satisfies(e -> assertThat(e.getFields()).isEqualTo(Map.of("hello", "world")));
    }

    /**
     * Issue 16's fault class "Redis fails between the tool's two writes, and replay run twice": a Redis of the
     * test's own (appendonly) is SIGKILLed while a paced replay runs. The tool exits 1 with one line naming the
     * failure; after the restart each of the 400 letters is on exactly one side (a letter is moved by one script:
     * there is no moment between its XADD and its XDEL); the re-run replays the rest, and a third run finds nothing
     * left to replay. The stream then holds exactly the 400 event IDs, none twice.
     */
    @Test
    void aReplayWhoseRedisIsKilledHalfWayLosesAndDuplicatesNothingAndARepeatReplaysNothing() throws Exception {
        try (OwnRedis own = new OwnRedis(true)) {
            fillTheDeadLetterStream("logs", own.client, own.uri());
            Process first = DeadLetterToolProcess.start(settings, "replay", "--all", "--rate", "100").process();
            await("the replay has put 100 entries on " + stream).atMost(Duration.ofSeconds(60))
                    .until(() -> own.client.exists(stream) && own.client.xlen(stream) >= 100);
            own.kill();
            assertThat(first.waitFor(60, TimeUnit.SECONDS)).as("the tool ends when Redis is gone").isTrue();
            assertThat(first.exitValue()).as("exit 1: Redis failed").isEqualTo(1);
            own.start();

            long onStream = own.client.xlen(stream);
            long left = replayableLeft(own.client);
            assertThat(left).as("killed half-way: letters left to replay").isPositive();
            assertThat(onStream + left).as("after the crash, each letter is on exactly one side").isEqualTo(LETTERS);

            DeadLetterToolProcess.Result second = DeadLetterToolProcess.run(settings, "replay", "--all");
            assertThat(second.output()).contains(left + " dead letter(s) replayed, 1 refused");
            DeadLetterToolProcess.Result third = DeadLetterToolProcess.run(settings, "replay", "--all");
            assertThat(third.output()).contains("0 dead letter(s) replayed, 1 refused (syslog_parse_error 1), 0 not"
                    + " found");

            List<String> eventIds = own.client.xrange(stream, "-", "+").stream()
                    .map(e -> e.getFields().get(StreamEntry.EVENT_ID)).toList();
            assertThat(eventIds).hasSize(LETTERS).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(sentEventIds);
        }
    }

    /** --dry-run changes nothing and says so; purge --reason deletes only that reason; a bad option exits 2. */
    @Test
    void dryRunPurgeAndABadOptionFromTheJar() {
        fillTheDeadLetterStream("logs");
        DeadLetterToolProcess.Result dryRun = DeadLetterToolProcess.run(settings, "replay", "--all", "--dry-run");
        assertThat(redis.client().xlen(dlq)).isEqualTo(LETTERS + 1);
        assertThat(redis.client().exists(stream)).isFalse();
        assertThat(dryRun.output()).contains(LETTERS + " dead letter(s) would be replayed, 1 refused");

        DeadLetterToolProcess.Result purge = DeadLetterToolProcess.run(settings, "purge", "--all", "--reason",
                "syslog_parse_error");
        assertThat(purge.exitStatus()).as(purge.output()).isZero();
        assertThat(redis.client().xlen(dlq)).isEqualTo(LETTERS);

        DeadLetterToolProcess.Result bad = DeadLetterToolProcess.run(settings, "replay", "--all", "--count", "x");
        assertThat(bad.exitStatus()).as(bad.output()).isEqualTo(2);
        assertThat(bad.output().lines().toList()).singleElement().asString()
                .startsWith("dlq: ").contains("--count", "'x'");
    }
}
