package io.killkrill.receivers.syslog;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * RFC 6587 framing at its edges: a message of exactly the maximum size is whole, one byte more is too large; a
 * frame is passed on as soon as its last byte arrives (not only at close); any split of the same bytes into reads
 * gives the same frames; a digit run that is not a length is a line.
 */
class SyslogFramingBoundariesTest {
    private static final int MAX = 10;

    private record Frame(String text, boolean tooLarge) {
    }

    private static Frame whole(String text) {
        return new Frame(text, false);
    }

    private static Frame cut(String text) {
        return new Frame(text, true);
    }

    private static List<Frame> drain(EmbeddedChannel channel) {
        List<Frame> frames = new ArrayList<>();
        SyslogFrame frame;
        while ((frame = channel.readInbound()) != null) {
            frames.add(new Frame(new String(frame.bytes(), StandardCharsets.ISO_8859_1), frame.tooLarge()));
        }
        return frames;
    }

    private static void write(EmbeddedChannel channel, String bytes) {
        channel.writeInbound(Unpooled.wrappedBuffer(bytes.getBytes(StandardCharsets.ISO_8859_1)));
    }

    /** The frames of {@code chunks} read one after the other, before the connection closes. */
    private static List<Frame> beforeClose(String... chunks) {
        EmbeddedChannel channel = new EmbeddedChannel(new SyslogFrameDecoder(MAX));
        for (String chunk : chunks) {
            write(channel, chunk);
        }
        return drain(channel);
    }

    /** The frames of {@code chunks}, the connection closed after the last. */
    private static List<Frame> untilClose(String... chunks) {
        EmbeddedChannel channel = new EmbeddedChannel(new SyslogFrameDecoder(MAX));
        for (String chunk : chunks) {
            write(channel, chunk);
        }
        channel.finish();
        return drain(channel);
    }

    @Test
    void anOctetCountedMessageOfExactlyTheMaximumIsWholeAndPassedOnWhenItsLastByteArrives() {
        assertThat(beforeClose("10 0123456789")).containsExactly(whole("0123456789"));
        assertThat(beforeClose("10 012345678")).as("one byte short: waits").isEmpty();
    }

    @Test
    void anOctetCountedMessageOneByteOverTheMaximumIsCutAsSoonAsTheMaximumArrivedAndItsRestSkipped() {
        assertThat(beforeClose("11 0123456789")).containsExactly(cut("0123456789"));
        assertThat(beforeClose("11 012345678")).as("one byte short of the cut: waits").isEmpty();
        assertThat(beforeClose("11 0123456789", "X", "3 <1>")).containsExactly(cut("0123456789"), whole("<1>"));
    }

    @Test
    void theSkippedRestOfAnOversizeMessageMaySpanSeveralReads() {
        assertThat(beforeClose("25 0123456789", "abcde", "fghij", "klmno", "2 ok"))
                .containsExactly(cut("0123456789"), whole("ok"));
    }

    @Test
    void aLineOfExactlyTheMaximumIsWholeAndOneByteMoreIsCut() {
        assertThat(beforeClose("0123456789", "\n")).containsExactly(whole("0123456789"));
        assertThat(beforeClose("0123456789\r\n")).as("the CR is not counted").containsExactly(whole("0123456789"));
        assertThat(beforeClose("0123456789A\n")).containsExactly(cut("0123456789"));
    }

    @Test
    void aLineLongerThanTheMaximumIsCutBeforeItsDelimiterArrivesAndTheRestSkippedToIt() {
        assertThat(beforeClose("0123456789")).as("the maximum without delimiter: waits").isEmpty();
        assertThat(beforeClose("0123456789A")).containsExactly(cut("0123456789"));
        assertThat(beforeClose("0123456789A", "BCD", "EF\nnext\n")).containsExactly(cut("0123456789"),
                whole("next"));
    }

    @Test
    void aDigitRunThatIsNotALengthIsAnOrdinaryLine() {
        assertThat(beforeClose("12a bc\n")).containsExactly(whole("12a bc"));
        assertThat(beforeClose("0 <1>\n")).as("a length never starts with 0").containsExactly(whole("0 <1>"));
        assertThat(beforeClose("1234567890 x\n")).as("at most 9 digits").containsExactly(cut("1234567890"));
        assertThat(beforeClose("7\n")).containsExactly(whole("7"));
    }

    @Test
    void aLengthWithoutItsSpaceYetWaitsForMoreBytes() {
        assertThat(beforeClose("3")).isEmpty();
        assertThat(beforeClose("3", " <1>")).containsExactly(whole("<1>"));
    }

    @Test
    void nulAndLfEndFramesWhicheverComesFirstAlsoAtTheVeryStart() {
        assertThat(beforeClose("\n\0<13>x\n")).containsExactly(whole(""), whole(""), whole("<13>x"));
        assertThat(beforeClose("\0\n")).containsExactly(whole(""), whole(""));
        assertThat(beforeClose("a\0b\nc\n")).containsExactly(whole("a"), whole("b"), whole("c"));
    }

    @Test
    void aTrailingCrOfTheLastMessageAtCloseIsDropped() {
        assertThat(untilClose("<13>tail\r")).containsExactly(whole("<13>tail"));
        assertThat(untilClose("\r")).containsExactly(whole(""));
    }

    @Test
    void anyWayOfSplittingTheSameBytesIntoReadsGivesTheSameFrames() {
        String stream = "5 <13>a<13>b\r\n11 0123456789X3 <1>\0" + "0123456789AB\nlast\n14 <14>abcdefghi";
        List<Frame> atOnce = untilClose(stream);
        assertThat(atOnce).containsExactly(whole("<13>a"), whole("<13>b"), cut("0123456789"), whole("<1>"),
                whole(""), cut("0123456789"), whole("last"), cut("<14>abcdef"));

        for (int size = 1; size <= 7; size++) {
            List<String> chunks = new ArrayList<>();
            for (int i = 0; i < stream.length(); i += size) {
                chunks.add(stream.substring(i, Math.min(stream.length(), i + size)));
            }
            assertThat(untilClose(chunks.toArray(String[]::new))).as("reads of %d bytes", size).isEqualTo(atOnce);
        }
    }
}
