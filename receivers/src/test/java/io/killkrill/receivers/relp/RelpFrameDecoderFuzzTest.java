package io.killkrill.receivers.relp;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes the RELP framing with random bytes, well-formed sessions, and well-formed sessions mutated (cut short,
 * DATALEN lying either way, TXNRs and DATALENs of more than nine digits, non-ASCII bytes in any part, bytes flipped),
 * each fed in random chunks. No exception may escape (EmbeddedChannel rethrows what a handler throws), and every
 * input byte is accounted for: the frames passed on, re-encoded, are exactly the start of the input; whatever
 * follows them is reported once as a malformed frame whose raw bytes are that rest as received (cut at the maximum),
 * either at once or, for bytes still awaiting the rest of their frame, when the connection ends; nothing comes after
 * a malformed frame. Frames do not depend on how the input was split.
 */
class RelpFrameDecoderFuzzTest {
    private static final int MAX = 64 * 1024;

    @Property(tries = 3000)
    void randomBytesAreFramesOrOneMalformedRest(@ForAll @Size(max = 300) byte[] input,
                                                @ForAll @Size(min = 1, max = 10) List<@IntRange(min = 1, max = 50) Integer> cuts) {
        assertAccountedFor(input, cuts, MAX);
    }

    @Property(tries = 2000)
    void wellFormedSessionsDecodeToTheirFramesHoweverSplit(@ForAll("sessions") List<Sent> session,
                                                           @ForAll @Size(min = 1, max = 10) List<@IntRange(min = 1, max = 80) Integer> cuts) {
        byte[] input = encode(session);
        Decoded decoded = decode(input, cuts, MAX);
        assertThat(decoded.malformed()).isEmpty();
        assertThat(decoded.frames()).isEqualTo(session.stream().map(Sent::describe).toList());
    }

    @Property(tries = 5000)
    void mutatedSessionsAreFramesOrOneMalformedRest(@ForAll("mutatedSessions") byte[] input,
                                                    @ForAll @Size(min = 1, max = 10) List<@IntRange(min = 1, max = 80) Integer> cuts) {
        assertAccountedFor(input, cuts, MAX);
    }

    @Property(tries = 1000)
    void oversizedDataIsTruncatedSkippedAndTheNextFrameStillRead(@ForAll("sessions") List<Sent> session,
                                                                 @ForAll @IntRange(min = 1, max = 40) int max,
                                                                 @ForAll @Size(min = 1, max = 10) List<@IntRange(min = 1, max = 80) Integer> cuts) {
        Decoded decoded = decode(encode(session), cuts, max);
        assertThat(decoded.malformed()).isEmpty();
        assertThat(decoded.frames()).isEqualTo(session.stream().map(s -> s.describe(max)).toList());
    }

    /** A frame as sent. */
    record Sent(long txnr, String command, byte[] data) {
        byte[] encode() {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.writeBytes((txnr + " " + command + " " + data.length + (data.length > 0 ? " " : ""))
                    .getBytes(StandardCharsets.US_ASCII));
            out.writeBytes(data);
            out.write('\n');
            return out.toByteArray();
        }

        String describe() {
            return describe(Integer.MAX_VALUE);
        }

        String describe(int max) {
            return RelpFrameDecoderFuzzTest.describe(new RelpInput.Frame(txnr, command,
                    Arrays.copyOf(data, Math.min(max, data.length)), data.length > max, encode().length));
        }
    }

    private record Decoded(List<String> frames, List<RelpInput.Frame> decodedFrames,
                           List<RelpInput.Malformed> malformed, boolean malformedLast) {
    }

    private static void assertAccountedFor(byte[] input, List<Integer> cuts, int max) {
        Decoded decoded = decode(input, cuts, max);
        int framed = 0;
        for (RelpInput.Frame frame : decoded.decodedFrames()) {
            assertThat(frame.tooLarge()).as("no frame of these inputs exceeds the maximum").isFalse();
            assertThat(framed + frame.wireLength()).isLessThanOrEqualTo(input.length);
            byte[] wire = Arrays.copyOfRange(input, framed, framed + (int) frame.wireLength());
            assertThat(wire).as("frame %s on the wire", describe(frame)).isEqualTo(encodeAsReceived(frame, wire));
            framed += (int) frame.wireLength();
        }
        byte[] rest = Arrays.copyOfRange(input, framed, input.length);
        if (rest.length == 0) {
            assertThat(decoded.malformed()).isEmpty();
            return;
        }
        assertThat(decoded.malformed()).as("the rest after the frames").hasSize(1);
        assertThat(decoded.malformedLast()).as("nothing after a malformed frame").isTrue();
        RelpInput.Malformed malformed = decoded.malformed().get(0);
        assertThat(malformed.problem()).isNotBlank();
        assertThat(malformed.raw()).isNotEmpty().hasSizeLessThanOrEqualTo(max);
        assertThat(Arrays.copyOf(rest, malformed.raw().length)).as("raw bytes of the malformed frame")
                .isEqualTo(malformed.raw());
        Decoded whole = decode(input, List.of(input.length), max);
        assertThat(decoded.frames()).as("frames do not depend on the split").isEqualTo(whole.frames());
    }

    private static Decoded decode(byte[] input, List<Integer> cuts, int max) {
        EmbeddedChannel channel = new EmbeddedChannel(new RelpFrameDecoder(max));
        int pos = 0;
        int cut = 0;
        while (pos < input.length) {
            int n = Math.min(cuts.get(cut++ % cuts.size()), input.length - pos);
            channel.writeInbound(Unpooled.wrappedBuffer(input, pos, n));
            pos += n;
        }
        channel.finish();
        List<String> described = new ArrayList<>();
        List<RelpInput.Frame> frames = new ArrayList<>();
        List<RelpInput.Malformed> malformed = new ArrayList<>();
        boolean malformedLast = true;
        Object out;
        while ((out = channel.readInbound()) != null) {
            if (!malformed.isEmpty()) {
                malformedLast = false;
            }
            if (out instanceof RelpInput.Frame frame) {
                frames.add(frame);
                described.add(describe(frame));
            } else {
                malformed.add((RelpInput.Malformed) out);
            }
        }
        return new Decoded(described, frames, malformed, malformedLast);
    }

    private static String describe(RelpInput.Frame frame) {
        return frame.txnr() + " " + frame.command() + " " + HexFormat.of().formatHex(frame.data())
                + (frame.tooLarge() ? " (too large)" : "");
    }

    private static byte[] encode(List<Sent> session) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        session.forEach(s -> out.writeBytes(s.encode()));
        return out.toByteArray();
    }

    /** The frame encoded again, with the leading zeros its numbers had on the wire (the grammar allows them). */
    private static byte[] encodeAsReceived(RelpInput.Frame frame, byte[] wire) {
        String header = new String(wire, 0, Math.max(0, wire.length - frame.data().length - 1),
                StandardCharsets.ISO_8859_1);
        String[] parts = header.split(" ", -1);
        String txnrDigits = parts.length > 0 ? parts[0] : "";
        String lengthDigits = parts.length > 2 ? parts[2] : "";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes((zeros(txnrDigits) + frame.txnr() + " " + frame.command() + " " + zeros(lengthDigits)
                + frame.data().length + (frame.data().length > 0 ? " " : "")).getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(frame.data());
        out.write('\n');
        return out.toByteArray();
    }

    private static String zeros(String digits) {
        int n = 0;
        while (n < digits.length() - 1 && digits.charAt(n) == '0') {
            n++;
        }
        return "0".repeat(n);
    }

    @Provide
    Arbitrary<List<Sent>> sessions() {
        Arbitrary<Long> txnr = Arbitraries.longs().between(0, 999_999_999L);
        Arbitrary<String> command = Arbitraries.oneOf(Arbitraries.of("open", "syslog", "close", "rsp"),
                Arbitraries.strings().withCharRange('a', 'z').withCharRange('A', 'Z').ofMinLength(1).ofMaxLength(32));
        Arbitrary<byte[]> data = Arbitraries.oneOf(
                Arbitraries.strings().withCharRange(' ', '~').withChars("äö€\n").ofMaxLength(120)
                        .map(s -> s.getBytes(StandardCharsets.UTF_8)),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(120));
        return Combinators.combine(txnr, command, data).as(Sent::new).list().ofMinSize(1).ofMaxSize(8);
    }

    @Provide
    Arbitrary<byte[]> mutatedSessions() {
        return Combinators.combine(sessions(),
                        Arbitraries.integers().between(0, 6).list().ofMinSize(1).ofMaxSize(4),
                        Arbitraries.integers().between(0, 10_000).list().ofMinSize(4).ofMaxSize(4),
                        Arbitraries.bytes().list().ofMinSize(4).ofMaxSize(4))
                .as((session, operations, positions, values) -> {
                    List<Byte> bytes = new ArrayList<>();
                    for (byte b : encode(session)) {
                        bytes.add(b);
                    }
                    for (int i = 0; i < operations.size() && !bytes.isEmpty(); i++) {
                        int at = positions.get(i) % bytes.size();
                        switch (operations.get(i)) {
                            case 0 -> bytes.set(at, values.get(i));
                            case 1 -> bytes.remove(at);
                            case 2 -> bytes.add(at, values.get(i));
                            case 3 -> bytes.subList(at, bytes.size()).clear();
                            case 4 -> insert(bytes, at, "9999999999");
                            case 5 -> insert(bytes, at, "ü");
                            default -> bytes.add(at, (byte) " \n0123456789a".charAt(Math.abs(values.get(i)) % 13));
                        }
                    }
                    byte[] out = new byte[bytes.size()];
                    for (int i = 0; i < out.length; i++) {
                        out[i] = bytes.get(i);
                    }
                    return out;
                });
    }

    private static void insert(List<Byte> bytes, int at, String text) {
        byte[] inserted = text.getBytes(StandardCharsets.UTF_8);
        for (int i = inserted.length - 1; i >= 0; i--) {
            bytes.add(at, inserted[i]);
        }
    }
}
