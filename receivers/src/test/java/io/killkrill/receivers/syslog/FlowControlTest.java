package io.killkrill.receivers.syslog;

import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The flow gate on one syslog connection: closed, it stops reading (also before the first read); open, it never does. */
class FlowControlTest {
    @Test
    void aConnectionOpenedWhileTheGateIsClosedDoesNotStartReading() {
        EmbeddedChannel channel = new EmbeddedChannel(new FlowControl(() -> false));

        assertThat(channel.config().isAutoRead()).isFalse();
    }

    @Test
    void aConnectionOpenedWhileTheGateIsOpenReadsAndKeepsReading() {
        EmbeddedChannel channel = new EmbeddedChannel(new FlowControl(() -> true));
        channel.pipeline().fireChannelReadComplete();

        assertThat(channel.config().isAutoRead()).isTrue();
        assertThat(new FlowControl(() -> true).shouldRead(channel)).isTrue();
        assertThat(new FlowControl(() -> false).shouldRead(channel)).isFalse();
    }

    @Test
    void aReadThatEndsWhileTheGateIsClosedPausesTheConnection() {
        boolean[] open = {true};
        EmbeddedChannel channel = new EmbeddedChannel(new FlowControl(() -> open[0]));
        open[0] = false;

        channel.pipeline().fireChannelReadComplete();

        assertThat(channel.config().isAutoRead()).isFalse();
    }

    /** The gate opened (and its listener resumed reading) between the check and the pause: reading goes on. */
    @Test
    void aGateThatOpensJustAsTheConnectionPausesDoesNotLeaveItPaused() {
        AtomicInteger asked = new AtomicInteger();
        // open at connect; closed at the read's end; open again when looked at after the pause
        EmbeddedChannel channel = new EmbeddedChannel(new FlowControl(() -> asked.incrementAndGet() != 2));

        channel.pipeline().fireChannelReadComplete();

        assertThat(asked).hasValue(3);
        assertThat(channel.config().isAutoRead()).isTrue();
    }
}
