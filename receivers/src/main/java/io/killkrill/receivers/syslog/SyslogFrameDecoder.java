package io.killkrill.receivers.syslog;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;

import java.util.List;

/**
 * RFC 6587 framing, detected per frame: a frame starting with a digit run and a space is octet-counted
 * ({@code 27 <13>...}); any other frame ends at LF or NUL, with a CR before it dropped. Empty frames are
 * passed on (and counted, not stored). A frame longer than {@code maxMessageBytes} is passed on truncated to
 * that size and marked too large, and the rest of it is skipped without being buffered.
 */
public final class SyslogFrameDecoder extends ByteToMessageDecoder {
    private static final int MAX_LENGTH_DIGITS = 9;

    private final int maxMessageBytes;
    private long skipBytes;
    private boolean skipToDelimiter;

    public SyslogFrameDecoder(int maxMessageBytes) {
        this.maxMessageBytes = maxMessageBytes;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (in.isReadable()) {
            if (skipBytes > 0) {
                int n = (int) Math.min(skipBytes, in.readableBytes());
                in.skipBytes(n);
                skipBytes -= n;
                continue;
            }
            if (skipToDelimiter) {
                int delimiter = delimiter(in);
                if (delimiter < 0) {
                    in.skipBytes(in.readableBytes());
                    return;
                }
                in.readerIndex(delimiter + 1);
                skipToDelimiter = false;
                continue;
            }
            int before = in.readableBytes();
            Boolean progressed = octetCounted(in, out);
            if (progressed == null) {
                if (!delimited(in, out)) {
                    return;
                }
            } else if (!progressed) {
                return;
            }
            if (in.readableBytes() == before) {
                return;
            }
        }
    }

    /** null: not octet-counted; false: need more bytes; true: consumed a frame (or its start). */
    private Boolean octetCounted(ByteBuf in, List<Object> out) {
        int start = in.readerIndex();
        int end = in.writerIndex();
        byte first = in.getByte(start);
        if (first < '1' || first > '9') {
            return null;
        }
        long length = 0;
        int i = start;
        while (i < end && i - start < MAX_LENGTH_DIGITS) {
            byte b = in.getByte(i);
            if (b == ' ') {
                break;
            }
            if (b < '0' || b > '9') {
                return null;
            }
            length = length * 10 + (b - '0');
            i++;
        }
        if (i == end) {
            return false;
        }
        if (in.getByte(i) != ' ') {
            return null;
        }
        int headerLength = i + 1 - start;
        if (length > maxMessageBytes) {
            if (in.readableBytes() < headerLength + maxMessageBytes) {
                return false;
            }
            in.skipBytes(headerLength);
            out.add(new SyslogFrame(read(in, maxMessageBytes), true));
            skipBytes = length - maxMessageBytes;
            return true;
        }
        if (in.readableBytes() < headerLength + length) {
            return false;
        }
        in.skipBytes(headerLength);
        out.add(new SyslogFrame(read(in, (int) length), false));
        return true;
    }

    private boolean delimited(ByteBuf in, List<Object> out) {
        int delimiter = delimiter(in);
        if (delimiter < 0) {
            if (in.readableBytes() > maxMessageBytes) {
                out.add(new SyslogFrame(read(in, maxMessageBytes), true));
                in.skipBytes(in.readableBytes());
                skipToDelimiter = true;
                return true;
            }
            return false;
        }
        int length = delimiter - in.readerIndex();
        if (length > 0 && in.getByte(delimiter - 1) == '\r') {
            length--;
        }
        if (length > maxMessageBytes) {
            out.add(new SyslogFrame(read(in, maxMessageBytes), true));
        } else {
            out.add(new SyslogFrame(read(in, length), false));
        }
        in.readerIndex(delimiter + 1);
        return true;
    }

    private static int delimiter(ByteBuf in) {
        int lf = in.indexOf(in.readerIndex(), in.writerIndex(), (byte) '\n');
        int nul = in.indexOf(in.readerIndex(), lf < 0 ? in.writerIndex() : lf, (byte) 0);
        return nul >= 0 ? nul : lf;
    }

    private static byte[] read(ByteBuf in, int length) {
        byte[] bytes = new byte[length];
        in.readBytes(bytes);
        return bytes;
    }

    /** At connection close, a last message without a trailer is still a message. */
    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        decode(ctx, in, out);
        if (in.isReadable() && skipBytes == 0 && !skipToDelimiter) {
            int length = in.readableBytes();
            if (length > 0 && in.getByte(in.writerIndex() - 1) == '\r') {
                length--;
            }
            byte[] rest = read(in, length);
            in.skipBytes(in.readableBytes());
            out.add(new SyslogFrame(rest, false));
        }
    }
}
