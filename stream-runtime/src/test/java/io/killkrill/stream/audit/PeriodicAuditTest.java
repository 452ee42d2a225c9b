package io.killkrill.stream.audit;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The periodic audit's gauge: -1 before the first run, the unreconciled minutes after, -1 when a store fails. */
class PeriodicAuditTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-01T10:30:20Z"), ZoneOffset.UTC);

    @Test
    void theGaugeCountsTheMinutesThatDoNotReconcileInTheLastHourUpToTwoMinutesAgo() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        List<AuditCommand.Range> asked = new ArrayList<>();
        List<AuditTable.Row> rows = new ArrayList<>(List.of(new AuditTable.Row(1, 5, 5, 0, 0),
                new AuditTable.Row(2, 5, 3, 0, 0), new AuditTable.Row(3, 5, 4, 0, 0)));
        boolean[] fail = {false};
        try (PeriodicAudit audit = new PeriodicAudit("killkrill.log_worker", range -> {
            asked.add(range);
            if (fail[0]) {
                throw new java.io.IOException("Elasticsearch does not answer");
            }
            return new AuditTable("logs", "indexed", rows);
        }, registry, CLOCK)) {
            var gauge = registry.get("killkrill.log_worker.audit.unreconciled").gauge();
            assertThat(gauge.value()).as("before the first audit").isEqualTo(-1.0);
            audit.runOnce();
            assertThat(gauge.value()).isEqualTo(2.0);
            assertThat(asked.get(0).fromMinute()).isEqualTo(Instant.parse("2026-12-01T09:30:00Z").getEpochSecond() / 60);
            assertThat(asked.get(0).toMinute()).as("up to 2 minutes ago, that minute excluded")
                    .isEqualTo(Instant.parse("2026-12-01T10:28:00Z").getEpochSecond() / 60);
            fail[0] = true;
            audit.runOnce();
            assertThat(gauge.value()).as("a store that cannot be read").isEqualTo(-1.0);
        }
    }

    /** Services keep what {@code start} returns to close it; the audit's thread never holds the JVM up. */
    @Test
    void startSchedulesTheAuditOnADaemonThreadAndReturnsTheAudit() {
        try (PeriodicAudit audit = new PeriodicAudit("killkrill.test", range -> new AuditTable("logs", "indexed",
                List.of()), new SimpleMeterRegistry(), CLOCK)) {
            assertThat(audit.start()).isSameAs(audit);

            assertThat(Thread.getAllStackTraces().keySet()).filteredOn(t -> t.getName().equals("audit"))
                    .as("the scheduler's thread, started by the first schedule").isNotEmpty()
                    .allMatch(Thread::isDaemon);
        }
    }

    /** An audit interrupted (the service stopping) leaves the thread interrupted, and the gauge as it was. */
    @Test
    void anInterruptedAuditKeepsTheInterrupt() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (PeriodicAudit audit = new PeriodicAudit("killkrill.test", range -> {
            throw new InterruptedException("stopping");
        }, registry, CLOCK)) {
            audit.runOnce();

            assertThat(Thread.interrupted()).as("the interrupt is restored (and cleared here)").isTrue();
            assertThat(registry.get("killkrill.test.audit.unreconciled").gauge().value()).isEqualTo(-1.0);
        }
    }
}
