package io.killkrill.stream.audit;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code killkrill audit}'s command line to the character: what each option takes, the line a mistake gets, what
 * is printed for each outcome and the exit status that goes with it.
 */
class AuditCommandTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-01T10:30:20Z"), ZoneOffset.UTC);
    private static final long NOW_MINUTE = Instant.parse("2026-12-01T10:30:00Z").getEpochSecond() / 60;

    private record Run(int status, String out, String err) {
    }

    private static Run run(AuditCommand.Audit audit, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = AuditCommand.run("audit", args, CLOCK, audit, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static AuditTable table(long accepted, long stored) {
        return new AuditTable("logs", "indexed", List.of(new AuditTable.Row(NOW_MINUTE, accepted, stored, 0, 0)));
    }

    @Test
    void theRangeRunsFromTheMinuteOfSinceToTheMinuteOfUntilIncluded() {
        AuditCommand.Range range = AuditCommand.parse(new String[]{"--since", "1m"}, CLOCK);
        assertThat(range.fromMinute()).isEqualTo(NOW_MINUTE - 1);
        assertThat(range.toMinute()).isEqualTo(NOW_MINUTE + 1);
        assertThat(range.service()).isEmpty();
        AuditCommand.Range metrics = AuditCommand.parse(new String[]{"--stream", "metrics", "--since", "2m",
                "--stream", "logs"}, CLOCK);
        assertThat(metrics.fromMinute()).isEqualTo(NOW_MINUTE - 2);
    }

    @Test
    void eachMistakeGetsOneLineNamingItAndExitTwoWithoutRunningTheAudit() {
        AuditCommand.Audit never = range -> {
            throw new AssertionError("the audit must not run");
        };
        assertThat(run(never, "--since")).isEqualTo(new Run(2, "", "audit: --since needs a value\n"));
        assertThat(run(never, "--since", "1h", "--service")).isEqualTo(new Run(2, "", "audit: --service needs a value\n"));
        assertThat(run(never, "--since", "1h", "--stream", "traces")).isEqualTo(new Run(2, "",
                "audit: --stream must be logs or metrics, got 'traces'\n"));
        assertThat(run(never, "--since", "1h", "--until", "1h")).isEqualTo(new Run(2, "",
                "audit: --since must be before --until\n"));
        assertThat(run(never, "--help").err()).startsWith("audit: usage: killkrill audit --since 1h");
        assertThat(run(never, "-h").status()).isEqualTo(2);
        assertThatThrownBy(() -> AuditCommand.parse(new String[]{"--since", "9d"}, CLOCK))
                .hasMessage("--since must be a duration back from now (30m, 1h, 2d) or an RFC 3339 time, got '9d'");
    }

    @Test
    void eachOutcomeIsPrintedWithItsExitStatus() {
        AuditTable reconciled = table(3, 3);
        assertThat(run(range -> reconciled, "--since", "1h")).isEqualTo(new Run(0, reconciled.render(), ""));

        AuditTable short1 = table(3, 2);
        assertThat(run(range -> short1, "--since", "1h")).isEqualTo(new Run(1, short1.render()
                + "  to find the missing event IDs of a minute, see docs/operations.md (Audit)\n", ""));

        assertThat(run(range -> {
            throw new IllegalArgumentException("no such index");
        }, "--since", "1h")).isEqualTo(new Run(2, "", "audit: no such index\n"));
        assertThat(run(range -> {
            throw new java.io.IOException("connection refused");
        }, "--since", "1h")).isEqualTo(new Run(3, "", "audit: could not read a store: java.io.IOException: "
                + "connection refused\n"));

        Run interrupted = run(range -> {
            throw new InterruptedException();
        }, "--since", "1h");
        assertThat(Thread.interrupted()).as("the interrupt is kept for the caller").isTrue();
        assertThat(interrupted).isEqualTo(new Run(3, "", "audit: interrupted\n"));
    }

    @Test
    void theVerdictLineAddsUpTheAcceptedOfEveryMinute() {
        AuditTable table = new AuditTable("logs", "indexed", List.of(new AuditTable.Row(NOW_MINUTE, 3, 3, 0, 0),
                new AuditTable.Row(NOW_MINUTE + 1, 4, 3, 1, 0)));
        assertThat(table.render()).endsWith("  every minute reconciled (7 accepted)\n");
        assertThat(table.render().lines()).hasSize(5);
    }
}
