package io.killkrill.metricsworker;

import io.killkrill.metricsworker.store.AggregateStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.killkrill.stream.RetentionTrimmer;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.UnifiedJedis;

import java.time.Duration;
import java.util.Optional;

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
 * <p>Each sweep: the bound below which every entry is acknowledged is the group's oldest needed entry
 * ({@link RetentionTrimmer.GroupState#oldestNeeded}: its oldest pending one, or the one after the last delivered); rows entirely below it are marked settled, rows
 * settled longer than the retention are deleted. Safe to run from every replica at once.
 */
final class AppliedEntriesSweeper {
    private static final Logger LOG = LoggerFactory.getLogger(AppliedEntriesSweeper.class);

    private final RetentionTrimmer trimmer;
    private final AggregateStore store;
    private final int shard;
    private final String group;
    private final Duration retention;

    /** The sweep of the ledger rows of stream shard {@code shard}, whose stream is {@code stream}. */
    AppliedEntriesSweeper(UnifiedJedis redis, AggregateStore store, int shard, String stream, String group,
                          Duration claimIdle) {
        this.trimmer = new RetentionTrimmer(redis, stream);
        this.store = store;
        this.shard = shard;
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
            Optional<StreamEntryID> below = trimmer.groups().stream().filter(g -> g.group().equals(group))
                    .findFirst().map(RetentionTrimmer.GroupState::oldestNeeded);
            if (below.isEmpty()) {
                return;
            }
            long[] swept = store.sweep(shard, below.get().toString(), retention);
            if (swept[1] > 0) {
                LOG.info("stage=persist deleted {} applied-entry records settled more than {} ago", swept[1],
                        retention);
            }
        } catch (RuntimeException e) {
            LOG.warn("stage=persist sweeping the applied-entry records failed (harmless, next time): {}",
                    e.toString());
        }
    }
}
