package io.killkrill.metricsworker.stream;

import io.killkrill.model.DeadLetter;

import java.util.Collection;
import java.util.List;

/**
 * Where a worker's entries come from and where their outcomes go. Lifecycle per batch: {@link #poll} ->
 * the worker makes every entry final (stored or dead-lettered) -> {@link #settle}. An entry that is polled
 * and never settled stays pending and is delivered again (to this or another worker) once it has been idle
 * for the claim time; so a worker must tolerate seeing an entry twice.
 */
public interface EntrySource extends AutoCloseable {

    /** The next batch: entries reclaimed from consumers idle too long, else new ones; empty after the read block. */
    List<SourceEntry> poll();

    /**
     * Writes the dead letters and acknowledges {@code acknowledged} (which includes the dead-lettered entries)
     * atomically: either all happen or none.
     */
    void settle(Collection<String> acknowledged, List<DeadLetter> deadLetters);

    /** The stream this source reads, as dead letters name it. */
    String streamName();

    /** Whether the backing store answers now. */
    boolean isReachable();

    @Override
    void close();
}
