package io.killkrill.receivers.relp;

import java.util.OptionalLong;

/** What {@link RelpFrameDecoder} makes of the bytes of a RELP session: a frame, or the end of framing. */
public sealed interface RelpInput {

    /**
     * One well-framed command: {@code TXNR SP COMMAND SP DATALEN [SP DATA] LF}.
     *
     * @param data       the DATA part; when {@code tooLarge}, only its first maximum-size bytes (the rest was
     *                   skipped without being buffered)
     * @param tooLarge   DATALEN was above the maximum data size
     * @param wireLength the bytes the frame took on the connection, header and trailer included
     */
    record Frame(long txnr, String command, byte[] data, boolean tooLarge, long wireLength) implements RelpInput {
    }

    /**
     * Bytes that are not a RELP frame (a bad TXNR, COMMAND or DATALEN, DATA not followed by the LF trailer, a frame
     * cut off by the end of the connection). Where the next frame would start cannot be known, so nothing after
     * it is read: the decoder discards the rest of the connection.
     *
     * @param txnr    the frame's TXNR, when it was read before the problem
     * @param problem what broke, for the dead letter and the log
     * @param raw     the bytes of the broken frame as received, at most the maximum data size
     */
    record Malformed(OptionalLong txnr, String problem, byte[] raw) implements RelpInput {
    }
}
