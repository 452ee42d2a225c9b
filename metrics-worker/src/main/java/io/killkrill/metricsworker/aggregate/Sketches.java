package io.killkrill.metricsworker.aggregate;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.DDSketches;
import com.datadoghq.sketch.ddsketch.encoding.ByteArrayInput;
import com.datadoghq.sketch.ddsketch.encoding.GrowingByteArrayOutput;
import com.datadoghq.sketch.ddsketch.store.UnboundedSizeDenseStore;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * DDSketch with 1% relative accuracy, stored in DDSketch's own binary encoding (which carries the index
 * mapping, so a stored sketch decodes and merges without knowing how it was built).
 */
public final class Sketches {
    public static final double RELATIVE_ACCURACY = 0.01;

    /** The largest magnitude the sketch's index mapping tracks; {@code accept} throws beyond it. */
    public static final double MAX_TRACKED = empty().getIndexMapping().maxIndexableValue();

    private Sketches() {
    }

    /** Whether the sketch can take {@code value} (smaller magnitudes than its least one count as zero). */
    public static boolean tracks(double value) {
        return Double.isFinite(value) && Math.abs(value) <= MAX_TRACKED;
    }

    public static DDSketch empty() {
        return DDSketches.unboundedDense(RELATIVE_ACCURACY);
    }

    public static byte[] encode(DDSketch sketch) {
        GrowingByteArrayOutput out = GrowingByteArrayOutput.withDefaultInitialCapacity();
        try {
            sketch.encode(out, false);
        } catch (IOException e) {
            throw new UncheckedIOException("encoding a sketch in memory cannot fail", e);
        }
        return out.trimmedCopy();
    }

    /** Decodes a stored sketch; an empty array is an empty sketch. */
    public static DDSketch decode(byte[] encoded) {
        if (encoded.length == 0) {
            return empty();
        }
        try {
            return DDSketch.decode(ByteArrayInput.wrap(encoded), UnboundedSizeDenseStore::new);
        } catch (IOException e) {
            throw new IllegalStateException("stored sketch is corrupt: " + e.getMessage(), e);
        }
    }
}
