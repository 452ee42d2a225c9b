package io.killkrill.receivers.syslog;

import io.killkrill.model.EntryDecoding;
import io.killkrill.model.LogEventCodec;
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

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes the syslog codec: random bytes, and well-formed RFC 5424 / 3164 messages mutated by flipping, cutting and
 * inserting bytes. Every input must end as an event that survives the stream contract round trip, or as a
 * rejection with a reason and the untouched raw bytes; no exception may escape and the parser's own safety net
 * (a rejection naming an exception) must never be hit.
 */
class SyslogParserFuzzTest {
    private static final Instant NOW = Instant.parse("2026-11-25T18:00:00Z");

    @Property(tries = 5000)
    void randomBytesAreStoredOrRejectedWithAReason(@ForAll @Size(max = 300) byte[] raw) {
        assertStoredOrRejected(raw);
    }

    @Property(tries = 10000)
    void mutatedWellFormedMessagesAreStoredOrRejectedWithAReason(@ForAll("mutatedMessages") byte[] raw) {
        assertStoredOrRejected(raw);
    }

    @Property(tries = 3000)
    void wellFormedMessagesAreStored(@ForAll("wellFormedMessages") String message) {
        SyslogParse result = SyslogParser.parse(message.getBytes(StandardCharsets.UTF_8), "peer", NOW);
        assertThat(result).as(message).isInstanceOf(SyslogParse.Parsed.class);
    }

    @Property(tries = 2000)
    void framingDoesNotDependOnHowTheStreamIsSplit(@ForAll @Size(min = 1, max = 20) List<@IntRange(min = 1, max = 40) Integer> cuts,
                                                   @ForAll("frameLists") List<String> messages,
                                                   @ForAll boolean octetCounting) {
        StringBuilder stream = new StringBuilder();
        for (String m : messages) {
            if (octetCounting) {
                stream.append(m.getBytes(StandardCharsets.UTF_8).length).append(' ').append(m);
            } else {
                stream.append(m).append('\n');
            }
        }
        byte[] bytes = stream.toString().getBytes(StandardCharsets.UTF_8);
        EmbeddedChannel channel = new EmbeddedChannel(new SyslogFrameDecoder(64 * 1024));
        int pos = 0;
        int cut = 0;
        while (pos < bytes.length) {
            int n = Math.min(cuts.get(cut++ % cuts.size()), bytes.length - pos);
            channel.writeInbound(Unpooled.wrappedBuffer(bytes, pos, n));
            pos += n;
        }
        channel.finish();
        List<String> frames = new ArrayList<>();
        SyslogFrame frame;
        while ((frame = channel.readInbound()) != null) {
            frames.add(new String(frame.bytes(), StandardCharsets.UTF_8));
        }
        assertThat(frames).isEqualTo(messages);
    }

    private static void assertStoredOrRejected(byte[] raw) {
        byte[] copy = raw.clone();
        SyslogParse result = SyslogParser.parse(raw, "192.0.2.1:514", NOW);
        if (result instanceof SyslogParse.Parsed parsed) {
            var decoded = LogEventCodec.fromEntry(LogEventCodec.toEntry(parsed.event()));
            assertThat(decoded).as("stored event decodes again").isInstanceOf(EntryDecoding.Decoded.class);
        } else {
            SyslogParse.Rejected rejected = (SyslogParse.Rejected) result;
            assertThat(rejected.message()).isNotBlank().doesNotStartWith("unparseable:");
            assertThat(rejected.raw()).isEqualTo(copy);
        }
    }

    @Provide
    Arbitrary<String> wellFormedMessages() {
        Arbitrary<Integer> pri = Arbitraries.integers().between(0, 191);
        Arbitrary<String> token = Arbitraries.strings().withCharRange('!', '~').ofMinLength(1).ofMaxLength(20)
                .filter(s -> !s.equals("-") && !s.contains("[") && !s.contains(":"));
        Arbitrary<String> text = Arbitraries.strings().withCharRange(' ', '~').withChars("äö€\t")
                .ofMinLength(1).ofMaxLength(80).filter(s -> !s.isBlank());
        Arbitrary<String> sdValue = Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(20)
                .map(s -> s.replace("\\", "\\\\").replace("\"", "\\\"").replace("]", "\\]"));
        Arbitrary<String> sdName = Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(10);
        Arbitrary<String> sd = Combinators.combine(sdName, sdName, sdValue)
                .as((id, name, value) -> "[" + id + " " + name + "=\"" + value + "\"]");
        Arbitrary<String> rfc5424 = Combinators.combine(pri, token, token, token, sd, text)
                .as((p, host, app, proc, data, msg) -> "<" + p + ">1 2026-11-25T17:54:51.123+01:00 " + host + " "
                        + app + " " + proc + " - " + data + " " + msg);
        Arbitrary<String> tag = Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(20);
        Arbitrary<String> rfc3164 = Combinators.combine(pri, Arbitraries.integers().between(1, 28), token, tag, text)
                .as((p, day, host, t, msg) -> "<" + p + ">Mar " + (day < 10 ? " " + day : day) + " 10:11:12 "
                        + host + " " + t + "[42]: " + msg);
        return Arbitraries.oneOf(rfc5424, rfc3164);
    }

    @Provide
    Arbitrary<List<String>> frameLists() {
        return wellFormedMessages().list().ofMinSize(1).ofMaxSize(10);
    }

    @Provide
    Arbitrary<byte[]> mutatedMessages() {
        return Combinators.combine(wellFormedMessages(),
                        Arbitraries.integers().between(0, 4).list().ofMaxSize(6),
                        Arbitraries.integers().between(0, 1000).list().ofMinSize(6).ofMaxSize(6),
                        Arbitraries.bytes().list().ofMinSize(6).ofMaxSize(6))
                .as((message, operations, positions, values) -> {
                    List<Byte> bytes = new ArrayList<>();
                    for (byte b : message.getBytes(StandardCharsets.UTF_8)) {
                        bytes.add(b);
                    }
                    for (int i = 0; i < operations.size(); i++) {
                        if (bytes.isEmpty()) {
                            break;
                        }
                        int at = positions.get(i) % bytes.size();
                        switch (operations.get(i)) {
                            case 0 -> bytes.set(at, values.get(i));
                            case 1 -> bytes.remove(at);
                            case 2 -> bytes.add(at, values.get(i));
                            case 3 -> bytes.subList(at, bytes.size()).clear();
                            default -> bytes.add(at, (byte) "<>[]\" =-:1 ".charAt(Math.abs(values.get(i)) % 11));
                        }
                    }
                    byte[] out = new byte[bytes.size()];
                    for (int i = 0; i < out.length; i++) {
                        out[i] = bytes.get(i);
                    }
                    return out;
                });
    }
}
