package io.killkrill.receivers.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import io.killkrill.model.FieldError;
import io.killkrill.model.Json;
import io.killkrill.model.Rfc3339;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads a Prometheus remote_write 1.0 {@code WriteRequest} (already snappy-decompressed by the body stage) into
 * metric sample items, one per sample of every series, in body order. The messages read, by field number, as
 * Prometheus' {@code prompb/remote.proto} and {@code types.proto} (Apache License 2.0) define them:
 * <pre>
 * WriteRequest { repeated TimeSeries timeseries = 1; repeated MetricMetadata metadata = 3; }
 * TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2; repeated Exemplar exemplars = 3;
 *                repeated Histogram histograms = 4; }
 * Label        { string name = 1; string value = 2; }
 * Sample       { double value = 1; int64 timestamp = 2; }   // timestamp: epoch milliseconds
 * </pre>
 * Decoded with protobuf-java's {@link CodedInputStream} rather than generated classes: four small messages, and no
 * protoc in an offline build. Unknown fields are skipped, as protobuf requires.
 *
 * <p>Mapping: {@code __name__} is the sample's name, every other label with a non-empty value one of its labels (in
 * Prometheus an empty value is no label); the value is stored as sent; the timestamp becomes the sample's
 * timestamp; a name ending in {@code _total}, {@code _bucket}, {@code _count} or {@code _sum} is a counter, any
 * other a gauge (remote_write 1.0 carries no type with a sample; types come in separate metadata). The contract
 * ({@code MetricSampleCodec}) then decides per sample, so whatever it refuses (a name or label it does not allow, NaN
 * or ±Inf, a timestamp past year 9999) is that sample's rejection. A staleness marker (the NaN
 * {@code 0x7ff0000000000002} Prometheus writes when a series ends), an exemplar and a metadata entry are
 * {@link IngestItem.Dropped}: none is a value the contract can hold, and none is an error. A native histogram and a
 * series whose labels repeat a name are rejections. Bytes that are no {@code WriteRequest} (a wrong wire type for a
 * known field, a truncated message, a string that is not UTF-8) make the whole body malformed.
 */
final class RemoteWriteDecoder {
    /**
     * Heap a sample costs beyond 5 per decompressed byte ({@link BodyReader#HEAP_PER_BODY_BYTE}), instead of
     * {@link BodyDecoderStage#HEAP_PER_ITEM}: protobuf is denser than JSON, so a sample brings more heap per body
     * byte. Measured on 10,000-sample bodies (series of 6 labels; heap retained after decompressing, decoding,
     * validating and encoding the entries): 1.76 KiB per sample beyond 5 per byte with one sample per series (a
     * 1.7 MB body, 26 MB retained), 1.24 KiB with ten; 1 KiB per sample would undercount by up to 40%.
     */
    static final int HEAP_PER_ITEM = 2048;
    /** Prometheus' {@code value.StaleNaN}. */
    static final long STALE_NAN_BITS = 0x7ff0000000000002L;

    private static final int WRITE_REQUEST_TIMESERIES = 1;
    private static final int WRITE_REQUEST_METADATA = 3;
    private static final int SERIES_LABELS = 1;
    private static final int SERIES_SAMPLES = 2;
    private static final int SERIES_EXEMPLARS = 3;
    private static final int SERIES_HISTOGRAMS = 4;

    private RemoteWriteDecoder() {
    }

    /**
     * Why a Content-Type names a message other than the 1.0 {@code WriteRequest}, if it does: remote_write 2.0
     * senders say {@code proto=io.prometheus.write.v2.Request}, and its specification wants a 415 from a receiver
     * that does not take it (read as 1.0, its bytes would be misread, not refused).
     */
    static Optional<String> unsupportedMessage(String contentType) {
        if (contentType == null) {
            return Optional.empty();
        }
        for (String parameter : contentType.split(";")) {
            String[] pair = parameter.trim().split("=", 2);
            if (pair.length == 2 && pair[0].trim().equalsIgnoreCase("proto")) {
                String message = pair[1].trim().replace("\"", "");
                if (!message.equals("prometheus.WriteRequest")) {
                    return Optional.of("remote_write message " + (message.length() > 64 ? message.substring(0, 64) + "..." : message)
                            + " is not supported: send remote_write 1.0 (proto=prometheus.WriteRequest; in "
                            + "prometheus.yml protobuf_message: prometheus.WriteRequest)");
                }
            }
        }
        return Optional.empty();
    }

    static List<IngestItem> decode(byte[] body, int maxItems) throws MalformedBodyException, BodyTooLargeException {
        List<IngestItem> items = new ArrayList<>();
        CodedInputStream in = CodedInputStream.newInstance(body);
        try {
            while (true) {
                int tag = in.readTag();
                if (tag == 0) {
                    return items;
                }
                int field = WireFormat.getTagFieldNumber(tag);
                if (field == WRITE_REQUEST_TIMESERIES) {
                    expectLengthDelimited(tag, "WriteRequest.timeseries");
                    int limit = in.pushLimit(in.readRawVarint32());
                    series(in, items, maxItems);
                    in.popLimit(limit);
                } else if (field == WRITE_REQUEST_METADATA) {
                    expectLengthDelimited(tag, "WriteRequest.metadata");
                    skip(in, tag);
                    add(items, new IngestItem.Dropped(IngestItem.DropReason.METADATA), maxItems);
                } else {
                    skip(in, tag);
                }
            }
        } catch (InvalidProtocolBufferException e) {
            throw new MalformedBodyException("the body is not a protobuf remote_write WriteRequest: "
                    + e.getMessage());
        } catch (IOException e) {
            throw new MalformedBodyException("the body is not a protobuf remote_write WriteRequest: " + e);
        }
    }

    private record Sample(long valueBits, long timestamp) {
    }

    private static void series(CodedInputStream in, List<IngestItem> items, int maxItems)
            throws IOException, MalformedBodyException, BodyTooLargeException {
        String name = null;
        ObjectNode labels = Json.MAPPER.createObjectNode();
        String repeated = null;
        List<Sample> samples = new ArrayList<>();
        int histograms = 0;
        int exemplars = 0;
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            int field = WireFormat.getTagFieldNumber(tag);
            if (field == SERIES_LABELS) {
                expectLengthDelimited(tag, "TimeSeries.labels");
                int limit = in.pushLimit(in.readRawVarint32());
                String[] label = label(in);
                in.popLimit(limit);
                boolean seen = label[0].equals("__name__") ? name != null : labels.has(label[0]);
                if (seen && repeated == null) {
                    repeated = label[0];
                }
                if (label[0].equals("__name__")) {
                    name = label[1];
                } else if (!label[1].isEmpty()) {
                    labels.put(label[0], label[1]);
                }
            } else if (field == SERIES_SAMPLES) {
                expectLengthDelimited(tag, "TimeSeries.samples");
                int limit = in.pushLimit(in.readRawVarint32());
                samples.add(sample(in));
                in.popLimit(limit);
                if (items.size() + samples.size() + histograms + exemplars > maxItems) {
                    throw tooMany(maxItems);
                }
            } else if (field == SERIES_EXEMPLARS || field == SERIES_HISTOGRAMS) {
                expectLengthDelimited(tag, field == SERIES_EXEMPLARS ? "TimeSeries.exemplars"
                        : "TimeSeries.histograms");
                skip(in, tag);
                if (field == SERIES_EXEMPLARS) {
                    exemplars++;
                } else {
                    histograms++;
                }
            } else {
                skip(in, tag);
            }
        }
        for (Sample sample : samples) {
            if (sample.valueBits() == STALE_NAN_BITS) {
                add(items, new IngestItem.Dropped(IngestItem.DropReason.STALE_MARKER), maxItems);
            } else if (repeated != null) {
                add(items, new IngestItem.Unreadable(List.of(new FieldError(
                        repeated.equals("__name__") ? "name" : "labels." + repeated,
                        "the series gives label " + repeated + " more than once"))), maxItems);
            } else {
                add(items, new IngestItem.Parsed(node(name, labels, sample)), maxItems);
            }
        }
        for (int i = 0; i < histograms; i++) {
            add(items, new IngestItem.Unreadable(List.of(new FieldError("histograms",
                    "native histograms are not stored: send classic histograms (_bucket series)"))), maxItems);
        }
        for (int i = 0; i < exemplars; i++) {
            add(items, new IngestItem.Dropped(IngestItem.DropReason.EXEMPLAR), maxItems);
        }
    }

    private static ObjectNode node(String name, ObjectNode labels, Sample sample) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        if (name != null) {
            node.put("name", name);
        }
        node.set("labels", labels); // shared by the series' samples: only read from here on
        node.put("value", Double.longBitsToDouble(sample.valueBits()));
        node.put("timestamp", Rfc3339.format(Instant.ofEpochMilli(sample.timestamp())));
        node.put("type", name != null && isCounterName(name) ? "counter" : "gauge");
        return node;
    }

    static boolean isCounterName(String name) {
        return name.endsWith("_total") || name.endsWith("_bucket") || name.endsWith("_count")
                || name.endsWith("_sum");
    }

    private static String[] label(CodedInputStream in) throws IOException, MalformedBodyException {
        String[] label = {"", ""};
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            int field = WireFormat.getTagFieldNumber(tag);
            if (field == 1 || field == 2) {
                expectLengthDelimited(tag, field == 1 ? "Label.name" : "Label.value");
                label[field - 1] = in.readStringRequireUtf8();
            } else {
                skip(in, tag);
            }
        }
        return label;
    }

    private static Sample sample(CodedInputStream in) throws IOException, MalformedBodyException {
        long bits = 0;
        long timestamp = 0;
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            int field = WireFormat.getTagFieldNumber(tag);
            if (field == 1) {
                expect(tag, WireFormat.WIRETYPE_FIXED64, "Sample.value");
                bits = in.readRawLittleEndian64();
            } else if (field == 2) {
                expect(tag, WireFormat.WIRETYPE_VARINT, "Sample.timestamp");
                timestamp = in.readInt64();
            } else {
                skip(in, tag);
            }
        }
        return new Sample(bits, timestamp);
    }

    /** An unknown field is skipped; an end-group tag outside a group is no message. */
    private static void skip(CodedInputStream in, int tag) throws IOException, MalformedBodyException {
        if (!in.skipField(tag)) {
            throw new MalformedBodyException("the body is not a protobuf remote_write WriteRequest: an end-group tag "
                    + "outside any group");
        }
    }

    private static void add(List<IngestItem> items, IngestItem item, int maxItems) throws BodyTooLargeException {
        if (items.size() >= maxItems) {
            throw tooMany(maxItems);
        }
        items.add(item);
    }

    private static BodyTooLargeException tooMany(int maxItems) {
        return new BodyTooLargeException("the WriteRequest holds more than " + maxItems
                + " samples, exemplars and metadata entries; at most " + maxItems + " are allowed per request");
    }

    private static void expectLengthDelimited(int tag, String field) throws MalformedBodyException {
        expect(tag, WireFormat.WIRETYPE_LENGTH_DELIMITED, field);
    }

    private static void expect(int tag, int wireType, String field) throws MalformedBodyException {
        if (WireFormat.getTagWireType(tag) != wireType) {
            throw new MalformedBodyException("the body is not a protobuf remote_write WriteRequest: " + field
                    + " has wire type " + WireFormat.getTagWireType(tag) + ", expected " + wireType);
        }
    }
}
