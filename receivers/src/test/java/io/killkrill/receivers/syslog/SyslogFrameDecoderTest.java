package io.killkrill.receivers.syslog;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SyslogFrameDecoderTest {

    private static List<SyslogFrame> feed(int max, String... chunks) {
        EmbeddedChannel channel = new EmbeddedChannel(new SyslogFrameDecoder(max));
        for (String chunk : chunks) {
            channel.writeInbound(Unpooled.wrappedBuffer(chunk.getBytes(StandardCharsets.ISO_8859_1)));
        }
        channel.finish();
        List<SyslogFrame> frames = new ArrayList<>();
        SyslogFrame frame;
        while ((frame = channel.readInbound()) != null) {
            frames.add(frame);
        }
        return frames;
    }

    private static List<String> texts(List<SyslogFrame> frames) {
        return frames.stream().map(f -> new String(f.bytes(), StandardCharsets.ISO_8859_1)).toList();
    }

    @Test
    void octetCountingAndLineFramingMixPerFrame() {
        List<SyslogFrame> frames = feed(1024, "5 <13>a<13>b\r\n3 <1>\0<14>c\n");

        assertThat(texts(frames)).containsExactly("<13>a", "<13>b", "<1>", "", "<14>c");
    }

    @Test
    void framesSplitAcrossReadsAreJoined() {
        assertThat(texts(feed(1024, "9", " <13>h", "ello", "<13>wor", "ld\n"))).containsExactly("<13>hello", "<13>world");
    }

    @Test
    void emptyLinesBecomeEmptyFrames() {
        List<SyslogFrame> frames = feed(1024, "\n\r\n<13>x\n");

        assertThat(frames).extracting(SyslogFrame::empty).containsExactly(true, true, false);
    }

    @Test
    void oversizeFramesAreTruncatedAndMarkedAndTheRestIsSkipped() {
        String big = "<13>" + "x".repeat(100);
        List<SyslogFrame> frames = feed(20, big + "\n<13>after\n", big.length() + " " + big + "<13>ok\n");

        assertThat(frames).extracting(SyslogFrame::tooLarge).containsExactly(true, false, true, false);
        assertThat(frames.get(0).bytes()).hasSize(20);
        assertThat(texts(frames).get(1)).isEqualTo("<13>after");
        assertThat(frames.get(2).bytes()).hasSize(20);
        assertThat(texts(frames).get(3)).isEqualTo("<13>ok");
    }

    @Test
    void oversizeLineWithoutDelimiterYetIsCutWithoutBufferingItAll() {
        List<SyslogFrame> frames = feed(20, "<13>" + "y".repeat(50), "y".repeat(50), "yyy\n<13>next\n");

        assertThat(frames).extracting(SyslogFrame::tooLarge).containsExactly(true, false);
        assertThat(texts(frames).get(1)).isEqualTo("<13>next");
    }

    @Test
    void aLastMessageWithoutTrailerIsKeptAtClose() {
        assertThat(texts(feed(1024, "<13>a\n<13>tail"))).containsExactly("<13>a", "<13>tail");
    }
}
