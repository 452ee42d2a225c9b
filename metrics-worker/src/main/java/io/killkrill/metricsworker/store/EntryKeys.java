package io.killkrill.metricsworker.store;

import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * Stream entry IDs ({@code <milliseconds>-<sequence>}, both unsigned 64-bit) as one ordered number,
 * milliseconds * 2^64 + sequence, the keys of {@code applied_entries}. An entry ID is unique in its stream only, so
 * the entries of stream shard {@code s} ({@code KILLKRILL_STREAM_SHARDS}) are keyed above {@code s * 2^128}
 * ({@link #of(int, String)}): the shards' keys never meet, and shard 0's are the IDs' own numbers, as with one
 * shard (see {@code V6__applied_entries_per_shard.sql}).
 */
public final class EntryKeys {
    private static final BigInteger TWO_TO_64 = BigInteger.ONE.shiftLeft(64);
    private static final BigInteger TWO_TO_128 = BigInteger.ONE.shiftLeft(128);

    private EntryKeys() {
    }

    /** The key of an entry of stream shard {@code shard}: {@code shard * 2^128 +} {@link #of(String)}. */
    public static BigDecimal of(int shard, String entryId) {
        return shardBase(shard).add(of(entryId));
    }

    /** The lowest key of stream shard {@code shard} (that of its entry {@code 0-0}). */
    public static BigDecimal shardBase(int shard) {
        if (shard < 0) {
            throw new IllegalArgumentException("no shard " + shard);
        }
        return new BigDecimal(TWO_TO_128.multiply(BigInteger.valueOf(shard)));
    }

    /** The key of an entry of the one stream, or of shard 0. */
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

    /** The entry ID of a key (of any shard). */
    public static String toEntryId(BigDecimal key) {
        BigInteger[] parts = key.toBigIntegerExact().mod(TWO_TO_128).divideAndRemainder(TWO_TO_64);
        return parts[0] + "-" + parts[1];
    }
}
