package io.killkrill.metricsworker.aggregate;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The samples of a counter window, kept so that merging the window's parts in any order gives the increase its
 * samples give together: the increase is the sum of {@link CounterIncrease#between} of time-ordered neighbours,
 * and a part merged later can land anywhere in time among the samples merged before (two replicas commit
 * batches in either order), so no sample can be dropped in advance. Samples are ordered by time, ties by value,
 * so the order of merging never changes the order of samples.
 *
 * <p>Bounded: past {@link #MAX_POINTS} samples in one window (a sample every 120 ms for a minute) the earliest
 * are folded into a stored increase. A sample that arrives later with a time within the folded ones cannot be
 * placed among them; it is counted from the earliest kept sample on and reported as {@linkplain
 * Merged#outOfPlace() out of place}. A sender that sends in time order never causes that.
 */
public final class CounterPoints {
    public static final int MAX_POINTS = 512;
    private static final long NOT_FOLDED = Long.MIN_VALUE;
    private static final int HEADER = Double.BYTES + Long.BYTES;
    private static final Comparator<Point> ORDER = Comparator.comparingLong(Point::micros)
            .thenComparingDouble(Point::value);

    private final double foldedIncrease;
    private final long foldedUntil;
    private final List<Point> points;

    /** A sample at epoch microseconds. */
    public record Point(long micros, double value) {
        public static Point of(Instant timestamp, double value) {
            return new Point(Math.addExact(Math.multiplyExact(timestamp.getEpochSecond(), 1_000_000L),
                    timestamp.getNano() / 1_000), value);
        }
    }

    /** The union of two parts, and how many samples of the second landed among folded ones. */
    public record Merged(CounterPoints points, int outOfPlace) {
    }

    private CounterPoints(double foldedIncrease, long foldedUntil, List<Point> points) {
        this.foldedIncrease = foldedIncrease;
        this.foldedUntil = foldedUntil;
        this.points = points;
    }

    public static CounterPoints empty() {
        return new CounterPoints(0, NOT_FOLDED, List.of());
    }

    /** The samples of one part, in any order. */
    public static CounterPoints of(List<Point> samples) {
        List<Point> ordered = new ArrayList<>(samples);
        ordered.sort(ORDER);
        return fold(0, NOT_FOLDED, ordered);
    }

    /** This part's samples with {@code other}'s. */
    public Merged merge(CounterPoints other) {
        long until = Math.max(foldedUntil, other.foldedUntil);
        List<Point> union = new ArrayList<>(points.size() + other.points.size());
        int outOfPlace = 0;
        for (Point p : points) {
            if (p.micros() < until) {
                outOfPlace++;
            }
            union.add(p);
        }
        for (Point p : other.points) {
            if (p.micros() < until) {
                outOfPlace++;
            }
            union.add(p);
        }
        union.sort(ORDER);
        return new Merged(fold(foldedIncrease + other.foldedIncrease, until, union), outOfPlace);
    }

    /** The increase: over the samples in order, resets detected, plus what was folded. */
    public double increase() {
        double increase = foldedIncrease;
        for (int i = 1; i < points.size(); i++) {
            increase += CounterIncrease.between(points.get(i - 1).value(), points.get(i).value());
        }
        return increase;
    }

    public int size() {
        return points.size();
    }

    /** Keeps the latest {@link #MAX_POINTS}; the steps among the earlier ones go into the folded increase. */
    private static CounterPoints fold(double foldedIncrease, long foldedUntil, List<Point> ordered) {
        if (ordered.size() <= MAX_POINTS) {
            return new CounterPoints(foldedIncrease, foldedUntil, List.copyOf(ordered));
        }
        int drop = ordered.size() - MAX_POINTS;
        double folded = foldedIncrease;
        for (int i = 1; i <= drop; i++) {
            folded += CounterIncrease.between(ordered.get(i - 1).value(), ordered.get(i).value());
        }
        List<Point> kept = ordered.subList(drop, ordered.size());
        return new CounterPoints(folded, Math.max(foldedUntil, kept.get(0).micros()), List.copyOf(kept));
    }

    /** The stored form: folded increase, folded-until microseconds, then microseconds and value per sample. */
    public byte[] encode() {
        if (points.isEmpty() && foldedUntil == NOT_FOLDED) {
            return new byte[0];
        }
        ByteBuffer out = ByteBuffer.allocate(HEADER + points.size() * (Long.BYTES + Double.BYTES));
        out.putDouble(foldedIncrease).putLong(foldedUntil);
        for (Point p : points) {
            out.putLong(p.micros()).putDouble(p.value());
        }
        return out.array();
    }

    /** Decodes a stored form; an empty array is no sample. */
    public static CounterPoints decode(byte[] encoded) {
        if (encoded.length == 0) {
            return empty();
        }
        if (encoded.length < HEADER || (encoded.length - HEADER) % (Long.BYTES + Double.BYTES) != 0) {
            throw new IllegalStateException("stored counter points are corrupt: " + encoded.length + " bytes");
        }
        ByteBuffer in = ByteBuffer.wrap(encoded);
        double folded = in.getDouble();
        long until = in.getLong();
        List<Point> points = new ArrayList<>();
        while (in.hasRemaining()) {
            points.add(new Point(in.getLong(), in.getDouble()));
        }
        return new CounterPoints(folded, until, List.copyOf(points));
    }
}
