package io.killkrill.stream.audit;

import io.killkrill.model.AuditSlot;
import io.killkrill.model.DeadLetter;
import io.killkrill.model.DeadLetterCodec;
import io.killkrill.stream.RetentionTrimmer;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.XPendingParams;
import redis.clients.jedis.resps.StreamEntry;
import redis.clients.jedis.resps.StreamGroupInfo;
import redis.clients.jedis.resps.StreamPendingEntry;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The Redis half of an audit of one stream: the receivers' accepted counts per minute, and what is still pending
 * (delivered to the group and not acknowledged, or not delivered yet) or dead-lettered, each counted in the slot
 * its item derives ({@link AuditSlot}). The store's half (indexed, stored) is the caller's.
 *
 * <p>What it reads is bounded by the pipeline's own bounds: the pending and undelivered entries by the receivers'
 * backlog limit, the dead letters by the dead-letter stream's length limit.
 */
public final class StreamAudit {
    private static final int PAGE = 1_000;

    private final JedisPooled redis;
    private final String stream;
    private final String deadLetterStream;
    private final String group;
    private final Function<Map<String, String>, Optional<AuditSlot>> entrySlot;
    private final Function<DeadLetter, Optional<AuditSlot>> letterSlot;

    /**
     * @param entrySlot  the slot of an entry of the stream (none for one no receiver wrote)
     * @param letterSlot the slot of a letter of the dead-letter stream
     */
    public StreamAudit(JedisPooled redis, String stream, String deadLetterStream, String group,
                       Function<Map<String, String>, Optional<AuditSlot>> entrySlot,
                       Function<DeadLetter, Optional<AuditSlot>> letterSlot) {
        this.redis = redis;
        this.stream = stream;
        this.deadLetterStream = deadLetterStream;
        this.group = group;
        this.entrySlot = entrySlot;
        this.letterSlot = letterSlot;
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
        Map<Long, Long> accepted = accepted(fromMinute, toMinute, service);
        Map<Long, Long> dead = new TreeMap<>();
        for (StreamEntry letter : all(deadLetterStream)) {
            DeadLetter decoded;
            try {
                decoded = DeadLetterCodec.fromEntry(letter.getFields());
            } catch (RuntimeException e) {
                continue; // not a letter: nothing a receiver accepted
            }
            count(dead, letterSlot.apply(decoded), fromMinute, toMinute, service);
        }
        Map<Long, Long> pending = new TreeMap<>();
        for (Map<String, String> entry : unsettled()) {
            count(pending, entrySlot.apply(entry), fromMinute, toMinute, service);
        }
        return new Counts(accepted, dead, pending);
    }

    private static void count(Map<Long, Long> counts, Optional<AuditSlot> slot, long fromMinute, long toMinute,
                              Optional<String> service) {
        slot.filter(s -> s.epochMinute() >= fromMinute && s.epochMinute() < toMinute)
                .filter(s -> service.map(s.service()::equals).orElse(true))
                .ifPresent(s -> counts.merge(s.epochMinute(), 1L, Long::sum));
    }

    private Map<Long, Long> accepted(long fromMinute, long toMinute, Optional<String> service) {
        Map<Long, Response<Map<String, String>>> replies = new TreeMap<>();
        try (Pipeline pipeline = redis.pipelined()) {
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

    /** The entries the group has not acknowledged: pending ones, then those not delivered yet. */
    private List<Map<String, String>> unsettled() {
        List<Map<String, String>> out = new ArrayList<>();
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
            all(stream).forEach(e -> out.add(e.getFields()));
            return out;
        }
        StreamEntryID from = StreamEntryID.MINIMUM_ID;
        while (true) {
            List<StreamPendingEntry> page = redis.xpending(stream, group,
                    XPendingParams.xPendingParams(from, StreamEntryID.MAXIMUM_ID, PAGE));
            List<Response<List<StreamEntry>>> entries = new ArrayList<>();
            try (Pipeline pipeline = redis.pipelined()) {
                for (StreamPendingEntry p : page) {
                    entries.add(pipeline.xrange(stream, p.getID(), p.getID()));
                }
                pipeline.sync();
            }
            entries.forEach(r -> r.get().forEach(e -> out.add(e.getFields())));
            if (page.size() < PAGE) {
                break;
            }
            from = RetentionTrimmer.next(page.get(page.size() - 1).getID());
        }
        StreamEntryID after = RetentionTrimmer.next(lastDelivered);
        while (true) {
            List<StreamEntry> page = redis.xrange(stream, after, StreamEntryID.MAXIMUM_ID, PAGE);
            page.forEach(e -> out.add(e.getFields()));
            if (page.size() < PAGE) {
                break;
            }
            after = RetentionTrimmer.next(page.get(page.size() - 1).getID());
        }
        return out;
    }

    private List<StreamEntry> all(String key) {
        List<StreamEntry> out = new ArrayList<>();
        StreamEntryID from = StreamEntryID.MINIMUM_ID;
        while (true) {
            List<StreamEntry> page = redis.xrange(key, from, StreamEntryID.MAXIMUM_ID, PAGE);
            out.addAll(page);
            if (page.size() < PAGE) {
                return out;
            }
            from = RetentionTrimmer.next(page.get(page.size() - 1).getID());
        }
    }

    /**
     * The table: stored counts come from {@code stored} (read first, see {@link #read}); a minute that does not
     * reconcile is read again up to {@code attempts} times in all, {@code pause} apart, since an item on its
     * way (indexed but not searchable yet) can make one reading look short.
     */
    public AuditTable audit(String what, String storedAs, long fromMinute, long toMinute, Optional<String> service,
                            StoredCounts stored, int attempts, java.time.Duration pause) throws InterruptedException {
        AuditTable table = null;
        for (int attempt = 1; attempt <= attempts; attempt++) {
            Map<Long, Long> storedCounts = stored.perMinute(fromMinute, toMinute, service);
            Counts counts = read(fromMinute, toMinute, service);
            List<AuditTable.Row> rows = new ArrayList<>();
            for (long minute = fromMinute; minute < toMinute; minute++) {
                rows.add(new AuditTable.Row(minute, counts.accepted().getOrDefault(minute, 0L),
                        storedCounts.getOrDefault(minute, 0L), counts.deadLettered().getOrDefault(minute, 0L),
                        counts.pending().getOrDefault(minute, 0L)));
            }
            table = new AuditTable(what, storedAs, rows);
            if (table.reconciled() || attempt == attempts) {
                break;
            }
            Thread.sleep(pause.toMillis());
        }
        return table;
    }

    /** The store's half: items stored per minute of their slot. */
    @FunctionalInterface
    public interface StoredCounts {
        Map<Long, Long> perMinute(long fromMinute, long toMinute, Optional<String> service);
    }
}
