package io.killkrill.receivers.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;

import java.nio.charset.StandardCharsets;

/** A client's side of the HTTP stages on an {@link EmbeddedChannel}: raw bytes in, raw bytes out. */
final class RawHttp {
    private RawHttp() {
    }

    /** Writes {@code text} as a client would, and runs what it scheduled. */
    static void send(EmbeddedChannel channel, String text) {
        channel.writeInbound(Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1));
        channel.runPendingTasks();
    }

    /** Everything the stages wrote back since the last call. */
    static String output(EmbeddedChannel channel) {
        StringBuilder out = new StringBuilder();
        Object msg;
        while ((msg = channel.readOutbound()) != null) {
            ByteBuf buf = (ByteBuf) msg;
            out.append(buf.toString(StandardCharsets.ISO_8859_1));
            buf.release();
        }
        return out.toString();
    }
}
