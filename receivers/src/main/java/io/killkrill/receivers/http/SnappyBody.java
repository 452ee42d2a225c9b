package io.killkrill.receivers.http;

import org.xerial.snappy.Snappy;

import java.io.IOException;
import java.util.function.LongPredicate;

/**
 * Decompresses a snappy body in the block format (not the framed one), as Prometheus remote_write sends it. The
 * block starts with its uncompressed length (a varint); that length is checked against the cap and the memory
 * budget before anything is allocated for it, so a snappy bomb (a tiny body that claims, or expands to, more than
 * the cap) is refused without being expanded. The decompression itself (snappy-java) then checks that the block
 * expands to exactly that length.
 */
final class SnappyBody {
    private SnappyBody() {
    }

    /** @param mayHold asked once, with the uncompressed length; false stops with {@link GzipBody.OverBudgetException} */
    static byte[] uncompress(byte[] block, long maxBytes, LongPredicate mayHold)
            throws MalformedBodyException, BodyTooLargeException, GzipBody.OverBudgetException {
        long length = uncompressedLength(block);
        if (length > maxBytes || length > Integer.MAX_VALUE - 8) {
            throw new BodyTooLargeException("the decompressed body (" + length + " bytes, as its snappy header says) "
                    + "exceeds " + maxBytes + " bytes");
        }
        if (!mayHold.test(length)) {
            throw new GzipBody.OverBudgetException();
        }
        byte[] out = new byte[(int) length];
        try {
            if (!Snappy.isValidCompressedBuffer(block)) {
                throw new MalformedBodyException("the body is not valid snappy (block format): it is corrupt or "
                        + "truncated");
            }
            int n = Snappy.uncompress(block, 0, block.length, out, 0);
            if (n != length) {
                throw new MalformedBodyException("the body is not valid snappy (block format): it expands to " + n
                        + " bytes, its header says " + length);
            }
        } catch (IOException e) {
            throw new MalformedBodyException("the body is not valid snappy (block format): " + e.getMessage());
        }
        return out;
    }

    /** The varint at the start of a block: at most 5 bytes, at most 2^32 - 1. */
    static long uncompressedLength(byte[] block) throws MalformedBodyException {
        long length = 0;
        for (int i = 0; i < 5; i++) {
            if (i >= block.length) {
                throw new MalformedBodyException("the body is not valid snappy (block format): "
                        + (block.length == 0 ? "it is empty" : "its length header is truncated"));
            }
            int b = block[i] & 0xFF;
            length |= (long) (b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0) {
                if (length > 0xFFFFFFFFL) {
                    break;
                }
                return length;
            }
        }
        throw new MalformedBodyException("the body is not valid snappy (block format): its length header is not a "
                + "32-bit varint");
    }
}
