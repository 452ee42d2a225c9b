package io.killkrill.it.logworker;

import io.killkrill.it.support.RedisExtension;
import io.killkrill.it.support.RedisService;
import io.killkrill.logworker.DeadLetterTool;
import io.killkrill.model.DeadLetter;
import io.killkrill.model.DeadLetterCodec;
import io.killkrill.model.DeadLetterReason;
import io.killkrill.model.IngestContext;
import io.killkrill.model.Json;
import io.killkrill.model.LogEvent;
import io.killkrill.model.LogEventCodec;
import io.killkrill.model.Source;
import io.killkrill.model.Stage;
import io.killkrill.model.Validated;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.StreamEntryID;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each command of the dead-letter tool, to the line it prints and the exit status it returns, against a real
 * Redis: {@code list}, {@code show}, {@code replay} and {@code purge}, chosen by ID or by {@code --all} narrowed by
 * {@code --reason}, {@code --since} and {@code --count}, with {@code --dry-run} and {@code --rate}; a letter the
 * contract refuses and an entry that is no dead letter at all among them. The tool runs in this JVM
 * ({@link DeadLetterTool#run(Map, PrintStream, PrintStream, String...)}, what its {@code main} runs);
 * {@code DeadLetterReplayIT} runs the jar, SIGKILLed half-way.
 */
@ExtendWith(RedisExtension.class)
class DeadLetterToolIT {
    private RedisService redis;
    private String stream;
    private String dlq;
    private Map<String, String> settings;
    private final Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    /** The letters in stream order: index_rejected 3 h ago, index_rejected 2 h ago, raw syslog 1 h ago, unreadable. */
    private final List<String> ids = new ArrayList<>();
    private final List<Map<String, String>> originals = new ArrayList<>();

    private record Run(int exitStatus, String out, String err) {
        List<String> lines() {
            return out.lines().toList();
        }
    }

    @BeforeEach
    void setUp(RedisService redis) {
        this.redis = redis;
        String prefix = RedisService.uniquePrefix("dlq-tool");
        stream = prefix + "logs-stream";
        dlq = prefix + "logs-dlq";
        settings = Map.of("KILLKRILL_REDIS_URL", redis.uri().toString(), "KILLKRILL_LOGS_STREAM", stream,
                "KILLKRILL_LOGS_DLQ", dlq);
        for (int i = 0; i < 2; i++) {
            Map<String, String> original = logEntry("m" + i);
            originals.add(original);
            add(new DeadLetter(original, Optional.of(stream), Optional.of("1-" + i), Stage.BULK_INDEX,
                    DeadLetterReason.INDEX_REJECTED, "mapping conflict " + i, 2 + i, "log-worker",
                    now.minus(Duration.ofHours(3 - i)), Map.of("error_type", "mapper_parsing_exception")));
        }
        add(new DeadLetter(Map.of("raw_base64", "PDE+Z2FyYmFnZQ=="), Optional.empty(), Optional.empty(),
                Stage.DECODE, DeadLetterReason.SYSLOG_PARSE_ERROR, "no PRI", 1, "receivers",
                now.minus(Duration.ofHours(1)), Map.of()));
        ids.add(redis.client().xadd(dlq, StreamEntryID.NEW_ENTRY, Map.of("written_by", "someone else")).toString());
    }

    @AfterEach
    void cleanUp() {
        redis.client().del(stream, dlq);
    }

    private void add(DeadLetter letter) {
        ids.add(redis.client().xadd(dlq, StreamEntryID.NEW_ENTRY, DeadLetterCodec.toEntry(letter)).toString());
    }

    private static Map<String, String> logEntry(String message) {
        try {
            Validated<?> event = LogEventCodec.fromInput(Json.MAPPER.readTree(
                    "{\"message\":\"" + message + "\",\"service\":\"tool\"}"), IngestContext.now(Source.http("10.0.0.1:1")));
            return LogEventCodec.toEntry((LogEvent) ((Validated.Valid<?>) event).value());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Run tool(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = DeadLetterTool.run(settings, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), args);
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private String listLine(int i, String reason, String stage, String streamAndEntry, int attempts, Instant failedAt,
                            String details, String message) {
        return ids.get(i) + " reason=" + reason + " stage=" + stage + " " + streamAndEntry + " attempts=" + attempts
                + " failed_at=" + failedAt + details + " message=" + message;
    }

    private String unreadable(int i) {
        return ids.get(i) + " unreadable: ";
    }

    @Test
    void listPrintsOneLinePerLetterAndNarrowsByReasonSinceAndCount() {
        Run all = tool("list");
        assertThat(all.exitStatus()).as(all.out()).isZero();
        assertThat(all.lines()).hasSize(5);
        assertThat(all.lines().get(0)).isEqualTo(listLine(0, "index_rejected", "bulk_index", "stream=" + stream
                + " entry_id=1-0", 2, now.minus(Duration.ofHours(3)), " details={error_type=mapper_parsing_exception}",
                "mapping conflict 0"));
        assertThat(all.lines().get(1)).isEqualTo(listLine(1, "index_rejected", "bulk_index", "stream=" + stream
                + " entry_id=1-1", 3, now.minus(Duration.ofHours(2)), " details={error_type=mapper_parsing_exception}",
                "mapping conflict 1"));
        assertThat(all.lines().get(2)).isEqualTo(listLine(2, "syslog_parse_error", "decode", "stream=- entry_id=-", 1,
                now.minus(Duration.ofHours(1)), "", "no PRI"));
        assertThat(all.lines().get(3)).startsWith(unreadable(3)).endsWith("; left in " + dlq);
        assertThat(all.lines().get(4)).isEqualTo("4 dead letter(s) in " + dlq);

        Run reason = tool("list", "--reason", "index_rejected");
        assertThat(reason.lines()).hasSize(3).last().isEqualTo("2 dead letter(s) in " + dlq
                + " with reason index_rejected");
        Instant since = now.minus(Duration.ofMinutes(150));
        Run recent = tool("list", "--all", "--since", since.toString());
        assertThat(recent.lines()).as("the letters that failed 2 h and 1 h ago; the unreadable entry has no time")
                .hasSize(3).last().isEqualTo("2 dead letter(s) in " + dlq + " since " + since);
        assertThat(recent.lines().get(0)).startsWith(ids.get(1) + " ");
        assertThat(tool("list", "--since", "150m").lines()).hasSize(3);
        Run both = tool("list", "--reason", "index_rejected", "--since", since.toString());
        assertThat(both.lines()).containsExactly(all.lines().get(1), "1 dead letter(s) in " + dlq
                + " with reason index_rejected since " + since);
        Run count = tool("list", "--all", "--count", "2");
        assertThat(count.lines()).containsExactly(all.lines().get(0), all.lines().get(1),
                "2 dead letter(s) in " + dlq);

        Run byId = tool("list", ids.get(2), "0-1");
        assertThat(byId.exitStatus()).as("an ID not found").isEqualTo(1);
        assertThat(byId.lines()).containsExactly("0-1 not found in " + dlq, all.lines().get(2),
                "1 dead letter(s) in " + dlq);
    }

    @Test
    void showPrintsEveryFieldAndWhetherEachLetterCanBeReplayed() {
        Run run = tool("show", ids.get(0), ids.get(2), ids.get(3));
        assertThat(run.exitStatus()).as(run.out()).isZero();
        List<String> lines = run.lines();
        assertThat(lines.subList(0, 6)).containsExactly(ids.get(0),
                "  reason: index_rejected (" + DeadLetterReason.INDEX_REJECTED.description() + ")",
                "  stage: bulk_index, service: log-worker, attempts: 2, failed_at: " + now.minus(Duration.ofHours(3)),
                "  stream: " + stream + ", entry_id: 1-0",
                "  message: mapping conflict 0",
                "  details.error_type: mapper_parsing_exception");
        List<String> original = new ArrayList<>();
        originals.get(0).forEach((k, v) -> original.add("  original." + k + ": " + v));
        assertThat(lines.subList(6, 6 + original.size())).containsExactlyInAnyOrderElementsOf(original);
        int next = 6 + original.size();
        assertThat(lines.get(next)).isEqualTo("  replayable: yes, onto " + stream);
        assertThat(lines.subList(next + 1, lines.size() - 1)).containsExactly(ids.get(2),
                "  reason: syslog_parse_error (" + DeadLetterReason.SYSLOG_PARSE_ERROR.description() + ")",
                "  stage: decode, service: receivers, attempts: 1, failed_at: " + now.minus(Duration.ofHours(1)),
                "  stream: -, entry_id: -",
                "  message: no PRI",
                "  original.raw_base64: PDE+Z2FyYmFnZQ==",
                "  raw bytes to send again: <1>garbage",
                lines.get(lines.size() - 2));
        assertThat(lines.get(lines.size() - 2)).startsWith("  replayable: no, reason syslog_parse_error (stage decode):"
                + " the letter holds raw input");
        assertThat(lines.get(lines.size() - 1)).startsWith(unreadable(3));

        Run missing = tool("show", "0-1");
        assertThat(missing.exitStatus()).isEqualTo(1);
        assertThat(missing.lines()).containsExactly("0-1 not found in " + dlq);
    }

    @Test
    void replayMovesWhatTheContractAcceptsRefusesTheRestAndSaysSoToTheLetter() {
        Run dryRun = tool("replay", "--all", "--dry-run");
        assertThat(dryRun.lines()).containsExactly(
                ids.get(0) + " would be replayed onto " + stream,
                ids.get(1) + " would be replayed onto " + stream,
                tool("show", ids.get(2)).lines().stream().filter(l -> l.startsWith("  replayable: no, ")).findFirst()
                        .map(l -> ids.get(2) + " refused: " + l.substring("  replayable: no, ".length())).orElseThrow(),
                tool("list", ids.get(3)).lines().get(0),
                "2 dead letter(s) would be replayed, 2 refused (syslog_parse_error 1, unreadable 1), 0 not found; "
                        + dlq + " -> " + stream);
        assertThat(dryRun.exitStatus()).as("refused letters").isEqualTo(1);
        assertThat(redis.client().xlen(dlq)).as("a dry run changes nothing").isEqualTo(4);
        assertThat(redis.client().exists(stream)).isFalse();

        Run first = tool("replay", "--all", "--reason", "index_rejected", "--count", "1");
        assertThat(first.exitStatus()).as(first.out()).isZero();
        assertThat(first.lines()).hasSize(2);
        assertThat(first.lines().get(0)).startsWith(ids.get(0) + " replayed onto " + stream + " as ");
        assertThat(first.lines().get(1)).isEqualTo("1 dead letter(s) replayed, 0 refused, 0 not found; " + dlq
                + " -> " + stream);
        var replayed = redis.client().xrange(stream, "-", "+");
        assertThat(replayed).singleElement().satisfies(e -> {
            assertThat(e.getFields()).as("the original entry, its event ID included").isEqualTo(originals.get(0));
            assertThat(first.lines().get(0)).endsWith(" as " + e.getID());
        });

        Run again = tool("replay", ids.get(0), ids.get(1));
        assertThat(again.lines()).containsExactly(ids.get(0) + " not found in " + dlq,
                again.lines().get(1), "1 dead letter(s) replayed, 0 refused, 1 not found; " + dlq + " -> " + stream);
        assertThat(again.lines().get(1)).startsWith(ids.get(1) + " replayed onto " + stream + " as ");
        assertThat(again.exitStatus()).as("a letter not found").isEqualTo(1);
        assertThat(redis.client().xrange(stream, "-", "+")).extracting(e -> e.getFields())
                .containsExactly(originals.get(0), originals.get(1));
        assertThat(redis.client().xrange(dlq, "-", "+")).extracting(e -> e.getID().toString())
                .containsExactly(ids.get(2), ids.get(3));
    }

    @Test
    void aPacedReplayTakesItsTimeAndAPageBoundaryLosesNoLetter() {
        redis.client().del(dlq);
        ids.clear();
        int letters = 1203; // more than two pages of 500
        Pipeline pipeline = redis.client().pipelined();
        for (int i = 0; i < letters; i++) {
            pipeline.xadd(dlq, StreamEntryID.NEW_ENTRY, DeadLetterCodec.toEntry(DeadLetter.ofEntry(stream, "1-" + i,
                    logEntry("p" + i), Stage.BULK_INDEX, DeadLetterReason.INDEX_REJECTED, "mapping", 1, "log-worker")));
        }
        pipeline.sync();

        assertThat(tool("list", "--all").lines()).hasSize(letters + 1).last()
                .isEqualTo(letters + " dead letter(s) in " + dlq);
        assertThat(tool("list").lines()).as("list shows the first 100 by default").hasSize(101);
        assertThat(tool("list", "--count", "501").lines()).hasSize(502);
        assertThat(tool("purge", "--all", "--count", "500", "--dry-run").lines()).hasSize(501).last()
                .isEqualTo("500 dead letter(s) would be deleted from " + dlq);

        long started = System.nanoTime();
        Run paced = tool("replay", "--all", "--count", "5", "--rate", "8");
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertThat(paced.lines()).last().isEqualTo("5 dead letter(s) replayed, 0 refused, 0 not found; " + dlq
                + " -> " + stream);
        assertThat(took).as("5 letters at 8 a second: the 5th is due 0.5 s after the first")
                .isGreaterThanOrEqualTo(Duration.ofMillis(500));
        assertThat(redis.client().xlen(stream)).isEqualTo(5);
        assertThat(redis.client().xlen(dlq)).isEqualTo(letters - 5);
    }

    @Test
    void purgeDeletesWhatIsChosenAndADryRunNothing() {
        Run dryRun = tool("purge", "--all", "--reason", "syslog_parse_error", "--dry-run");
        assertThat(dryRun.lines()).containsExactly(ids.get(2) + " would be deleted",
                "1 dead letter(s) would be deleted from " + dlq + " with reason syslog_parse_error");
        assertThat(redis.client().xlen(dlq)).isEqualTo(4);

        Run purge = tool("purge", "--all", "--reason", "syslog_parse_error");
        assertThat(purge.exitStatus()).isZero();
        assertThat(purge.lines()).containsExactly("1 dead letter(s) deleted from " + dlq
                + " with reason syslog_parse_error");
        assertThat(redis.client().xrange(dlq, "-", "+")).extracting(e -> e.getID().toString())
                .containsExactly(ids.get(0), ids.get(1), ids.get(3));

        Run byId = tool("purge", ids.get(3), "0-1");
        assertThat(byId.exitStatus()).as("an ID not found").isEqualTo(1);
        assertThat(byId.lines()).containsExactly("0-1 not found in " + dlq, "1 dead letter(s) deleted from " + dlq);
        assertThat(redis.client().xlen(dlq)).isEqualTo(2);
    }

    @Test
    void aWrongCommandLineIsNamedOnOneLineWithExitTwoAndChangesNothing() {
        for (String[] line : List.of(new String[] {"list", "--count", "0"},
                new String[] {"replay", ids.get(0), "--all"},
                new String[] {"replay"},
                new String[] {"replay", "--all", "--rate", "0"},
                new String[] {"purge"})) {
            Run run = tool(line);
            assertThat(run.exitStatus()).as(String.join(" ", line)).isEqualTo(2);
            assertThat(run.err().lines().toList()).as(String.join(" ", line)).singleElement()
                    .satisfies(l -> assertThat(l).startsWith("dlq: ").endsWith("(see ./killkrill dlq --help)"));
        }
        assertThat(redis.client().xlen(dlq)).isEqualTo(4);
        assertThat(redis.client().exists(stream)).isFalse();
    }
}
