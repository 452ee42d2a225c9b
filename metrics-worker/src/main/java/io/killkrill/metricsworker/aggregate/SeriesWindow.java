package io.killkrill.metricsworker.aggregate;

import java.time.Instant;
import java.util.Comparator;
import java.util.Objects;

/**
 * One series (metric name + canonical label text) in one tumbling window: the key of a stored aggregate.
 *
 * @param labels canonical label text, see {@link LabelSets#canonical}
 */
public record SeriesWindow(String name, String labels, int windowSeconds, Instant windowStart)
        implements Comparable<SeriesWindow> {
    private static final Comparator<SeriesWindow> ORDER = Comparator.comparing(SeriesWindow::name)
            .thenComparing(SeriesWindow::labels).thenComparingInt(SeriesWindow::windowSeconds)
            .thenComparing(SeriesWindow::windowStart, Comparator.naturalOrder());

    public SeriesWindow {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(labels, "labels");
        Objects.requireNonNull(windowStart, "windowStart");
    }

    /** The epoch-aligned window of {@code windowSeconds} holding {@code timestamp}. */
    public static Instant windowStart(Instant timestamp, int windowSeconds) {
        long sizeMillis = windowSeconds * 1000L;
        return Instant.ofEpochMilli(Math.floorDiv(timestamp.toEpochMilli(), sizeMillis) * sizeMillis);
    }

    @Override
    public int compareTo(SeriesWindow other) {
        return ORDER.compare(this, other);
    }
}
