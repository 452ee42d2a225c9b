package io.killkrill.it.logworker;

import io.killkrill.it.support.RedisExtension;
import io.killkrill.it.support.RedisService;
import io.killkrill.it.support.TestServices;
import io.killkrill.model.DeadLetter;
import io.killkrill.model.DeadLetterCodec;
import io.killkrill.model.DeadLetterReason;
import io.killkrill.model.EventIds;
import io.killkrill.model.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.resps.StreamEntry;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The dead-letter tool as operators run it (the log-worker jar, a process of its own): a replay SIGKILLed half-way
 * and run again loses and duplicates nothing, each replayed entry keeps its event ID, and a decode-stage letter
 * (raw syslog bytes) is refused with its reason instead of being put on the stream (issue 14, item 6).
 */
@ExtendWith(RedisExtension.class)
class DeadLetterReplayIT {
    private static final int LETTERS = 400;

    private RedisService redis;
    private String logs;
    private String dlq;
    private final Set<String> sentEventIds = new HashSet<>();

    @BeforeEach
    void fillTheDeadLetterStream(RedisService redis) {
        this.redis = redis;
        String prefix = RedisService.uniquePrefix("dlq-replay");
        logs = prefix + "logs";
        dlq = prefix + "logs-dlq";
        JedisPooled jedis = redis.client();
        for (int i = 0; i < LETTERS; i++) {
            String eventId = EventIds.next();
            sentEventIds.add(eventId);
            Map<String, String> original = Map.of("schema_version", "1", "event_id", eventId,
                    "data", "{\"event_id\":\"" + eventId + "\",\"message\":\"m" + i + "\"}");
            jedis.xadd(dlq, StreamEntryID.NEW_ENTRY, DeadLetterCodec.toEntry(DeadLetter.ofEntry(logs, "1-" + i,
                    original, Stage.BULK_INDEX, DeadLetterReason.INDEX_REJECTED, "mapping conflict", 1, "log-worker")));
        }
        jedis.xadd(dlq, StreamEntryID.NEW_ENTRY, DeadLetterCodec.toEntry(new DeadLetter(
                Map.of("raw_base64", "PDE+Z2FyYmFnZQ=="), Optional.empty(), Optional.empty(), Stage.DECODE,
                DeadLetterReason.SYSLOG_PARSE_ERROR, "no PRI", 1, "receivers", Instant.now(), Map.of())));
    }

    @AfterEach
    void cleanUp() {
        redis.client().del(logs, dlq);
    }

    private Process tool(Path log, String... args) throws Exception {
        Path jar = TestServices.repoRoot().resolve("log-worker/target/log-worker-0.1.0-SNAPSHOT-all.jar");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-cp", jar.toString(), "io.killkrill.logworker.DeadLetterTool"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().keySet().removeIf(key -> key.startsWith("KILLKRILL_"));
        builder.environment().put("KILLKRILL_REDIS_URL", redis.uri().toString());
        builder.environment().put("KILLKRILL_LOGS_STREAM", logs);
        builder.environment().put("KILLKRILL_LOGS_DLQ", dlq);
        return builder.start();
    }

    private long replayableLeft() {
        return redis.client().xrange(dlq, "-", "+").stream()
                .filter(e -> DeadLetterCodec.fromEntry(e.getFields()).stream().isPresent()).count();
    }

    /**
     * Proof: the first run (paced at 100 letters/s) is SIGKILLed once 100 entries are on the stream; the test first
     * checks the kill came half-way (letters left on both sides) and that at that instant stream + dead letters hold
     * exactly the 400 (each letter moved entirely or not at all). The re-run then replays the rest: the stream holds
     * 400 entries whose event IDs are exactly the 400 sent (none lost, none twice), and only the refused raw letter
     * stays in the dead-letter stream, named in the output.
     */
    @Test
    void aReplayKilledHalfWayAndRunAgainLosesAndDuplicatesNothing() throws Exception {
        Path firstLog = Files.createTempFile("dlq-replay-first", ".log");
        Process first = tool(firstLog, "replay", "--all", "--rate", "100");
        await("the first replay has put 100 entries on the stream").atMost(Duration.ofSeconds(60))
                .until(() -> redis.client().exists(logs) && redis.client().xlen(logs) >= 100);
        first.destroyForcibly();
        assertThat(first.waitFor(10, TimeUnit.SECONDS)).isTrue();

        long onStream = redis.client().xlen(logs);
        long left = replayableLeft();
        assertThat(left).as("killed half-way: letters left to replay").isPositive();
        assertThat(onStream).as("killed half-way: entries replayed").isPositive();
        assertThat(onStream + left).as("at the kill, each letter is on exactly one side").isEqualTo(LETTERS);

        Path secondLog = Files.createTempFile("dlq-replay-second", ".log");
        Process second = tool(secondLog, "replay", "--all");
        assertThat(second.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String output = Files.readString(secondLog);

        assertThat(second.exitValue()).as("exit 1: the raw letter was refused; output:%n%s", output).isEqualTo(1);
        assertThat(output).contains(left + " dead letter(s) replayed, 1 refused, 0 not found")
                .contains("refused: reason syslog_parse_error (stage decode)", "raw_base64");
        List<StreamEntry> replayed = redis.client().xrange(logs, "-", "+");
        List<String> eventIds = replayed.stream().map(e -> e.getFields().get("event_id")).toList();
        assertThat(eventIds).hasSize(LETTERS).doesNotHaveDuplicates();
        assertThat(new HashSet<>(eventIds)).isEqualTo(sentEventIds);
        assertThat(replayed).allSatisfy(e -> assertThat(e.getFields().get("data"))
                .contains(e.getFields().get("event_id")));
        List<StreamEntry> remaining = redis.client().xrange(dlq, "-", "+");
        assertThat(remaining).singleElement().satisfies(e -> assertThat(e.getFields().get(DeadLetterCodec.REASON))
                .isEqualTo("syslog_parse_error"));
    }

    /** --dry-run changes nothing and says so; purge --reason deletes only that reason; a bad option exits 2. */
    @Test
    void dryRunPurgeAndABadOptionFromTheJar() throws Exception {
        Path log = Files.createTempFile("dlq-tool", ".log");
        Process dryRun = tool(log, "replay", "--all", "--dry-run");
        assertThat(dryRun.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(redis.client().xlen(dlq)).isEqualTo(LETTERS + 1);
        assertThat(redis.client().exists(logs)).isFalse();
        assertThat(Files.readString(log)).contains(LETTERS + " dead letter(s) would be replayed, 1 refused");

        Process purge = tool(log, "purge", "--all", "--reason", "syslog_parse_error");
        assertThat(purge.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(purge.exitValue()).isZero();
        assertThat(redis.client().xlen(dlq)).isEqualTo(LETTERS);

        Path badLog = Files.createTempFile("dlq-bad", ".log");
        Process bad = tool(badLog, "replay", "--all", "--count", "x");
        assertThat(bad.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(bad.exitValue()).isEqualTo(2);
        assertThat(Files.readString(badLog).lines().toList()).singleElement().asString()
                .startsWith("dlq: ").contains("--count", "'x'");
    }
}
