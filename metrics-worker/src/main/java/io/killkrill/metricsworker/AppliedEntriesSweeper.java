package io.killkrill.metricsworker;

import io.killkrill.metricsworker.store.AggregateStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.resps.StreamGroupInfo;
import redis.clients.jedis.resps.StreamPendingSummary;

import java.time.Duration;

/**
 * Keeps the applied-entries ledger small without ever letting an entry be applied twice.
 *
 * <p>The invariant: a ledger row is deleted only {@link #retention} after the sweep saw every entry of its range
 * acknowledged by the group, and a worker applies an entry only if Redis confirmed it pending for that worker at
 * most {@link #holdConfirmation} (half the retention) before the transaction. An entry pending at time t was
 * acknowledged after t; so when a worker applies a copy it still holds, the row that records the entry's first
 * application is still there, and the copy is skipped. Pruning rows as soon as their batch was acknowledged (as
 * before) broke this: a copy claimed while the owner retried its transaction was applied again after the owner
 * acknowledged and pruned.
 *
 * <p>Each sweep: the bound below which every entry is acknowledged is the group's oldest pending entry (or, with
 * nothing pending, the entry after the last delivered one); rows entirely below it are marked settled, rows
 * settled longer than the retention are deleted. Safe to run from every replica at once.
 */
final class AppliedEntriesSweeper {
    private static final Logger LOG = LoggerFactory.getLogger(AppliedEntriesSweeper.class);

    private final UnifiedJedis redis;
    private final AggregateStore store;
    private final String stream;
    private final String group;
    private final Duration retention;

    AppliedEntriesSweeper(UnifiedJedis redis, AggregateStore store, String stream, String group, Duration claimIdle) {
        this.redis = redis;
        this.store = store;
        this.stream = stream;
        this.group = group;
        this.retention = retention(claimIdle);
    }

    /** How long a row outlives the acknowledgement of its entries: ten claim idle times. */
    static Duration retention(Duration claimIdle) {
        return claimIdle.multipliedBy(10);
    }

    /** The longest a worker applies entries on the strength of one confirmation that it holds them. */
    static Duration holdConfirmation(Duration claimIdle) {
        return retention(claimIdle).dividedBy(2);
    }

    void sweep() {
        try {
            StreamEntryID lastDelivered = null;
            for (StreamGroupInfo info : redis.xinfoGroups(stream)) {
                if (info.getName().equals(group)) {
                    lastDelivered = info.getLastDeliveredId();
                }
            }
            if (lastDelivered == null) {
                return;
            }
            StreamEntryID below = next(lastDelivered);
            StreamPendingSummary pending = redis.xpending(stream, group);
            if (pending.getTotal() > 0 && pending.getMinId() != null && pending.getMinId().compareTo(below) < 0) {
                below = pending.getMinId();
            }
            long[] swept = store.sweep(below.toString(), retention);
            if (swept[1] > 0) {
                LOG.info("stage=persist deleted {} applied-entry records settled more than {} ago", swept[1],
                        retention);
            }
        } catch (RuntimeException e) {
            LOG.warn("stage=persist sweeping the applied-entry records failed (harmless, next time): {}",
                    e.toString());
        }
    }

    private static StreamEntryID next(StreamEntryID id) {
        return id.getSequence() == Long.MAX_VALUE ? new StreamEntryID(id.getTime() + 1, 0)
                : new StreamEntryID(id.getTime(), id.getSequence() + 1);
    }
}
