package io.killkrill.metricsworker.stream;

import io.killkrill.model.DeadLetter;

import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * Where a worker's entries come from and where their outcomes go. Lifecycle per batch: {@link #poll} ->
 * the worker makes every entry final (stored or dead-lettered) -> {@link #settle}. An entry that is polled
 * and never settled stays pending and is delivered again (to this or another worker) once it has been idle
 * for the claim time; so a worker must tolerate seeing an entry twice.
 */
public interface EntrySource extends AutoCloseable {

    /**
     * One polled batch.
     *
     * @param entries    in stream order
     * @param wholeRange the entries are every entry of the stream from the first to the last (new entries, read
     *                   in one go); false for entries claimed from other consumers, which may have gaps
     */
    record Batch(List<SourceEntry> entries, boolean wholeRange) {
        public static final Batch EMPTY = new Batch(List.of(), false);

        public Batch {
            entries = List.copyOf(Objects.requireNonNull(entries, "entries"));
        }

        public boolean isEmpty() {
            return entries.isEmpty();
        }
    }

    /** The next batch: entries reclaimed from consumers idle too long, else new ones; empty after the read block. */
    Batch poll();

    /**
     * Writes the dead letters and acknowledges {@code acknowledged} (which includes the dead-lettered entries)
     * atomically: either all happen or none.
     */
    void settle(Collection<String> acknowledged, List<DeadLetter> deadLetters);

    /** Whether an entry with an ID in [{@code firstId}, {@code lastId}] is delivered and not yet acknowledged. */
    boolean anyPending(String firstId, String lastId);

    /** The stream this source reads, as dead letters name it. */
    String streamName();

    /** Whether the backing store answers now. */
    boolean isReachable();

    @Override
    void close();
}
