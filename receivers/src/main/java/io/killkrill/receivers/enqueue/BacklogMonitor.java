package io.killkrill.receivers.enqueue;

import io.killkrill.receivers.ReceiverMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.resps.StreamGroupInfo;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Keeps Redis' health and each stream's backlog fresh (every {@value #PERIOD_MILLIS} ms), so request paths read a
 * cached number instead of asking Redis. Backlog of a stream: for each consumer group, entries not yet delivered
 * ({@code lag}) plus delivered but not acknowledged ({@code pending}), the largest over groups; the stream length
 * when it has no group (or Redis cannot tell the lag).
 *
 * <p>Both streams are watched alike: an HTTP request is refused when the stream it writes to is over the limit
 * ({@link #overLimit}); the {@link FlowGate} reads it for every transport. Each stream is
 * measured on its own, so one that cannot be measured (its key holds another type, say) keeps its last figure
 * without freezing the other's.
 */
public final class BacklogMonitor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BacklogMonitor.class);
    static final long PERIOD_MILLIS = 250;

    private final StreamWriter writer;
    private final List<String> streams;
    private final long maxBacklog;
    private final Map<String, Long> backlog = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer;
    private final Map<String, Boolean> reportedOverLimit = new ConcurrentHashMap<>();
    private final String logsStream;

    public BacklogMonitor(StreamWriter writer, String logsStream, String metricsStream, long maxBacklog,
                          ReceiverMetrics metrics) {
        this.writer = writer;
        this.logsStream = logsStream;
        this.streams = List.of(logsStream, metricsStream);
        this.maxBacklog = maxBacklog;
        streams.forEach(s -> {
            backlog.put(s, 0L);
            reportedOverLimit.put(s, false);
            metrics.backlogGauge(s, () -> backlog.getOrDefault(s, 0L));
        });
        refresh();
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "killkrill-backlog-monitor");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::refresh, PERIOD_MILLIS, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** The last measured backlog of a stream. */
    public long backlog(String stream) {
        return backlog.getOrDefault(stream, 0L);
    }

    public boolean overLimit(String stream) {
        return backlog(stream) > maxBacklog;
    }

    private void refresh() {
        try {
            if (!writer.probe()) {
                return;
            }
            for (String stream : streams) {
                refresh(stream);
            }
        } catch (RuntimeException e) {
            LOG.warn("stage=enqueue backlog check failed: {}", e.toString());
        }
    }

    /** A stream's backlog: the sum of its shards' (each a Redis key of its own). */
    private void refresh(String stream) {
        try {
            backlog.put(stream, writer.sumOverShards(stream, BacklogMonitor::measure));
        } catch (RuntimeException e) {
            LOG.warn("stage=enqueue backlog check of {} failed, keeping {}: {}", stream, backlog(stream),
                    e.toString());
            return;
        }
        boolean over = overLimit(stream);
        if (over != reportedOverLimit.put(stream, over)) {
            LOG.info("stage=enqueue backlog of {} is {} (limit {}): {}", stream, backlog(stream), maxBacklog,
                    over ? "refusing new input to it" : "accepting again");
            if (stream.equals(logsStream)) {
                writer.notifyFlowChange();
            }
        }
    }

    static long measure(Jedis jedis, String stream) {
        long length = jedis.xlen(stream);
        if (length == 0) {
            return 0;
        }
        List<StreamGroupInfo> groups = jedis.xinfoGroups(stream);
        if (groups.isEmpty()) {
            return length;
        }
        long worst = 0;
        for (StreamGroupInfo group : groups) {
            Object lag = group.getGroupInfo().get("lag");
            long undelivered = lag instanceof Long l ? l : length;
            worst = Math.max(worst, undelivered + group.getPending());
        }
        return worst;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
