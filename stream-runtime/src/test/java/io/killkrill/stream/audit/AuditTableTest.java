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

/** The reconciliation rule of a minute, the table's verdict and the audit command line. */
class AuditTableTest {
    private static final long MINUTE = 29_000_000L;
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-01T10:30:20Z"), ZoneOffset.UTC);

    @Test
    void aMinuteReconcilesWhenNothingIsMissingAndNothingUnexpected() {
        assertThat(new AuditTable.Row(MINUTE, 10, 7, 2, 1).reconciled()).as("exact").isTrue();
        assertThat(new AuditTable.Row(MINUTE, 10, 8, 2, 1).reconciled())
                .as("an item indexed and still pending counts twice for a moment").isTrue();
        AuditTable.Row missing = new AuditTable.Row(MINUTE, 10, 6, 2, 1);
        assertThat(missing.reconciled()).isFalse();
        assertThat(missing.missing()).isEqualTo(1);
        AuditTable.Row unexpected = new AuditTable.Row(MINUTE, 10, 9, 2, 0);
        assertThat(unexpected.reconciled()).isFalse();
        assertThat(unexpected.unexpected()).isEqualTo(1);
        assertThat(new AuditTable.Row(MINUTE, 0, 0, 0, 0).reconciled()).isTrue();
    }

    @Test
    void theTableNamesTheMinutesThatDoNotReconcile() {
        AuditTable table = new AuditTable("logs", "indexed", List.of(new AuditTable.Row(MINUTE, 10, 10, 0, 0),
                new AuditTable.Row(MINUTE + 1, 0, 0, 0, 0), new AuditTable.Row(MINUTE + 2, 5, 2, 0, 0)));
        assertThat(table.unreconciled()).extracting(AuditTable.Row::epochMinute).containsExactly(MINUTE + 2);
        String text = table.render();
        assertThat(text).contains("2025-02-19T21:22").contains("MISSING 3").contains("1 of 2 minutes do not reconcile")
                .doesNotContain("2025-02-19T21:21");
    }

    /** A minute with more stored than accepted has nothing missing (0): it says UNEXPECTED, never "MISSING 0". */
    @Test
    void aMinuteWithMoreStoredThanAcceptedIsShownAsUnexpected() {
        String text = new AuditTable("logs", "indexed", List.of(new AuditTable.Row(MINUTE, 10, 11, 1, 0))).render();

        assertThat(text).contains("UNEXPECTED 2").doesNotContain("MISSING");
    }

    @Test
    void theCommandLineTakesDurationsAndTimesAndRefusesNonsenseWithOneLine() {
        AuditCommand.Range range = AuditCommand.parse(new String[]{"--since", "1h", "--service", "api"}, CLOCK);
        assertThat(range.fromMinute()).isEqualTo(Instant.parse("2026-12-01T09:30:00Z").getEpochSecond() / 60);
        assertThat(range.toMinute()).as("the minute holding --until is included")
                .isEqualTo(Instant.parse("2026-12-01T10:31:00Z").getEpochSecond() / 60);
        assertThat(range.service()).contains("api");
        assertThat(AuditCommand.parse(new String[]{"--since", "2026-12-01T10:00:00Z", "--until", "10m"}, CLOCK)
                .toMinute()).isEqualTo(Instant.parse("2026-12-01T10:21:00Z").getEpochSecond() / 60);
        assertThatThrownBy(() -> AuditCommand.parse(new String[]{"--until", "5m"}, CLOCK))
                .hasMessageContaining("--since is required");
        assertThatThrownBy(() -> AuditCommand.parse(new String[]{"--since", "yesterday"}, CLOCK))
                .hasMessageContaining("--since must be a duration").hasMessageContaining("yesterday");
        assertThatThrownBy(() -> AuditCommand.parse(new String[]{"--since", "5m", "--until", "1h"}, CLOCK))
                .hasMessageContaining("before --until");

        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = AuditCommand.run("audit", new String[]{"--sinse", "1h"}, CLOCK, range1 -> {
            throw new AssertionError("not run");
        }, new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(status).isEqualTo(AuditCommand.EXIT_USAGE);
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("audit: unknown option --sinse\n");
    }

    @Test
    void theExitStatusSaysWhetherEveryMinuteReconciledOrAStoreFailed() {
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        String[] args = {"--since", "1h"};
        assertThat(AuditCommand.run("audit", args, CLOCK, r -> new AuditTable("logs", "indexed",
                List.of(new AuditTable.Row(MINUTE, 3, 3, 0, 0))), quiet, quiet)).isZero();
        assertThat(AuditCommand.run("audit", args, CLOCK, r -> new AuditTable("logs", "indexed",
                List.of(new AuditTable.Row(MINUTE, 3, 2, 0, 0))), quiet, quiet)).isEqualTo(1);
        assertThat(AuditCommand.run("audit", args, CLOCK, r -> {
            throw new java.io.IOException("connection refused");
        }, quiet, quiet)).isEqualTo(AuditCommand.EXIT_STORE_FAILED);
    }
}
