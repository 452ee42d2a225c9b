package io.killkrill.receivers.enqueue;

import io.killkrill.receivers.ReceiverMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;
import redis.clients.jedis.JedisPoolConfig;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.Response;
import redis.clients.jedis.args.Rawable;
import redis.clients.jedis.args.RawableFactory;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.util.SafeEncoder;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The one component that writes to Redis. Callers from every connection hand over entries; one writer thread
 * collects whatever is pending (up to {@link #MAX_BATCH} entries), sends it as one pipelined XADD batch and
 * completes each caller's future only once Redis confirmed all of that caller's entries.
 *
 * <p>Two delivery modes: {@link Delivery#FAIL_FAST} (HTTP: the client is told 503 and retries) and
 * {@link Delivery#UNTIL_STORED} (syslog, dead letters: kept and re-sent when Redis is back, since the sender
 * cannot be told; the transports stop reading while {@link #acceptingMore()} is false, which bounds them).
 */
public final class StreamWriter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StreamWriter.class);
    public static final int MAX_BATCH = 4096;
    /**
     * Above this many queued entries, the transports that can wait (syslog TCP) stop reading. A few batches keep
     * the writer busy; more only add live heap that every young collection copies again (at 50 000 queued entries,
     * a syslog flood spent a fifth of its CPU in GC).
     */
    public static final int HIGH_WATERMARK = 4 * MAX_BATCH;
    private static final int LOW_WATERMARK = HIGH_WATERMARK / 2;
    /** Hard bound for fail-fast entries queued; beyond it HTTP gets 503 at once. */
    public static final int CAPACITY = 200_000;

    public enum Delivery { FAIL_FAST, UNTIL_STORED }

    private static final Rawable NEW_ENTRY_ID = RawableFactory.from("*");

    /** One entry for one stream. */
    public record Entry(String stream, Map<String, String> fields) {
    }

    private record Pending(List<Entry> entries, CompletableFuture<Void> done, Delivery delivery) {
    }

    private final JedisPool pool;
    private final ReceiverMetrics metrics;
    private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
    private final ArrayDeque<Pending> retry = new ArrayDeque<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final List<Runnable> flowListeners = new CopyOnWriteArrayList<>();
    private final Thread writer;
    private volatile boolean available;
    private volatile boolean aboveHighWatermark;
    private volatile boolean running = true;
    private volatile boolean stopAccepting;

    public StreamWriter(URI redisUri, ReceiverMetrics metrics) {
        JedisPoolConfig poolConfig = new JedisPoolConfig();
        poolConfig.setMaxTotal(8);
        poolConfig.setMaxWait(Duration.ofSeconds(2));
        this.pool = new JedisPool(poolConfig, redisUri, 2000);
        this.metrics = metrics;
        this.available = ping();
        this.writer = new Thread(this::run, "killkrill-stream-writer");
        this.writer.setDaemon(true);
        this.writer.start();
    }

    /** Borrow a connection for a short, non-write command (health, backlog). */
    public JedisPool pool() {
        return pool;
    }

    /** Whether Redis answered the last write or ping. */
    public boolean redisAvailable() {
        return available;
    }

    /** Whether transports that can pause (syslog TCP) should keep reading. */
    public boolean acceptingMore() {
        return available && !aboveHighWatermark;
    }

    /** Called (from any thread) whenever {@link #acceptingMore()} may have changed. */
    public void onFlowChange(Runnable listener) {
        flowListeners.add(listener);
    }

    public int queued() {
        return queued.get();
    }

    /**
     * Queues entries; the future completes once Redis stored all of them, or fails with
     * {@link RedisUnavailableException} (FAIL_FAST only) or another {@link JedisException} (a Redis error reply).
     */
    public CompletableFuture<Void> write(List<Entry> entries, Delivery delivery) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (entries.isEmpty()) {
            done.complete(null);
            return done;
        }
        if (delivery == Delivery.FAIL_FAST && (!available || stopAccepting || queued.get() >= CAPACITY)) {
            done.completeExceptionally(new RedisUnavailableException(!available ? "Redis is unavailable"
                    : stopAccepting ? "the receiver is shutting down" : "the write queue is full"));
            return done;
        }
        int now = queued.addAndGet(entries.size());
        queue.add(new Pending(entries, done, delivery));
        if (now >= HIGH_WATERMARK && !aboveHighWatermark) {
            aboveHighWatermark = true;
            fireFlowChange();
        }
        LockSupport.unpark(writer);
        return done;
    }

    private void run() {
        List<Pending> batch = new ArrayList<>();
        while (running || !queue.isEmpty() || !retry.isEmpty()) {
            if (!available) {
                failFastPendingWhileDown();
                if (!running && !queue.isEmpty() || !running && !retry.isEmpty()) {
                    // shutting down while Redis is down: try once more below, then give up with a count
                    if (!ping()) {
                        abandonOnShutdown();
                        return;
                    }
                }
                if (ping()) {
                    markAvailable(true);
                } else {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
                    continue;
                }
            }
            batch.clear();
            int size = 0;
            while (!retry.isEmpty() && size < MAX_BATCH) {
                Pending p = retry.poll();
                batch.add(p);
                size += p.entries().size();
            }
            Pending next;
            while (size < MAX_BATCH && (next = queue.poll()) != null) {
                batch.add(next);
                size += next.entries().size();
            }
            if (batch.isEmpty()) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
                continue;
            }
            send(batch, size);
        }
    }

    private void send(List<Pending> batch, int size) {
        long start = System.nanoTime();
        List<List<Response<Object>>> responses = new ArrayList<>(batch.size());
        try (Jedis jedis = pool.getResource()) {
            Pipeline pipeline = jedis.pipelined();
            for (Pending p : batch) {
                List<Response<Object>> own = new ArrayList<>(p.entries().size());
                for (Entry e : p.entries()) {
                    own.add(pipeline.sendCommand(xadd(e)));
                }
                responses.add(own);
            }
            pipeline.sync();
        } catch (JedisConnectionException e) {
            LOG.warn("stage=enqueue Redis connection failed while writing {} entries: {}", size, e.toString());
            failBatch(batch, "Redis is unavailable: " + e);
            return;
        } catch (RuntimeException e) {
            LOG.error("stage=enqueue pipelined XADD of {} entries failed", size, e);
            failBatch(batch, "Redis write failed: " + e);
            return;
        }
        metrics.xaddBatch(System.nanoTime() - start, size);
        for (int i = 0; i < batch.size(); i++) {
            Pending p = batch.get(i);
            release(p);
            JedisException failure = null;
            for (Response<Object> r : responses.get(i)) {
                try {
                    r.get();
                } catch (JedisException e) {
                    failure = e;
                }
            }
            if (failure == null) {
                p.done().complete(null);
            } else {
                LOG.error("stage=enqueue Redis refused an XADD: {}", failure.getMessage());
                p.done().completeExceptionally(failure);
            }
        }
    }

    /**
     * {@code XADD stream * field value ...}, the command {@code pipeline.xadd} sends, with every argument encoded
     * once: {@code xadd} encodes each string and then copies the bytes again, and parses every reply into a
     * {@link redis.clients.jedis.StreamEntryID} nobody reads (together a sixth of the receivers' CPU).
     */
    private static CommandArguments xadd(Entry entry) {
        CommandArguments xadd = new CommandArguments(Protocol.Command.XADD).key(new Utf8(entry.stream()))
                .add(NEW_ENTRY_ID);
        for (Map.Entry<String, String> field : entry.fields().entrySet()) {
            xadd.add(new Utf8(field.getKey())).add(new Utf8(field.getValue()));
        }
        return xadd;
    }

    /** A command argument Jedis writes as it is (it copies {@code byte[]} arguments first). */
    private static final class Utf8 implements Rawable {
        private final byte[] bytes;

        Utf8(String text) {
            this.bytes = SafeEncoder.encode(text);
        }

        @Override
        public byte[] getRaw() {
            return bytes;
        }
    }

    private void release(Pending p) {
        int now = queued.addAndGet(-p.entries().size());
        if (aboveHighWatermark && now <= LOW_WATERMARK) {
            aboveHighWatermark = false;
            fireFlowChange();
        }
    }

    private void failFastPendingWhileDown() {
        List<Pending> keep = new ArrayList<>();
        Pending p;
        while ((p = queue.poll()) != null) {
            if (p.delivery() == Delivery.FAIL_FAST) {
                release(p);
                p.done().completeExceptionally(new RedisUnavailableException("Redis is unavailable"));
            } else {
                keep.add(p);
            }
        }
        retry.addAll(keep);
    }

    private void abandonOnShutdown() {
        int lost = 0;
        for (Pending p : retry) {
            lost += p.entries().size();
            p.done().completeExceptionally(new RedisUnavailableException("shut down while Redis was unavailable"));
        }
        Pending p;
        while ((p = queue.poll()) != null) {
            lost += p.entries().size();
            p.done().completeExceptionally(new RedisUnavailableException("shut down while Redis was unavailable"));
        }
        retry.clear();
        if (lost > 0) {
            metrics.abandonedOnShutdown(lost);
            LOG.error("stage=enqueue shut down while Redis was unavailable; {} syslog entries were not stored", lost);
        }
    }

    /** Pings Redis and records the answer; used by the health monitor. */
    public boolean probe() {
        boolean up = ping();
        if (up != available) {
            markAvailable(up);
        }
        return up;
    }

    private boolean ping() {
        try (Jedis jedis = pool.getResource()) {
            return "PONG".equals(jedis.ping());
        } catch (RuntimeException e) {
            return false;
        }
    }

    private synchronized void markAvailable(boolean up) {
        if (available == up) {
            return;
        }
        available = up;
        if (up) {
            LOG.info("stage=enqueue Redis is reachable again; resuming");
        } else {
            LOG.warn("stage=enqueue Redis is unreachable; HTTP answers 503 and syslog TCP stops reading");
        }
        LockSupport.unpark(writer);
        fireFlowChange();
    }

    /** Tells the flow listeners to look again (the backlog monitor calls it). */
    public void notifyFlowChange() {
        fireFlowChange();
    }

    private void fireFlowChange() {
        for (Runnable listener : flowListeners) {
            try {
                listener.run();
            } catch (RuntimeException e) {
                LOG.warn("stage=enqueue flow listener failed", e);
            }
        }
    }

    /** Stops taking fail-fast writes; already queued ones are still sent. */
    public void stopAccepting() {
        stopAccepting = true;
    }

    /** Sends everything still queued (waiting up to 10 s for the writer thread), then closes the pool. */
    @Override
    public void close() {
        stopAccepting = true;
        running = false;
        LockSupport.unpark(writer);
        try {
            writer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        pool.close();
    }

    /** The whole pipelined write failed: entries that must be stored wait for a retry, the others fail now. */
    private void failBatch(List<Pending> batch, String reason) {
        markAvailable(false);
        for (Pending p : batch) {
            if (p.delivery() == Delivery.UNTIL_STORED) {
                retry.add(p);
            } else {
                release(p);
                p.done().completeExceptionally(new RedisUnavailableException(reason));
            }
        }
    }
}
