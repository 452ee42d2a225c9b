package io.killkrill.stream;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Entries delivered to this consumer together, in stream order.
 *
 * <p>While a batch is in flight the consumer re-claims its entries periodically (XCLAIM JUSTID, which neither
 * counts a delivery nor loads the payload): that keeps other consumers from claiming entries whose owner is alive
 * and merely waiting for its store, and it confirms which entries are still pending for this consumer.
 * {@link #heldWithin} gives a sink that must not apply an entry twice (the metrics-worker) that confirmation.
 */
public final class Batch {
    private final List<StreamRecord> records;
    private final boolean contiguous;
    private volatile Set<String> held;
    private volatile long heldConfirmedAtNanos;

    /**
     * @param contiguous the records are every entry of the stream from the first to the last ID (a read of new
     *                   entries); false for redelivered entries, which may have gaps
     */
    public Batch(List<StreamRecord> records, boolean contiguous) {
        this.records = List.copyOf(records);
        this.contiguous = contiguous;
        this.held = ids(this.records);
        this.heldConfirmedAtNanos = System.nanoTime();
    }

    public List<StreamRecord> records() {
        return records;
    }

    public boolean contiguous() {
        return contiguous;
    }

    public int size() {
        return records.size();
    }

    public boolean isEmpty() {
        return records.isEmpty();
    }

    /** This batch without the entries not in {@code ids} (contiguous only if none is dropped). */
    Batch only(Set<String> ids) {
        List<StreamRecord> kept = records.stream().filter(r -> ids.contains(r.id())).toList();
        return kept.size() == records.size() ? this : new Batch(kept, false);
    }

    /**
     * The IDs of this batch's entries that Redis confirmed as pending for this consumer at most {@code maxAge}
     * ago; empty when the last confirmation is older (Redis unreachable). An entry confirmed pending at time t was
     * acknowledged by nobody before t.
     */
    public Optional<Set<String>> heldWithin(Duration maxAge) {
        long confirmedAt = heldConfirmedAtNanos;
        if (System.nanoTime() - confirmedAt > maxAge.toNanos()) {
            return Optional.empty();
        }
        return Optional.of(held);
    }

    void confirmHeld(Set<String> stillHeld, long confirmedAtNanos) {
        this.held = Set.copyOf(stillHeld);
        this.heldConfirmedAtNanos = confirmedAtNanos;
    }

    private static Set<String> ids(List<StreamRecord> records) {
        Set<String> ids = new LinkedHashSet<>();
        records.forEach(r -> ids.add(r.id()));
        return Set.copyOf(ids);
    }
}
