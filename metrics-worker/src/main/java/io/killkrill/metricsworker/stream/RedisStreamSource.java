package io.killkrill.metricsworker.stream;

import io.killkrill.model.DeadLetter;
import io.killkrill.model.DeadLetterCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.AbstractTransaction;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.XAutoClaimParams;
import redis.clients.jedis.params.XPendingParams;
import redis.clients.jedis.params.XReadGroupParams;
import redis.clients.jedis.resps.StreamEntry;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Reads a stream through a consumer group (XREADGROUP) and takes over entries another consumer left pending
 * longer than the claim idle time (XAUTOCLAIM). Settling is one MULTI/EXEC: dead letters XADDed and entries
 * XACKed together.
 */
public final class RedisStreamSource implements EntrySource {
    private static final Logger LOG = LoggerFactory.getLogger(RedisStreamSource.class);

    private final JedisPooled redis;
    private final String stream;
    private final String group;
    private final String consumer;
    private final String deadLetterStream;
    private final int batchSize;
    private final Duration readBlock;
    private final Duration claimIdle;
    private StreamEntryID claimCursor = new StreamEntryID();
    private long nextClaimAtMillis;

    public RedisStreamSource(URI redisUrl, String stream, String group, String consumer, String deadLetterStream,
                             int batchSize, Duration readBlock, Duration claimIdle) {
        // the socket must outlive a blocking XREADGROUP
        this.redis = new JedisPooled(redisUrl, (int) Math.max(2000, readBlock.toMillis() + 2000));
        this.stream = stream;
        this.group = group;
        this.consumer = consumer;
        this.deadLetterStream = deadLetterStream;
        this.batchSize = batchSize;
        this.readBlock = readBlock;
        this.claimIdle = claimIdle;
        ensureGroup();
    }

    private void ensureGroup() {
        try {
            // from the beginning: entries written before the first worker started are not skipped
            redis.xgroupCreate(stream, group, new StreamEntryID(), true);
            LOG.info("stage=read created consumer group {} on {}", group, stream);
        } catch (JedisDataException e) {
            if (!String.valueOf(e.getMessage()).startsWith("BUSYGROUP")) {
                throw e;
            }
        }
    }

    @Override
    public Batch poll() {
        List<SourceEntry> claimed = claimIdleEntries();
        if (!claimed.isEmpty()) {
            return new Batch(claimed, false);
        }
        List<Map.Entry<String, List<StreamEntry>>> read = redis.xreadGroup(group, consumer,
                XReadGroupParams.xReadGroupParams().count(batchSize).block((int) readBlock.toMillis()),
                Map.of(stream, StreamEntryID.UNRECEIVED_ENTRY));
        List<SourceEntry> entries = new ArrayList<>();
        if (read != null) {
            for (Map.Entry<String, List<StreamEntry>> perStream : read) {
                for (StreamEntry entry : perStream.getValue()) {
                    entries.add(new SourceEntry(entry.getID().toString(), entry.getFields()));
                }
            }
        }
        // '>' hands out the next entries after the group's last delivered one: no entry in between is skipped
        return new Batch(entries, true);
    }

    private List<SourceEntry> claimIdleEntries() {
        long now = System.currentTimeMillis();
        if (now < nextClaimAtMillis) {
            return List.of();
        }
        Map.Entry<StreamEntryID, List<StreamEntry>> result = redis.xautoclaim(stream, group, consumer,
                claimIdle.toMillis(), claimCursor, XAutoClaimParams.xAutoClaimParams().count(batchSize));
        StreamEntryID next = result.getKey();
        boolean scanComplete = next == null || next.equals(new StreamEntryID());
        claimCursor = scanComplete ? new StreamEntryID() : next;
        if (scanComplete) {
            // a full pass over the pending list done; look again after a fraction of the idle time
            nextClaimAtMillis = now + Math.max(100, claimIdle.toMillis() / 4);
        }
        List<SourceEntry> entries = new ArrayList<>();
        for (StreamEntry entry : result.getValue()) {
            if (entry != null && entry.getFields() != null) {
                entries.add(new SourceEntry(entry.getID().toString(), entry.getFields()));
            }
        }
        if (!entries.isEmpty()) {
            LOG.info("stage=read claimed {} entries idle longer than {} ms on {}", entries.size(),
                    claimIdle.toMillis(), stream);
        }
        return entries;
    }

    @Override
    public void settle(Collection<String> acknowledged, List<DeadLetter> deadLetters) {
        if (acknowledged.isEmpty() && deadLetters.isEmpty()) {
            return;
        }
        StreamEntryID[] ids = acknowledged.stream().map(StreamEntryID::new).toArray(StreamEntryID[]::new);
        try (AbstractTransaction tx = redis.multi()) {
            for (DeadLetter letter : deadLetters) {
                tx.xadd(deadLetterStream, StreamEntryID.NEW_ENTRY, DeadLetterCodec.toEntry(letter));
            }
            if (ids.length > 0) {
                tx.xack(stream, group, ids);
            }
            tx.exec();
        }
    }

    @Override
    public boolean anyPending(String firstId, String lastId) {
        return !redis.xpending(stream, group, XPendingParams.xPendingParams(new StreamEntryID(firstId),
                new StreamEntryID(lastId), 1)).isEmpty();
    }

    @Override
    public String streamName() {
        return stream;
    }

    @Override
    public boolean isReachable() {
        try {
            return "PONG".equals(redis.ping());
        } catch (RuntimeException e) {
            return false;
        }
    }

    @Override
    public void close() {
        redis.close();
    }
}
