package io.killkrill.it.support;

import com.google.protobuf.CodedOutputStream;
import org.xerial.snappy.Snappy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Prometheus remote_write 1.0 bodies as Prometheus sends them: a protobuf {@code WriteRequest} (field numbers of
 * {@code prompb/remote.proto} and {@code types.proto}), snappy-compressed in the block format.
 */
public final class RemoteWriteRequests {
    /** Prometheus' staleness marker, {@code value.StaleNaN}. */
    public static final double STALE_NAN = Double.longBitsToDouble(0x7ff0000000000002L);
    /** The headers Prometheus sends with every write (its Content-Type is the route's media type). */
    public static final String CONTENT_TYPE = "application/x-protobuf";

    public record Sample(double value, long timestampMillis) {
    }

    public record Series(Map<String, String> labels, List<Sample> samples) {
        /** A series named {@code name} with {@code labels} given as name, value, name, value, ... */
        public static Series of(String name, List<Sample> samples, String... labels) {
            Map<String, String> all = new LinkedHashMap<>();
            all.put("__name__", name);
            for (int i = 0; i < labels.length; i += 2) {
                all.put(labels[i], labels[i + 1]);
            }
            return new Series(all, samples);
        }
    }

    private RemoteWriteRequests() {
    }

    /** The uncompressed protobuf {@code WriteRequest}. */
    public static byte[] protobuf(List<Series> series) {
        List<byte[]> encoded = new ArrayList<>();
        for (Series s : series) {
            encoded.add(message(out -> {
                for (Map.Entry<String, String> label : s.labels().entrySet()) {
                    out.writeByteArray(1, message(l -> {
                        l.writeString(1, label.getKey());
                        l.writeString(2, label.getValue());
                    }));
                }
                for (Sample sample : s.samples()) {
                    out.writeByteArray(2, message(v -> {
                        v.writeFixed64(1, Double.doubleToRawLongBits(sample.value()));
                        v.writeInt64(2, sample.timestampMillis());
                    }));
                }
            }));
        }
        return message(out -> {
            for (byte[] s : encoded) {
                out.writeByteArray(1, s);
            }
        });
    }

    /** What Prometheus posts: the {@code WriteRequest}, snappy-compressed. */
    public static byte[] body(List<Series> series) {
        return snappy(protobuf(series));
    }

    public static byte[] snappy(byte[] bytes) {
        try {
            return Snappy.compress(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private interface Fields {
        void write(CodedOutputStream out) throws IOException;
    }

    private static byte[] message(Fields fields) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        try {
            fields.write(out);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
