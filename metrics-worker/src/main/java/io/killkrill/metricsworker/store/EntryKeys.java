package io.killkrill.metricsworker.store;

import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * Stream entry IDs ({@code <milliseconds>-<sequence>}, both unsigned 64-bit) as one ordered number,
 * milliseconds * 2^64 + sequence, the keys of {@code applied_entries}.
 */
public final class EntryKeys {
    private static final BigInteger TWO_TO_64 = BigInteger.ONE.shiftLeft(64);

    private EntryKeys() {
    }

    public static BigDecimal of(String entryId) {
        int dash = entryId.indexOf('-');
        if (dash <= 0 || dash == entryId.length() - 1) {
            throw new IllegalArgumentException("not a stream entry ID: " + entryId);
        }
        BigInteger millis = new BigInteger(entryId.substring(0, dash));
        BigInteger sequence = new BigInteger(entryId.substring(dash + 1));
        if (millis.signum() < 0 || sequence.signum() < 0 || millis.bitLength() > 64 || sequence.bitLength() > 64) {
            throw new IllegalArgumentException("not a stream entry ID: " + entryId);
        }
        return new BigDecimal(millis.multiply(TWO_TO_64).add(sequence));
    }

    public static String toEntryId(BigDecimal key) {
        BigInteger[] parts = key.toBigIntegerExact().divideAndRemainder(TWO_TO_64);
        return parts[0] + "-" + parts[1];
    }
}
