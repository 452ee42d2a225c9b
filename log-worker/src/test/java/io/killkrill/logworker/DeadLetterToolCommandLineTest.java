package io.killkrill.logworker;

import io.killkrill.config.StreamNames;
import io.killkrill.model.DeadLetter;
import io.killkrill.model.DeadLetterReason;
import io.killkrill.model.IngestContext;
import io.killkrill.model.Json;
import io.killkrill.model.LogEvent;
import io.killkrill.model.LogEventCodec;
import io.killkrill.model.MetricSample;
import io.killkrill.model.MetricSampleCodec;
import io.killkrill.model.Source;
import io.killkrill.model.Stage;
import io.killkrill.model.Validated;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import redis.clients.jedis.JedisPooled;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dead-letter tool's command line (issue 14): {@code --count x} died with an uncaught NumberFormatException.
 * Every bad command line is now exit 2 with exactly one line on stderr naming the option, and nothing on stdout;
 * none of these reach Redis (the tool points at a closed port, so a command that did would fail with exit 1).
 */
class DeadLetterToolCommandLineTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        try (JedisPooled closed = new JedisPooled("redis://127.0.0.1:1")) {
            return new DeadLetterTool(closed, StreamNames.defaults(), new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8), Clock.systemUTC()).run(args);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"list --count x", "replay --all --count x", "replay --all --rate fast",
            "replay --all --rate 0", "replay --all --since yesterday", "list --bogus", "frobnicate", "",
            "replay", "purge", "replay 1-0 --all", "list 1-0 --reason index_rejected", "purge 1-0 --since 1h", "show", "list --count 0", "list --stream traces",
            "replay --all --stream", "show 1-0 --stream LOGS"})
    void aBadCommandLineIsOneLineAndExitTwo(String line) {
        int status = run(line.isEmpty() ? new String[0] : line.split(" "));

        String errors = err.toString(StandardCharsets.UTF_8);
        assertThat(status).as("exit status of '%s'; stderr: %s", line, errors).isEqualTo(2);
        assertThat(errors.lines()).as("stderr of '%s'", line).hasSize(1)
                .allSatisfy(l -> assertThat(l).startsWith("dlq: ").doesNotContain("Exception"));
        assertThat(out.toString(StandardCharsets.UTF_8)).as("stdout of '%s'", line).isEmpty();
    }

    @Test
    void theCountOptionNamesItsBadValue() {
        run("list", "--count", "x");

        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--count").contains("'x'");
    }

    @Test
    void redisUnreachableIsOneLineAndExitOne() {
        int status = run("list");

        assertThat(status).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8).lines()).hasSize(1).first().asString()
                .startsWith("dlq: list failed: ");
    }

    /** {@code run} is {@code main}'s exit status: a bad setting is status 2 before any Redis client exists. */
    @Test
    void aBadSettingIsExitTwoNamingTheVariableBeforeRedisIsAsked() {
        PrintStream stdout = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream stderr = new PrintStream(err, true, StandardCharsets.UTF_8);

        int status = DeadLetterTool.run(Map.of("KILLKRILL_SHUTDOWN_GRACE", "soon"), stdout, stderr, "list");

        assertThat(status).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("dlq: refusing to start")
                .contains("KILLKRILL_SHUTDOWN_GRACE").doesNotContain("list failed");
        assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    /** Sharded streams: the tool works on one shard's keys, and says how to name them, before Redis is asked. */
    @Test
    void shardedStreamsAreExitTwoNamingOneShardsKeys() {
        PrintStream stdout = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream stderr = new PrintStream(err, true, StandardCharsets.UTF_8);

        int status = DeadLetterTool.run(Map.of("KILLKRILL_STREAM_SHARDS", "4"), stdout, stderr, "list");

        assertThat(status).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("dlq: KILLKRILL_STREAM_SHARDS=4")
                .contains("KILLKRILL_LOGS_DLQ='logs-dlq{0}'").doesNotContain("list failed");
        assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void helpListsTheCommands() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("list", "show", "replay", "purge");
    }

    @Test
    void aLetterOfRawInputIsRefusedNamingItsReasonWhateverTheStream() {
        DeadLetter raw = new DeadLetter(Map.of("raw_base64", "PDE+Z2FyYmFnZQ==", "peer", "10.0.0.1:5"),
                Optional.empty(), Optional.empty(), Stage.DECODE, DeadLetterReason.SYSLOG_PARSE_ERROR, "no PRI", 1,
                "receivers", Instant.EPOCH, Map.of());

        for (DeadLetterStream stream : DeadLetterStream.values()) {
            assertThat(DeadLetterTool.refusal(raw, stream)).get().asString()
                    .contains("reason syslog_parse_error (stage decode)", "raw_base64", "never became a stream entry",
                            "no parser");
        }
        assertThat(DeadLetterTool.rawBytes(raw)).contains("<1>garbage");
    }

    /**
     * The contract decides, not the reason: each letter here says max_deliveries_exceeded, and each stream's own
     * codec accepts its entry, refuses the other stream's and one of another schema version, in its own words.
     */
    @ParameterizedTest
    @EnumSource(DeadLetterStream.class)
    void aLetterHoldingAnEntryIsReplayedOnlyIfItsStreamsCodecAcceptsIt(DeadLetterStream stream) throws Exception {
        IngestContext context = IngestContext.now(Source.http("10.0.0.1:1"));
        Map<String, String> logEntry = LogEventCodec.toEntry(((Validated.Valid<LogEvent>) LogEventCodec.fromInput(
                Json.MAPPER.readTree("{\"message\":\"m\",\"service\":\"svc\"}"), context)).value());
        Map<String, String> sampleEntry = MetricSampleCodec.toEntry(((Validated.Valid<MetricSample>)
                MetricSampleCodec.fromInput(Json.MAPPER.readTree("{\"name\":\"up\",\"value\":1}"), context)).value());
        boolean logs = stream == DeadLetterStream.LOGS;

        assertThat(DeadLetterTool.refusal(letter(logs ? logEntry : sampleEntry), stream)).isEmpty();
        assertThat(DeadLetterTool.refusal(letter(logs ? sampleEntry : logEntry), stream)).get().asString()
                .contains("reason max_deliveries_exceeded (stage persist): ",
                        "contract refuses the entry (invalid_event: ", logs ? "message" : "name");
        assertThat(DeadLetterTool.refusal(letter(Map.of("schema_version", "2", "data", "{}")), stream)).get()
                .asString().contains("(unsupported_schema_version: schema_version must be 1, got '2')");
        assertThat(DeadLetterTool.refusal(letter(Map.of("schema_version", "1", "data", "[1]")), stream)).get()
                .asString().contains("(invalid_json: 'data' must be a JSON object)");
    }

    @Test
    void theStreamOptionChoosesTheDeadLetterStream() {
        assertThat(run("list", "--stream", "metrics")).as("Redis is unreachable: the command ran").isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("dlq: list failed: ");
        assertThat(DeadLetterStream.METRICS.deadLetters(StreamNames.defaults())).isEqualTo("metrics-dlq");
        assertThat(DeadLetterStream.METRICS.target(StreamNames.defaults())).isEqualTo("metrics-stream");
        assertThat(DeadLetterStream.LOGS.deadLetters(StreamNames.defaults())).isEqualTo("logs-dlq");
        assertThat(DeadLetterStream.LOGS.target(StreamNames.defaults())).isEqualTo("logs-stream");
    }

    private static DeadLetter letter(Map<String, String> original) {
        return DeadLetter.ofEntry("some-stream", "1-0", original, Stage.PERSIST,
                DeadLetterReason.MAX_DELIVERIES_EXCEEDED, "m", 5, "worker");
    }

    @Test
    void rawBytesShowPrintableAsciiAsIsAndEveryOtherByteAndTheBackslashEscaped() {
        byte[] bytes = {0x1f, 0x20, 'a', 0x7e, 0x7f, '\\', (byte) 0xff};
        DeadLetter raw = new DeadLetter(Map.of("raw_base64", java.util.Base64.getEncoder().encodeToString(bytes)),
                Optional.empty(), Optional.empty(), Stage.DECODE, DeadLetterReason.SYSLOG_PARSE_ERROR, "m", 1,
                "receivers", Instant.EPOCH, Map.of());

        assertThat(DeadLetterTool.rawBytes(raw)).contains("\\x1f a~\\x7f\\x5c\\xff");
        assertThat(DeadLetterTool.rawBytes(letter(Map.of("data", "{}")))).as("no raw input").isEmpty();
        assertThat(DeadLetterTool.rawBytes(new DeadLetter(Map.of("raw_base64", "not base64!"), Optional.empty(),
                Optional.empty(), Stage.DECODE, DeadLetterReason.SYSLOG_PARSE_ERROR, "m", 1, "receivers",
                Instant.EPOCH, Map.of()))).isEmpty();
    }

    @Test
    void aCountOfOneIsAcceptedAndTheCommandRuns() {
        assertThat(run("list", "--count", "1")).as("Redis is unreachable: the command ran").isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("dlq: list failed: ");
    }

    @Test
    void sinceIsAnRfc3339TimeOrADurationBackFromNow() {
        DeadLetterTool.SinceConverter since = new DeadLetterTool.SinceConverter();

        assertThat(since.convert("2026-01-02T03:04:05Z")).isEqualTo(Instant.parse("2026-01-02T03:04:05Z"));
        Instant anHourAgo = since.convert("1h");
        assertThat(anHourAgo).isBetween(Instant.now().minusSeconds(3600 + 60), Instant.now().minusSeconds(3600 - 60));
    }
}
