package io.killkrill.stream.audit;

import io.killkrill.model.AuditSlot;
import io.killkrill.model.StreamEntry;
import io.killkrill.stream.LuaScripts;
import io.killkrill.stream.RetentionTrimmer;
import io.killkrill.stream.StreamRuntimes;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.PipelineBase;
import redis.clients.jedis.Response;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.XPendingParams;
import redis.clients.jedis.resps.StreamGroupInfo;
import redis.clients.jedis.resps.StreamPendingEntry;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The Redis half of an audit of one stream: the receivers' accepted counts per minute, and what is still pending
 * (delivered to the group and not acknowledged, or not delivered yet) or dead-lettered, each counted in the slot
 * its entry carries ({@link StreamEntry#AUDIT}). The store's half (indexed, stored) is the caller's.
 *
 * <p>The slots are read inside Redis ({@code audit-slots.lua}, {@value #PAGE} entries a call): an entry's data,
 * which can be tens of MB (the poison a worker's heap could not hold), never leaves Redis. How much is read is
 * bounded by the pipeline's own bounds: the pending and undelivered entries by the receivers' backlog limit, the
 * dead letters by the dead-letter stream's length limit.
 */
public final class StreamAudit {
    static final int PAGE = 32;
    static final int ATTEMPTS = 3;
    static final java.time.Duration PAUSE = java.time.Duration.ofSeconds(2);
    private static final String SLOTS = LuaScripts.load(StreamAudit.class, "audit-slots.lua");

    private final UnifiedJedis redis;
    private final List<StreamRuntimes.Shard> shards;
    private final String group;

    public StreamAudit(UnifiedJedis redis, String stream, String deadLetterStream, String group) {
        this(redis, List.of(new StreamRuntimes.Shard(stream, deadLetterStream)), group);
    }

    /** The audit of a sharded stream: every count is the sum over its shards. */
    public StreamAudit(UnifiedJedis redis, List<StreamRuntimes.Shard> shards, String group) {
        if (shards.isEmpty()) {
            throw new IllegalArgumentException("no shard to audit");
        }
        this.redis = redis;
        this.shards = List.copyOf(shards);
        this.group = group;
    }

    /** Counts per minute in [fromMinute, toMinute). */
    public record Counts(Map<Long, Long> accepted, Map<Long, Long> deadLettered, Map<Long, Long> pending) {
    }

    /**
     * Reads the counts: accepted first, then dead letters, then pending. An item moving on while this reads can
     * only be seen twice (pending, then also stored), never missed, when the caller reads its stored counts
     * before this method (an item is stored before it is acknowledged).
     */
    public Counts read(long fromMinute, long toMinute, Optional<String> service) {
        Map<Long, Long> accepted = new TreeMap<>();
        for (StreamRuntimes.Shard shard : shards) {
            accepted(shard.stream(), fromMinute, toMinute, service).forEach((m, n) -> accepted.merge(m, n, Long::sum));
        }
        Map<Long, Long> dead = new TreeMap<>();
        for (StreamRuntimes.Shard shard : shards) {
            slotsAfter(shard.deadLetterStream(), "0-0").values()
                    .forEach(slot -> count(dead, slot, fromMinute, toMinute, service));
        }
        Map<Long, Long> pending = new TreeMap<>();
        for (StreamRuntimes.Shard shard : shards) {
            unsettled(shard.stream()).forEach(slot -> count(pending, slot, fromMinute, toMinute, service));
        }
        return new Counts(accepted, dead, pending);
    }

    private static void count(Map<Long, Long> counts, String wire, long fromMinute, long toMinute,
                              Optional<String> service) {
        AuditSlot.parse(wire).filter(s -> s.epochMinute() >= fromMinute && s.epochMinute() < toMinute)
                .filter(s -> service.map(s.service()::equals).orElse(true))
                .ifPresent(s -> counts.merge(s.epochMinute(), 1L, Long::sum));
    }

    private Map<Long, Long> accepted(String stream, long fromMinute, long toMinute, Optional<String> service) {
        Map<Long, Response<Map<String, String>>> replies = new TreeMap<>();
        try (PipelineBase pipeline = redis.pipelined()) {
            for (long minute = fromMinute; minute < toMinute; minute++) {
                replies.put(minute, pipeline.hgetAll(AuditSlot.key(stream, minute)));
            }
            pipeline.sync();
        }
        Map<Long, Long> accepted = new TreeMap<>();
        replies.forEach((minute, reply) -> {
            long n = 0;
            for (Map.Entry<String, String> field : reply.get().entrySet()) {
                if (service.map(field.getKey()::equals).orElse(true)) {
                    n += Long.parseLong(field.getValue());
                }
            }
            if (n > 0) {
                accepted.put(minute, n);
            }
        });
        return accepted;
    }

    /** The slots of the entries the group has not acknowledged: pending ones, then those not delivered yet. */
    private List<String> unsettled(String stream) {
        List<String> out = new ArrayList<>();
        StreamEntryID lastDelivered;
        try {
            lastDelivered = redis.xinfoGroups(stream).stream().filter(g -> g.getName().equals(group))
                    .map(StreamGroupInfo::getLastDeliveredId).findFirst().orElse(null);
        } catch (JedisException e) {
            if (e.getMessage() != null && e.getMessage().contains("no such key")) {
                return out;
            }
            throw e;
        }
        if (lastDelivered == null) { // no group yet: every entry is undelivered
            out.addAll(slotsAfter(stream, "0-0").values());
            return out;
        }
        StreamEntryID from = StreamEntryID.MINIMUM_ID;
        while (true) {
            List<StreamPendingEntry> page = redis.xpending(stream, group,
                    XPendingParams.xPendingParams(from, StreamEntryID.MAXIMUM_ID, PAGE));
            if (!page.isEmpty()) {
                List<String> args = new ArrayList<>(List.of("ids"));
                page.forEach(p -> args.add(p.getID().toString()));
                out.addAll(pairs(redis.eval(SLOTS, List.of(stream), args)).values());
            }
            if (page.size() < PAGE) {
                break;
            }
            from = RetentionTrimmer.next(page.get(page.size() - 1).getID());
        }
        out.addAll(slotsAfter(stream, lastDelivered.toString()).values());
        return out;
    }

    /** The slots of the entries of {@code key} after {@code after} (exclusive), by entry ID. */
    private Map<String, String> slotsAfter(String key, String after) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        String from = after;
        while (true) {
            Map<String, String> page = pairs(redis.eval(SLOTS, List.of(key), List.of("range", from,
                    Integer.toString(PAGE))));
            out.putAll(page);
            if (page.size() < PAGE) {
                break;
            }
            from = new ArrayList<>(page.keySet()).get(page.size() - 1);
        }
        return out;
    }

    /** The script's flat ID, slot list as a map in entry order. */
    private static Map<String, String> pairs(Object reply) {
        List<?> flat = (List<?>) reply;
        Map<String, String> out = new java.util.LinkedHashMap<>();
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            out.put(text(flat.get(i)), text(flat.get(i + 1)));
        }
        return out;
    }

    private static String text(Object value) {
        return value instanceof byte[] bytes ? new String(bytes, StandardCharsets.UTF_8) : String.valueOf(value);
    }


    /**
     * The table: stored counts come from {@code stored} (read first, see {@link #read}); when a minute does not
     * reconcile, everything is read again, up to {@value #ATTEMPTS} times in all, {@link #PAUSE} apart, since an
     * item on its way (indexed but not searchable yet) can make one reading look short.
     */
    public AuditTable audit(String what, String storedAs, AuditCommand.Range range, StoredCounts stored)
            throws InterruptedException {
        long fromMinute = range.fromMinute();
        long toMinute = range.toMinute();
        Optional<String> service = range.service();
        AuditTable table = null;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            Map<Long, Long> storedCounts = stored.perMinute(fromMinute, toMinute, service);
            Counts counts = read(fromMinute, toMinute, service);
            List<AuditTable.Row> rows = new ArrayList<>();
            for (long minute = fromMinute; minute < toMinute; minute++) {
                rows.add(new AuditTable.Row(minute, counts.accepted().getOrDefault(minute, 0L),
                        storedCounts.getOrDefault(minute, 0L), counts.deadLettered().getOrDefault(minute, 0L),
                        counts.pending().getOrDefault(minute, 0L)));
            }
            table = new AuditTable(what, storedAs, rows);
            if (table.reconciled() || attempt == ATTEMPTS) {
                break;
            }
            Thread.sleep(PAUSE.toMillis());
        }
        return table;
    }

    /** The store's half: items stored per minute of their slot. */
    @FunctionalInterface
    public interface StoredCounts {
        Map<Long, Long> perMinute(long fromMinute, long toMinute, Optional<String> service);
    }
}
