package io.killkrill.stream;

import io.killkrill.model.DeadLetterCodec;
import io.killkrill.model.StreamEntry;
import redis.clients.jedis.UnifiedJedis;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Settling in Redis, each step one Lua script and so atomic (also under AOF and replication): what a crash
 * between a dead-letter XADD and the XACK could have duplicated, and what a retried settle whose answer was lost
 * could have written twice, cannot happen. A dead letter is written only for an entry still pending.
 */
final class Settlement {
    /** What one settle did. */
    record Settled(long acknowledged, long deadLettered, long deadLettersTrimmed) {
        static Settled of(Object reply) {
            List<?> values = (List<?>) reply;
            return new Settled((Long) values.get(0), (Long) values.get(1), (Long) values.get(2));
        }
    }

    private static final String SETTLE = LuaScripts.load(Settlement.class, "settle.lua");
    private static final String DEAD_LETTER_EXHAUSTED = LuaScripts.load(Settlement.class, "dead-letter-exhausted.lua");

    private final UnifiedJedis redis;
    private final String stream;
    private final String group;
    private final String deadLetterStream;
    private final String deadLetterMaxLength;

    Settlement(UnifiedJedis redis, String stream, String group, String deadLetterStream, long deadLetterMaxLength) {
        this.redis = redis;
        this.stream = stream;
        this.group = group;
        this.deadLetterStream = deadLetterStream;
        this.deadLetterMaxLength = Long.toString(deadLetterMaxLength);
    }

    /** Acknowledges every fate's entry; writes each dead letter whose entry is still pending. */
    Settled settle(List<EntryFate> fates) {
        List<String> completed = new ArrayList<>(fates.size());
        List<EntryFate.DeadLettered> letters = new ArrayList<>();
        for (EntryFate fate : fates) {
            if (fate instanceof EntryFate.DeadLettered dead) {
                letters.add(dead);
            } else {
                completed.add(fate.entryId());
            }
        }
        List<String> args = new ArrayList<>(3 + completed.size() + letters.size() * 10);
        args.add(group);
        args.add(deadLetterMaxLength);
        args.add(Integer.toString(completed.size()));
        args.addAll(completed);
        for (EntryFate.DeadLettered dead : letters) {
            Map<String, String> entry = DeadLetterCodec.toEntry(dead.letter());
            args.add(dead.entryId());
            args.add(Integer.toString(entry.size()));
            entry.forEach((field, value) -> {
                args.add(field);
                args.add(value);
            });
        }
        return Settled.of(redis.eval(SETTLE, List.of(stream, deadLetterStream), args));
    }

    /** Dead-letters, inside Redis, those of {@code ids} still pending with at least {@code maxDeliveries}. */
    Settled deadLetterExhausted(List<String> ids, int maxDeliveries, String service, String stage) {
        List<String> args = new ArrayList<>(7 + ids.size());
        args.add(group);
        args.add(deadLetterMaxLength);
        args.add(Integer.toString(maxDeliveries));
        args.add(StreamEntry.CURRENT_SCHEMA_VERSION);
        args.add(service);
        args.add(stage);
        args.add(Instant.now().toString());
        args.addAll(ids);
        return Settled.of(redis.eval(DEAD_LETTER_EXHAUSTED, List.of(stream, deadLetterStream), args));
    }

}
