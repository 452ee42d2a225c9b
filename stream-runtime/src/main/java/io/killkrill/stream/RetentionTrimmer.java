package io.killkrill.stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.XTrimParams;
import redis.clients.jedis.resps.StreamGroupInfo;
import redis.clients.jedis.resps.StreamPendingSummary;

import java.util.List;
import java.util.Optional;

/**
 * Keeps a stream's memory bounded: removes the entries every consumer group on the stream is done with.
 *
 * <p>For each group the oldest entry it may still need is its oldest pending entry (XPENDING), or, when
 * nothing is pending, the entry after its last-delivered-id (XINFO GROUPS). The stream is trimmed with
 * {@code XTRIM MINID} to the smallest of these over all groups, so an unacknowledged entry, or one a group has
 * not read yet, is never removed. A stream without groups is left alone. Safe to run from several workers.
 * The {@link StreamRuntime} runs it for the stream of every worker, so both streams stay bounded by what their
 * groups still need.
 */
public final class RetentionTrimmer {
    private static final Logger LOG = LoggerFactory.getLogger(RetentionTrimmer.class);

    /**
     * @param trimmedBefore entries below this ID were removed (empty: nothing could be trimmed)
     * @param removed       how many entries this run removed
     * @param groups        what each group's state was
     */
    public record Trim(Optional<StreamEntryID> trimmedBefore, long removed, List<GroupState> groups) {
    }

    /**
     * @param lag entries not yet delivered to the group (Redis 7 XINFO GROUPS {@code lag}); -1 when unknown
     */
    public record GroupState(String group, long pending, StreamEntryID lastDelivered, Optional<StreamEntryID> oldestPending,
                             long lag) {
        /** The oldest entry the group may still need: every entry below it is acknowledged by the group. */
        public StreamEntryID oldestNeeded() {
            StreamEntryID afterLast = next(lastDelivered);
            return oldestPending.filter(p -> p.compareTo(afterLast) < 0).orElse(afterLast);
        }
    }

    private final UnifiedJedis redis;
    private final String stream;

    public RetentionTrimmer(UnifiedJedis redis, String stream) {
        this.redis = redis;
        this.stream = stream;
    }

    public Trim trimOnce() {
        List<GroupState> groups = groups();
        if (groups.isEmpty()) {
            return new Trim(Optional.empty(), 0, List.of());
        }
        StreamEntryID keepFrom = null;
        for (GroupState group : groups) {
            StreamEntryID needed = group.oldestNeeded();
            if (keepFrom == null || needed.compareTo(keepFrom) < 0) {
                keepFrom = needed;
            }
        }
        long removed = redis.xtrim(stream, XTrimParams.xTrimParams().minId(keepFrom.toString()));
        if (removed > 0) {
            LOG.debug("stage=ack trimmed {} entries below {} from {}", removed, keepFrom, stream);
        }
        return new Trim(Optional.of(keepFrom), removed, groups);
    }

    /** Every group's state on the stream (XINFO GROUPS, and XPENDING where something is pending); none without one. */
    public List<GroupState> groups() {
        try {
            return redis.xinfoGroups(stream).stream().map(this::state).toList();
        } catch (JedisException e) {
            if (e.getMessage() != null && e.getMessage().contains("no such key")) {
                return List.of();
            }
            throw e;
        }
    }

    private GroupState state(StreamGroupInfo info) {
        Optional<StreamEntryID> oldest = Optional.empty();
        if (info.getPending() > 0) {
            StreamPendingSummary summary = redis.xpending(stream, info.getName());
            if (summary.getTotal() > 0 && summary.getMinId() != null) {
                oldest = Optional.of(summary.getMinId());
            }
        }
        Object lag = info.getGroupInfo().get("lag");
        long lagValue = lag instanceof Long l ? l : -1;
        return new GroupState(info.getName(), info.getPending(), info.getLastDeliveredId(), oldest, lagValue);
    }

    /** The smallest entry ID after {@code id}. */
    public static StreamEntryID next(StreamEntryID id) {
        return id.getSequence() == Long.MAX_VALUE ? new StreamEntryID(id.getTime() + 1, 0)
                : new StreamEntryID(id.getTime(), id.getSequence() + 1);
    }
}
