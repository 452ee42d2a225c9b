package io.killkrill.receivers.relp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.OptionalLong;

/**
 * RELP framing (librelp {@code relpframe.c}): {@code TXNR SP COMMAND SP DATALEN [SP DATA] LF}, TXNR and DATALEN
 * 1-9 ASCII digits, COMMAND 1-32 ASCII letters, DATA present only when DATALEN is above 0.
 *
 * <p>Memory is bounded by {@code maxDataBytes}: a header is at most {@value #MAX_HEADER} bytes, DATA up to the
 * maximum is buffered, DATA above it is passed on truncated to the maximum (marked too large) and the rest skipped
 * as it arrives. Every other violation ends the framing: a {@link RelpInput.Malformed} with the broken frame's
 * bytes is passed on once, and everything the connection sends after it is discarded (the session answers it and
 * closes the connection). Bytes of an incomplete frame stay buffered until more arrive; at the end of the
 * connection they are passed on as malformed.
 */
public final class RelpFrameDecoder extends ByteToMessageDecoder {
    static final int MAX_NUMBER_DIGITS = 9;
    static final int MAX_COMMAND = 32;
    /** TXNR SP COMMAND SP DATALEN SP. */
    static final int MAX_HEADER = MAX_NUMBER_DIGITS + 1 + MAX_COMMAND + 1 + MAX_NUMBER_DIGITS + 1;

    private final int maxDataBytes;
    private boolean failed;
    /** The head of an oversized frame, waiting for the rest of its DATA to be skipped and its trailer. */
    private RelpInput.Frame oversized;
    private long skipBytes;

    public RelpFrameDecoder(int maxDataBytes) {
        this.maxDataBytes = maxDataBytes;
    }

    /** A header read from the buffer without consuming it. */
    private record Header(long txnr, String command, long dataLength, int length) {
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (in.isReadable() && !failed) {
            if (oversized != null) {
                if (!finishOversized(in, out)) {
                    return;
                }
                continue;
            }
            Object header = header(in);
            if (header == null) {
                return;
            }
            if (header instanceof RelpInput.Malformed malformed) {
                fail(in, out, malformed);
                return;
            }
            Header h = (Header) header;
            if (h.dataLength() == 0) {
                in.skipBytes(h.length());
                out.add(new RelpInput.Frame(h.txnr(), h.command(), new byte[0], false, h.length()));
                continue;
            }
            if (h.dataLength() > maxDataBytes) {
                if (in.readableBytes() < h.length() + maxDataBytes) {
                    return;
                }
                in.skipBytes(h.length());
                oversized = new RelpInput.Frame(h.txnr(), h.command(), read(in, maxDataBytes), true,
                        h.length() + h.dataLength() + 1);
                skipBytes = h.dataLength() - maxDataBytes;
                continue;
            }
            int data = (int) h.dataLength();
            if (in.readableBytes() < h.length() + data + 1) {
                return;
            }
            byte trailer = in.getByte(in.readerIndex() + h.length() + data);
            if (trailer != '\n') {
                fail(in, out, new RelpInput.Malformed(OptionalLong.of(h.txnr()), "no LF after the " + data
                        + " bytes of DATA that DATALEN announced (got byte " + (trailer & 0xff) + ")",
                        peek(in, h.length() + data + 1)));
                return;
            }
            in.skipBytes(h.length());
            byte[] bytes = read(in, data);
            in.skipBytes(1);
            out.add(new RelpInput.Frame(h.txnr(), h.command(), bytes, false, h.length() + data + 1L));
        }
        if (failed) {
            in.skipBytes(in.readableBytes());
        }
    }

    /** Skips what is left of an oversized frame's DATA; true once its trailer was checked. */
    private boolean finishOversized(ByteBuf in, List<Object> out) {
        if (skipBytes > 0) {
            int n = (int) Math.min(skipBytes, in.readableBytes());
            in.skipBytes(n);
            skipBytes -= n;
            if (skipBytes > 0 || !in.isReadable()) {
                return false;
            }
        }
        RelpInput.Frame frame = oversized;
        oversized = null;
        byte trailer = in.readByte();
        if (trailer != '\n') {
            fail(in, out, new RelpInput.Malformed(OptionalLong.of(frame.txnr()), "no LF after the DATA of an "
                    + "oversized frame (got byte " + (trailer & 0xff) + "); its DATA truncated to " + maxDataBytes
                    + " bytes", frame.data()));
            return false;
        }
        out.add(frame);
        return true;
    }

    /** The header at the reader index; null while it is incomplete, a Malformed when it breaks the grammar. */
    private Object header(ByteBuf in) {
        int start = in.readerIndex();
        int end = in.writerIndex();
        int i = start;
        long txnr = 0;
        while (i < end && isDigit(in.getByte(i))) {
            if (i - start == MAX_NUMBER_DIGITS) {
                return malformed(in, OptionalLong.empty(), "TXNR has more than " + MAX_NUMBER_DIGITS + " digits");
            }
            txnr = txnr * 10 + (in.getByte(i) - '0');
            i++;
        }
        if (i == end) {
            return null;
        }
        if (i == start || in.getByte(i) != ' ') {
            return malformed(in, OptionalLong.empty(), "TXNR is not 1-" + MAX_NUMBER_DIGITS
                    + " digits followed by a space");
        }
        OptionalLong known = OptionalLong.of(txnr);
        int commandStart = ++i;
        while (i < end && isLetter(in.getByte(i))) {
            if (i - commandStart == MAX_COMMAND) {
                return malformed(in, known, "COMMAND is longer than " + MAX_COMMAND + " letters");
            }
            i++;
        }
        if (i == end) {
            return null;
        }
        if (i == commandStart || in.getByte(i) != ' ') {
            return malformed(in, known, "COMMAND is not 1-" + MAX_COMMAND + " ASCII letters followed by a space");
        }
        String command = in.toString(commandStart, i - commandStart, StandardCharsets.US_ASCII);
        int lengthStart = ++i;
        long dataLength = 0;
        while (i < end && isDigit(in.getByte(i))) {
            if (i - lengthStart == MAX_NUMBER_DIGITS) {
                return malformed(in, known, "DATALEN has more than " + MAX_NUMBER_DIGITS + " digits");
            }
            dataLength = dataLength * 10 + (in.getByte(i) - '0');
            i++;
        }
        if (i == end) {
            return null;
        }
        if (i == lengthStart) {
            return malformed(in, known, "DATALEN is not 1-" + MAX_NUMBER_DIGITS + " digits");
        }
        byte after = in.getByte(i);
        if (dataLength == 0 ? after != '\n' : after != ' ') {
            return malformed(in, known, dataLength == 0 ? "DATALEN 0 is not followed by the LF trailer"
                    : "DATALEN is not followed by a space");
        }
        return new Header(txnr, command, dataLength, i + 1 - start);
    }

    private RelpInput.Malformed malformed(ByteBuf in, OptionalLong txnr, String problem) {
        return new RelpInput.Malformed(txnr, problem, peek(in, in.readableBytes()));
    }

    private void fail(ByteBuf in, List<Object> out, RelpInput.Malformed malformed) {
        failed = true;
        in.skipBytes(in.readableBytes());
        out.add(malformed);
    }

    /** At the end of the connection, the bytes of an incomplete frame are a malformed frame. */
    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        decode(ctx, in, out);
        if (failed) {
            return;
        }
        if (oversized != null) {
            RelpInput.Frame frame = oversized;
            oversized = null;
            fail(in, out, new RelpInput.Malformed(OptionalLong.of(frame.txnr()), "the connection ended inside the "
                    + "DATA of an oversized frame; its DATA truncated to " + maxDataBytes + " bytes", frame.data()));
        } else if (in.isReadable()) {
            Object header = header(in);
            OptionalLong txnr = header instanceof Header h ? OptionalLong.of(h.txnr()) : OptionalLong.empty();
            fail(in, out, new RelpInput.Malformed(txnr, "the connection ended inside a frame ("
                    + in.readableBytes() + " bytes received)", peek(in, in.readableBytes())));
        }
    }

    private byte[] peek(ByteBuf in, int length) {
        byte[] bytes = new byte[Math.min(Math.min(length, in.readableBytes()), maxDataBytes)];
        in.getBytes(in.readerIndex(), bytes);
        return bytes;
    }

    private static byte[] read(ByteBuf in, int length) {
        byte[] bytes = new byte[length];
        in.readBytes(bytes);
        return bytes;
    }

    private static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }

    private static boolean isLetter(byte b) {
        return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z';
    }
}
