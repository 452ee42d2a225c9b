package io.killkrill.receivers.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.CodedOutputStream;
import io.killkrill.model.IngestContext;
import io.killkrill.model.MetricSample;
import io.killkrill.model.MetricSampleCodec;
import io.killkrill.model.Source;
import io.killkrill.model.Validated;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import org.xerial.snappy.Snappy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.function.LongPredicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The remote_write body: snappy block decompression (bounded before allocating) and the {@code WriteRequest}
 * decoder (every sample of every series one item; stale markers, exemplars and metadata dropped and counted; what
 * the contract refuses a per-sample rejection).
 */
class RemoteWriteDecoderTest {
    private static final LongPredicate ANY = n -> true;
    private static final long T = 1_764_093_291_123L;

    /** A protobuf message written field by field, as Prometheus' prompb encodes it. */
    static final class Message {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final CodedOutputStream out = CodedOutputStream.newInstance(bytes);

        Message message(int field, Message inner) {
            return io(() -> out.writeByteArray(field, inner.bytes()));
        }

        Message string(int field, String value) {
            return io(() -> out.writeString(field, value));
        }

        Message fixed64(int field, long bits) {
            return io(() -> out.writeFixed64(field, bits));
        }

        Message int64(int field, long value) {
            return io(() -> out.writeInt64(field, value));
        }

        byte[] bytes() {
            io(out::flush);
            return bytes.toByteArray();
        }

        private Message io(IoStep step) {
            try {
                step.run();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }

        interface IoStep {
            void run() throws IOException;
        }
    }

    static Message label(String name, String value) {
        return new Message().string(1, name).string(2, value);
    }

    static Message sample(double value, long timestamp) {
        return new Message().fixed64(1, Double.doubleToRawLongBits(value)).int64(2, timestamp);
    }

    static Message series(List<Message> labels, List<Message> samples) {
        Message series = new Message();
        labels.forEach(l -> series.message(1, l));
        samples.forEach(s -> series.message(2, s));
        return series;
    }

    private static List<IngestItem> decode(Message request) throws Exception {
        return RemoteWriteDecoder.decode(request.bytes(), 100);
    }

    private static MetricSample valid(IngestItem item) {
        Validated<MetricSample> sample = MetricSampleCodec.fromInput(((IngestItem.Parsed) item).node(),
                IngestContext.now(Source.http("p")));
        assertThat(sample).isInstanceOf(Validated.Valid.class);
        return ((Validated.Valid<MetricSample>) sample).value();
    }

    private static String refusal(IngestItem item) {
        JsonNode node = ((IngestItem.Parsed) item).node();
        Validated<MetricSample> sample = MetricSampleCodec.fromInput(node, IngestContext.now(Source.http("p")));
        assertThat(sample).isInstanceOf(Validated.Invalid.class);
        return ((Validated.Invalid<MetricSample>) sample).summary();
    }

    @Test
    void everySampleOfEverySeriesIsOneSampleWithNameLabelsValueAndTimestamp() throws Exception {
        Message request = new Message()
                .message(1, series(List.of(label("__name__", "temp_celsius"), label("room", "a"), label("empty", "")),
                        List.of(sample(21.5, T), sample(-3, T + 15_000))))
                .message(1, series(List.of(label("__name__", "http_requests_total"), label("code", "200")),
                        List.of(sample(7, T))));

        List<IngestItem> items = decode(request);

        assertThat(items).hasSize(3);
        MetricSample first = valid(items.get(0));
        assertThat(first.name()).isEqualTo("temp_celsius");
        assertThat(first.labels()).as("an empty label value is no label").containsExactlyEntriesOf(
                java.util.Map.of("room", "a"));
        assertThat(first.value()).isEqualTo(21.5);
        assertThat(first.timestamp()).isEqualTo(Instant.ofEpochMilli(T));
        assertThat(first.type().wireName()).isEqualTo("gauge");
        assertThat(valid(items.get(1)).timestamp()).isEqualTo(Instant.ofEpochMilli(T + 15_000));
        assertThat(valid(items.get(1)).value()).isEqualTo(-3);
        MetricSample counter = valid(items.get(2));
        assertThat(counter.name()).isEqualTo("http_requests_total");
        assertThat(counter.type().wireName()).isEqualTo("counter");
        assertThat(counter.labels()).containsEntry("code", "200").hasSize(1);
    }

    @Test
    void staleMarkersAreDroppedOtherNaNAndInfinitiesAreRefusedBySample() throws Exception {
        Message request = new Message().message(1, new Message()
                .message(1, label("__name__", "up"))
                .message(2, new Message().fixed64(1, RemoteWriteDecoder.STALE_NAN_BITS).int64(2, T))
                .message(2, sample(Double.NaN, T))
                .message(2, sample(Double.POSITIVE_INFINITY, T))
                .message(2, sample(1, T)));

        List<IngestItem> items = decode(request);

        assertThat(items).hasSize(4);
        assertThat(items.get(0)).isEqualTo(new IngestItem.Dropped(IngestItem.DropReason.STALE_MARKER));
        assertThat(refusal(items.get(1))).contains("value");
        assertThat(refusal(items.get(2))).contains("value");
        assertThat(valid(items.get(3)).value()).isEqualTo(1);
    }

    @Test
    void whatTheContractRefusesIsThatSamplesRejection() throws Exception {
        Message request = new Message()
                .message(1, series(List.of(label("room", "a")), List.of(sample(1, T))))
                .message(1, series(List.of(label("__name__", "bad-name")), List.of(sample(1, T))))
                .message(1, series(List.of(label("__name__", "m"), label("__meta", "x")), List.of(sample(1, T))))
                .message(1, series(List.of(label("__name__", "m")), List.of(sample(1, 253_402_300_800_000L))))
                .message(1, series(List.of(label("__name__", "m"), label("a", "1"), label("a", "2")),
                        List.of(sample(1, T), sample(2, T))));

        List<IngestItem> items = decode(request);

        assertThat(items).hasSize(6);
        assertThat(refusal(items.get(0))).contains("name");
        assertThat(refusal(items.get(1))).contains("name");
        assertThat(refusal(items.get(2))).contains("__meta");
        assertThat(refusal(items.get(3))).as("year 10000").contains("timestamp");
        assertThat(items.subList(4, 6)).allSatisfy(item -> assertThat(((IngestItem.Unreadable) item).errors().get(0)
                .reason()).contains("label a more than once"));
    }

    @Test
    void metadataExemplarsAndNativeHistogramsAreCountedNeverLost() throws Exception {
        Message request = new Message()
                .message(3, new Message().string(2, "up").string(4, "help"))
                .message(1, new Message().message(1, label("__name__", "m")).message(2, sample(1, T))
                        .message(3, new Message().fixed64(2, 0)).message(4, new Message().int64(1, 3)));

        List<IngestItem> items = decode(request);

        assertThat(items).hasSize(4);
        assertThat(items.get(0)).isEqualTo(new IngestItem.Dropped(IngestItem.DropReason.METADATA));
        assertThat(valid(items.get(1)).name()).isEqualTo("m");
        assertThat(((IngestItem.Unreadable) items.get(2)).errors().get(0).reason()).contains("native histograms");
        assertThat(items.get(3)).isEqualTo(new IngestItem.Dropped(IngestItem.DropReason.EXEMPLAR));
    }

    @Test
    void unknownFieldsAreSkipped() throws Exception {
        Message request = new Message().string(15, "future").message(1, series(List.of(label("__name__", "m"),
                label("x", "y").string(9, "ignored")), List.of(sample(2, T).int64(7, 1)))).int64(2, 5);

        assertThat(decode(request)).singleElement().satisfies(item -> assertThat(valid(item).value()).isEqualTo(2));
    }

    @Test
    void bytesThatAreNoWriteRequestAreMalformed() {
        byte[] wrongWireType = new Message().int64(1, 5).bytes();
        byte[] truncated = java.util.Arrays.copyOf(new Message().message(1, series(List.of(label("__name__", "m")),
                List.of(sample(1, T)))).bytes(), 10);
        byte[] notUtf8 = {0x0a, 0x06, 0x0a, 0x04, 0x0a, 0x02, (byte) 0xC3, 0x28};

        for (byte[] body : List.of(wrongWireType, truncated, notUtf8, "{\"name\":\"m\"}".getBytes())) {
            assertThatThrownBy(() -> RemoteWriteDecoder.decode(body, 100)).isInstanceOf(MalformedBodyException.class)
                    .hasMessageContaining("WriteRequest");
        }
    }

    @Test
    void onlyTheVersionOneWriteRequestIsTaken() {
        assertThat(RemoteWriteDecoder.unsupportedMessage(null)).isEmpty();
        assertThat(RemoteWriteDecoder.unsupportedMessage("application/x-protobuf")).isEmpty();
        assertThat(RemoteWriteDecoder.unsupportedMessage("application/x-protobuf;proto=prometheus.WriteRequest"))
                .isEmpty();
        assertThat(RemoteWriteDecoder.unsupportedMessage("application/x-protobuf; proto=io.prometheus.write.v2.Request"))
                .hasValueSatisfying(reason -> assertThat(reason).contains("io.prometheus.write.v2.Request")
                        .contains("remote_write 1.0"));
    }

    @Test
    void moreSamplesThanTheItemLimitIsTooLarge() {
        Message series = new Message().message(1, label("__name__", "m"));
        for (int i = 0; i < 101; i++) {
            series.message(2, sample(i, T + i));
        }
        byte[] body = new Message().message(1, series).bytes();

        assertThatThrownBy(() -> RemoteWriteDecoder.decode(body, 100)).isInstanceOf(BodyTooLargeException.class);
    }

    @Test
    void snappyDecompressesTheBlockFormat() throws Exception {
        byte[] plain = new Message().message(1, series(List.of(label("__name__", "m")), List.of(sample(1, T))))
                .bytes();

        assertThat(SnappyBody.uncompress(Snappy.compress(plain), 1024, ANY)).isEqualTo(plain);
    }

    @Test
    void aSnappyBombIsRefusedFromItsHeaderBeforeAnythingIsAllocated() throws Exception {
        byte[] bomb = Snappy.compress(new byte[2 * 1024 * 1024]);
        assertThat(bomb.length).isLessThan(200 * 1024);
        // a 6-byte body whose header claims 4 GiB - 1: only the header is read
        byte[] liar = {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x0F, 0x00};
        long[] asked = {-1};

        assertThatThrownBy(() -> SnappyBody.uncompress(bomb, 1024 * 1024, n -> {
            asked[0] = n;
            return true;
        })).isInstanceOf(BodyTooLargeException.class).hasMessageContaining("2097152 bytes");
        assertThatThrownBy(() -> SnappyBody.uncompress(liar, 1024 * 1024, ANY))
                .isInstanceOf(BodyTooLargeException.class).hasMessageContaining("4294967295 bytes");
        assertThat(asked[0]).as("the memory budget was never asked for the bomb").isEqualTo(-1);
        assertThatThrownBy(() -> SnappyBody.uncompress(Snappy.compress(new byte[1000]), 1024, n -> false))
                .isInstanceOf(GzipBody.OverBudgetException.class);
    }

    @Test
    void aBodyThatIsNoSnappyBlockIsMalformed() throws Exception {
        byte[] valid = Snappy.compress(new byte[1000]);
        byte[] truncated = java.util.Arrays.copyOf(valid, valid.length - 2);
        byte[] framed = {(byte) 0xff, 0x06, 0x00, 0x00, 's', 'N', 'a', 'P', 'p', 'Y'};

        for (byte[] body : List.of(new byte[0], truncated, framed, "not snappy at all".getBytes(),
                new byte[]{(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x01})) {
            assertThatThrownBy(() -> SnappyBody.uncompress(body, 1024 * 1024, ANY))
                    .isInstanceOfAny(MalformedBodyException.class, BodyTooLargeException.class);
        }
        assertThatThrownBy(() -> SnappyBody.uncompress(truncated, 1024 * 1024, ANY))
                .isInstanceOf(MalformedBodyException.class).hasMessageContaining("snappy");
    }

    /** Random bytes, raw or snappy-compressed: refused with a reason, or items that are each readable or an error. */
    @Property(tries = 3000)
    void randomBodiesAreRefusedWithAReasonOrReadAsItems(@ForAll @Size(max = 300) byte[] body,
                                                        @ForAll boolean compress) throws IOException {
        byte[] sent = compress ? Snappy.compress(body) : body;
        try {
            for (IngestItem item : RemoteWriteDecoder.decode(SnappyBody.uncompress(sent, 64 * 1024, ANY), 50)) {
                if (item instanceof IngestItem.Parsed parsed) {
                    assertThat(MetricSampleCodec.fromInput(parsed.node(), IngestContext.now(Source.http("p"))))
                            .isNotNull();
                } else if (item instanceof IngestItem.Unreadable unreadable) {
                    assertThat(unreadable.errors()).isNotEmpty();
                }
            }
        } catch (MalformedBodyException | BodyTooLargeException e) {
            assertThat(e.getMessage()).isNotBlank();
        } catch (GzipBody.OverBudgetException e) {
            throw new AssertionError("the budget always has room here", e);
        }
    }
}
