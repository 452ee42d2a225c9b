package io.killkrill.logworker;

import io.killkrill.config.StreamNames;
import io.killkrill.model.DeadLetter;
import io.killkrill.model.DeadLetterReason;
import io.killkrill.model.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
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
            "replay", "purge", "replay 1-0 --all", "show", "list --count 0"})
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

    @Test
    void helpListsTheCommands() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("list", "show", "replay", "purge");
    }

    @Test
    void aDecodeStageLetterIsRefusedNamingItsReasonAndAStreamEntryIsNot() {
        DeadLetter raw = new DeadLetter(Map.of("raw_base64", "PDE+Z2FyYmFnZQ=="), Optional.empty(), Optional.empty(),
                Stage.DECODE, DeadLetterReason.SYSLOG_PARSE_ERROR, "no PRI", 1, "receivers", Instant.EPOCH, Map.of());
        DeadLetter entry = DeadLetter.ofEntry("logs-stream", "1-0", Map.of("schema_version", "1", "data", "{}"),
                Stage.BULK_INDEX, DeadLetterReason.INDEX_REJECTED, "mapping", 1, "log-worker");

        assertThat(DeadLetterTool.refusal(raw)).get().asString().contains("syslog_parse_error", "raw_base64");
        assertThat(DeadLetterTool.refusal(entry)).isEmpty();
    }
}
