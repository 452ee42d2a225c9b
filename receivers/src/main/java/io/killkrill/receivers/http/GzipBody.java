package io.killkrill.receivers.http;

import java.io.ByteArrayOutputStream;
import java.util.function.LongPredicate;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Inflates a gzip body (RFC 1952; several members one after the other, as {@code cat a.gz b.gz} makes, are one
 * body) in 16 KiB steps, stopping as soon as the output would pass the cap (a gzip bomb is never inflated whole)
 * or the memory budget has no room for more. Strict where {@link java.util.zip.GZIPInputStream} is lenient: a
 * member must end with a matching CRC-32 and length, and anything after the last member that is not another
 * member (trailing garbage, padding) makes the body malformed rather than silently ignored.
 */
final class GzipBody {
    private static final int STEP = 16 * 1024;
    private static final int FHCRC = 2;
    private static final int FEXTRA = 4;
    private static final int FNAME = 8;
    private static final int FCOMMENT = 16;

    /** The memory budget had no room for the inflated body. */
    static final class OverBudgetException extends Exception {
        OverBudgetException() {
            super(null, null, false, false);
        }
    }

    private GzipBody() {
    }

    /**
     * @param mayHold asked before the output grows past each step, with the output's new size; false stops
     *                inflation with {@link OverBudgetException}
     */
    static byte[] inflate(byte[] gzip, long maxBytes, LongPredicate mayHold)
            throws MalformedBodyException, BodyTooLargeException, OverBudgetException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(Math.max(gzip.length, 256), 1 << 20));
        byte[] step = new byte[STEP];
        int offset = 0;
        int member = 0;
        Inflater inflater = new Inflater(true);
        try {
            do {
                member++;
                offset = header(gzip, offset, member);
                inflater.reset();
                inflater.setInput(gzip, offset, gzip.length - offset);
                CRC32 crc = new CRC32();
                long memberBytes = 0;
                while (!inflater.finished()) {
                    int n;
                    try {
                        n = inflater.inflate(step);
                    } catch (DataFormatException e) {
                        throw new MalformedBodyException("the body is not valid gzip: member " + member
                                + " is corrupt (" + e.getMessage() + ")");
                    }
                    if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                        throw new MalformedBodyException("the body is not valid gzip: member " + member
                                + " is truncated");
                    }
                    long total = (long) out.size() + n;
                    if (total > maxBytes) {
                        throw new BodyTooLargeException("the decompressed body exceeds " + maxBytes + " bytes");
                    }
                    if (n > 0 && !mayHold.test(total)) {
                        throw new OverBudgetException();
                    }
                    crc.update(step, 0, n);
                    out.write(step, 0, n);
                    memberBytes += n;
                }
                offset = gzip.length - inflater.getRemaining();
                if (gzip.length - offset < 8) {
                    throw new MalformedBodyException("the body is not valid gzip: member " + member
                            + " has no complete trailer");
                }
                long expectedCrc = uint32(gzip, offset);
                long expectedSize = uint32(gzip, offset + 4);
                offset += 8;
                if (expectedCrc != crc.getValue()) {
                    throw new MalformedBodyException("the body is not valid gzip: member " + member
                            + " fails its CRC-32 check");
                }
                if (expectedSize != (memberBytes & 0xFFFFFFFFL)) {
                    throw new MalformedBodyException("the body is not valid gzip: member " + member
                            + " is not the length its trailer says");
                }
            } while (offset < gzip.length && startsMember(gzip, offset));
        } finally {
            inflater.end();
        }
        if (offset < gzip.length) {
            throw new MalformedBodyException("the body is not valid gzip: " + (gzip.length - offset)
                    + " bytes of trailing data after the gzip stream (at byte " + offset + ")");
        }
        return out.toByteArray();
    }

    private static boolean startsMember(byte[] b, int at) {
        return b.length - at >= 2 && (b[at] & 0xFF) == 0x1F && (b[at + 1] & 0xFF) == 0x8B;
    }

    /** Checks a member header at {@code at}; returns where its deflate data begins. */
    private static int header(byte[] b, int at, int member) throws MalformedBodyException {
        if (!startsMember(b, at) || b.length - at < 10) {
            throw new MalformedBodyException("the body is not valid gzip: "
                    + (member == 1 ? "it does not start with a gzip header" : "member " + member + " has no header"));
        }
        if (b[at + 2] != 8) {
            throw new MalformedBodyException("the body is not valid gzip: compression method " + b[at + 2]
                    + " is not deflate");
        }
        int flags = b[at + 3] & 0xFF;
        int pos = at + 10;
        if ((flags & FEXTRA) != 0) {
            if (b.length - pos < 2) {
                throw truncatedHeader(member);
            }
            pos += 2 + ((b[pos] & 0xFF) | (b[pos + 1] & 0xFF) << 8);
        }
        if ((flags & FNAME) != 0) {
            pos = afterZero(b, pos, member);
        }
        if ((flags & FCOMMENT) != 0) {
            pos = afterZero(b, pos, member);
        }
        if ((flags & FHCRC) != 0) {
            pos += 2;
        }
        if (pos > b.length) {
            throw truncatedHeader(member);
        }
        return pos;
    }

    private static int afterZero(byte[] b, int pos, int member) throws MalformedBodyException {
        while (pos < b.length && b[pos] != 0) {
            pos++;
        }
        if (pos >= b.length) {
            throw truncatedHeader(member);
        }
        return pos + 1;
    }

    private static MalformedBodyException truncatedHeader(int member) {
        return new MalformedBodyException("the body is not valid gzip: the header of member " + member
                + " is truncated");
    }

    private static long uint32(byte[] b, int at) {
        return (b[at] & 0xFFL) | (b[at + 1] & 0xFFL) << 8 | (b[at + 2] & 0xFFL) << 16 | (b[at + 3] & 0xFFL) << 24;
    }
}
