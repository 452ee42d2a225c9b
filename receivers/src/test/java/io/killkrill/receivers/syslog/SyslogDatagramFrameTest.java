package io.killkrill.receivers.syslog;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** One UDP datagram is one message: its trailing LFs, CRs and NULs are not part of it, and its size is checked without them. */
class SyslogDatagramFrameTest {
    private static ByteBuf datagram(String text) {
        return Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1);
    }

    private static String text(SyslogFrame frame) {
        return new String(frame.bytes(), StandardCharsets.ISO_8859_1);
    }

    @Test
    void trailingLineFeedsCarriageReturnsAndNulsAreDroppedAndNothingElse() {
        assertThat(text(SyslogDatagramHandler.frame(datagram("<13>hi"), 64))).isEqualTo("<13>hi");
        assertThat(text(SyslogDatagramHandler.frame(datagram("<13>hi\r\n"), 64))).isEqualTo("<13>hi");
        assertThat(text(SyslogDatagramHandler.frame(datagram("<13>hi\n\0\0"), 64))).isEqualTo("<13>hi");
        assertThat(text(SyslogDatagramHandler.frame(datagram("<13>a\nb \n"), 64)))
                .as("a line feed inside the message is kept").isEqualTo("<13>a\nb ");
    }

    @Test
    void aDatagramOfOnlyLineEndsIsAnEmptyFrame() {
        SyslogFrame frame = SyslogDatagramHandler.frame(datagram("\n\r\0\n"), 64);

        assertThat(frame.bytes()).isEmpty();
        assertThat(frame.empty()).isTrue();
    }

    @Test
    void theMessageIsReadFromTheReaderIndexAndTheBufferIsLeftAsItWas() {
        ByteBuf buffer = datagram("xyz<13>hi\n");
        buffer.readerIndex(3);

        assertThat(text(SyslogDatagramHandler.frame(buffer, 64))).isEqualTo("<13>hi");
        assertThat(buffer.readerIndex()).isEqualTo(3);
        assertThat(buffer.readableBytes()).isEqualTo(7);
    }

    @Test
    void theMaximumSizeCountsTheMessageWithoutItsLineEnds() {
        SyslogFrame exact = SyslogDatagramHandler.frame(datagram("abcd\r\n"), 4);
        assertThat(text(exact)).isEqualTo("abcd");
        assertThat(exact.tooLarge()).as("exactly the maximum").isFalse();

        SyslogFrame over = SyslogDatagramHandler.frame(datagram("abcde\n"), 4);
        assertThat(text(over)).as("cut to the maximum").isEqualTo("abcd");
        assertThat(over.tooLarge()).isTrue();
    }
}
