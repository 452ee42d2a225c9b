package io.killkrill.stream.audit;

import io.killkrill.model.AuditSlot;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One audit's answer: per minute, what the receivers accepted against what is stored (indexed in
 * Elasticsearch, or counted in PostgreSQL), dead-lettered and still pending.
 *
 * <p>A minute <b>reconciles</b> when stored + dead-lettered &le; accepted &le; stored + dead-lettered + pending.
 * The first bound says nothing is there that was not accepted; the second that nothing accepted is gone. An
 * entry can be counted twice for a moment (indexed but not yet acknowledged, so still pending), which the
 * second bound allows and the first never needs.
 */
public record AuditTable(String what, String storedAs, List<Row> rows) {

    public AuditTable {
        rows = List.copyOf(rows);
    }

    /** One minute. {@code missing} is accepted - stored - dead-lettered - pending, floored at 0. */
    public record Row(long epochMinute, long accepted, long stored, long deadLettered, long pending) {

        public boolean reconciled() {
            return stored + deadLettered <= accepted && accepted <= stored + deadLettered + pending;
        }

        public long missing() {
            return Math.max(0, accepted - stored - deadLettered - pending);
        }

        /** Stored or dead-lettered beyond what was accepted. */
        public long unexpected() {
            return Math.max(0, stored + deadLettered - accepted);
        }

        public Instant start() {
            return AuditSlot.startOf(epochMinute);
        }

        boolean empty() {
            return accepted == 0 && stored == 0 && deadLettered == 0 && pending == 0;
        }
    }

    public List<Row> unreconciled() {
        return rows.stream().filter(r -> !r.reconciled()).toList();
    }

    public boolean reconciled() {
        return unreconciled().isEmpty();
    }

    /** The table as text: one line per minute that saw anything, then a verdict. */
    public String render() {
        List<String> lines = new ArrayList<>();
        lines.add(what + ":");
        lines.add(String.format("  %-17s %10s %10s %10s %10s %10s  %s", "minute (UTC)", "accepted", storedAs,
                "dead", "pending", "missing", "status"));
        long accepted = 0;
        for (Row row : rows) {
            if (row.empty()) {
                continue;
            }
            accepted += row.accepted();
            String status = row.reconciled() ? "ok" : row.missing() > 0 ? "MISSING " + row.missing()
                    : "UNEXPECTED " + row.unexpected();
            lines.add(String.format("  %-17s %10d %10d %10d %10d %10d  %s", row.start().toString().substring(0, 16),
                    row.accepted(), row.stored(), row.deadLettered(), row.pending(), row.missing(), status));
        }
        List<Row> bad = unreconciled();
        lines.add(bad.isEmpty() ? String.format("  every minute reconciled (%d accepted)", accepted)
                : String.format("  %d of %d minutes do not reconcile", bad.size(),
                rows.stream().filter(r -> !r.empty()).count()));
        return String.join("\n", lines) + "\n";
    }
}
