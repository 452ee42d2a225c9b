package io.killkrill.receivers.enqueue;

import io.killkrill.model.AuditSlot;
import io.killkrill.model.StreamEntry;
import io.killkrill.config.RedisEndpoint;
import io.killkrill.config.ReplicaAcks;
import io.killkrill.receivers.ReceiverMetrics;
import io.killkrill.stream.LuaScripts;
import io.killkrill.stream.RedisClients;
import io.killkrill.stream.RedisFailovers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.Response;
import redis.clients.jedis.args.Rawable;
import redis.clients.jedis.args.RawableFactory;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.util.Pool;
import redis.clients.jedis.util.SafeEncoder;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The one component that writes to Redis. Callers from every connection hand over writes (the entries of one
 * HTTP request, one syslog read); one writer thread collects whatever is pending (up to {@link #MAX_BATCH}
 * entries) and sends it in one round trip, each write as one {@code MULTI ... EXEC} transaction, or, when it
 * carries an {@link Idempotency} key, as one run of {@code append.lua} (which checks the key first): a write is
 * stored whole or not at all, and its caller's future completes only once Redis confirmed it.
 *
 * <p>Three things can happen to a write:
 * <ul>
 *   <li>Redis stores it (or, with an {@link Idempotency}, finds the key already answered: nothing stored).</li>
 *   <li>Redis refuses it before running it: unreachable, or an error reply such as {@code OOM}, {@code READONLY},
 *   {@code MISCONF}. Nothing is stored. Every refusal is treated as an outage: the writer reports it
 *   ({@link #acceptingMore()} false, so the transports that can wait pause) and probes until Redis takes writes
 *   again.</li>
 *   <li>The connection breaks after the write was sent: it is <em>in doubt</em>. The writer keeps it and, once
 *   Redis answers again, reads the round trip's marker hash (set by the script in the same atomic step as the
 *   entries) to learn whether it was stored. Only then is its caller told, so no answer ever claims more or less
 *   than what Redis holds.</li>
 * </ul>
 *
 * <p>With {@link ReplicaAcks} required ({@code KILLKRILL_REDIS_MIN_REPLICA_ACKS}), every round trip ends with
 * {@code WAIT}: a write counts as stored only once that many replicas acknowledged it. When fewer did within the
 * timeout, the master holds the write but a failover could lose it: a fail-fast write fails with
 * {@link NotReplicatedException} (HTTP 503; a retry with the same Idempotency-Key is answered once the replicas hold
 * it, and stores nothing), an until-stored one is kept in doubt until {@code WAIT} confirms it (a RELP frame is
 * answered only then), and the writer refuses further writes ({@link #refusal()} names the shortfall) until the
 * replicas acknowledge again.
 *
 * <p>Two delivery modes: {@link Delivery#FAIL_FAST} (HTTP: a refused write fails at once, the client is told 503
 * and retries) and {@link Delivery#UNTIL_STORED} (syslog, dead letters: kept and re-sent until Redis stores
 * them, since the sender cannot be told; the transports stop reading while {@link #acceptingMore()} is false,
 * which bounds them).
 */
final class ShardWriter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ShardWriter.class);
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
    /**
     * How long a round trip's marker outlives it in Redis. Markers of confirmed round trips are deleted by the
     * next one; only those of round trips in doubt stay, until the writer has read them after an outage, which
     * may last long: a day.
     */
    static final Duration MARKER_TTL = Duration.ofHours(24);
    private static final long RETRY_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    /** Error replies by which Redis refuses a command without running it; a refused write can be sent again. */
    private static final Set<String> REFUSALS = Set.of("OOM", "READONLY", "MISCONF", "LOADING", "BUSY",
            "MASTERDOWN", "NOREPLICAS", "CLUSTERDOWN", "TRYAGAIN", "NOSCRIPT", "MOVED", "ASK");

    /** An entry's stream and the wire text of its audit slot ({@link StreamEntry#AUDIT}). */
    private record WireSlot(String stream, String wire) {
    }

    /** A write's audit counts: per {@code <stream>:audit:<minute>} key, per service field, how many entries. */
    private static Map<String, Map<String, Integer>> auditCounts(List<StreamWriter.Entry> entries) {
        // the entries of one write nearly always share their slot (one minute, one service): entries are counted
        // by their slot's wire text, and each distinct one is parsed once, not once per entry (it showed in the
        // receivers' CPU profile)
        Map<WireSlot, Integer> byWire = new LinkedHashMap<>();
        for (StreamWriter.Entry e : entries) {
            String wire = e.fields().get(StreamEntry.AUDIT);
            if (wire != null) {
                byWire.merge(new WireSlot(e.stream(), wire), 1, Integer::sum);
            }
        }
        Map<String, Map<String, Integer>> counts = new LinkedHashMap<>();
        byWire.forEach((slotOf, n) -> AuditSlot.parse(slotOf.wire()).ifPresent(slot -> counts
                .computeIfAbsent(slot.key(slotOf.stream()), k -> new LinkedHashMap<>())
                .merge(slot.service(), n, Integer::sum)));
        return counts;
    }

    private static final StreamWriter.Outcome STORED = new StreamWriter.Outcome.Stored();
    private static final Rawable NEW_ENTRY_ID = RawableFactory.from("*");

    private record Pending(List<StreamWriter.Entry> entries, Optional<StreamWriter.Idempotency> idempotency, CompletableFuture<StreamWriter.Outcome> done,
                           StreamWriter.Delivery delivery) {
    }

    /**
     * Writes of a round trip whose replies were lost or could not be read: its marker tells which of them Redis
     * stored ({@code writes}: by their index in the marker).
     */
    private record InDoubt(String marker, Map<Integer, Pending> writes) {
        static InDoubt all(String marker, List<Pending> batch) {
            Map<Integer, Pending> writes = new LinkedHashMap<>();
            for (int i = 0; i < batch.size(); i++) {
                writes.put(i, batch.get(i));
            }
            return new InDoubt(marker, writes);
        }
    }

    private final Pool<Jedis> pool;
    private final ReceiverMetrics metrics;
    private final ReplicaAcks replicaAcks;
    private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
    private final ArrayDeque<Pending> retry = new ArrayDeque<>();
    private final List<InDoubt> inDoubt = new ArrayList<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final List<Runnable> flowListeners = new CopyOnWriteArrayList<>();
    private final String markerPrefix;
    private final byte[] appendScript;
    private final byte[] appendSha;
    private final byte[] probeScript;
    private final Thread writer;
    private long roundTrips;
    /** Whether Redis refused a write of the round trip being read (writer thread only). */
    private boolean refusedThisRoundTrip;
    /**
     * While the round trip's replies are read (writer thread only): whether its {@code WAIT} confirmed the
     * replicas, and, when it did not, the writes the master stored meanwhile, by their index in the marker.
     */
    private boolean replicatedThisRoundTrip;
    private final Map<Integer, Pending> notReplicated = new LinkedHashMap<>();
    private String replicaShortfall;
    /** The marker of the last confirmed round trip, deleted by the next one. */
    private String settledMarker;
    private volatile boolean available;
    /** Why Redis refused the last write (an error reply), or null while it takes writes. */
    private volatile String refusal;
    private volatile boolean aboveHighWatermark;
    private volatile boolean running = true;
    private volatile boolean stopAccepting;

    /**
     * @param markerPrefix prefix of the writer's marker keys (a deployment's own, say its logs stream name); an
     *                     instance ID and a round-trip number follow
     */
    ShardWriter(URI redisUri, String markerPrefix, ReceiverMetrics metrics) {
        this(RedisClients.forWriter(new RedisEndpoint.Standalone(redisUri), RedisFailovers.logged(), Duration.ZERO),
                markerPrefix, metrics, ReplicaAcks.NONE);
    }

    /**
     * @param pool the writer's connections, from {@link RedisClients#forWriter} (tested on borrow: a connection
     *             Redis closed, by a restart or a failover, fails its PING there, before anything is sent on it, so
     *             a write is then refused, not in doubt); closed by {@link #close()}
     */
    ShardWriter(Pool<Jedis> pool, String markerPrefix, ReceiverMetrics metrics) {
        this(pool, markerPrefix, metrics, ReplicaAcks.NONE);
    }

    /**
     * @param pool        as above; its reply timeout must allow for {@link ReplicaAcks#replyAllowance()}
     * @param replicaAcks how many replicas must hold a write before its caller is told
     */
    ShardWriter(Pool<Jedis> pool, String markerPrefix, ReceiverMetrics metrics, ReplicaAcks replicaAcks) {
        this.pool = pool;
        this.metrics = metrics;
        this.replicaAcks = Objects.requireNonNull(replicaAcks, "replicaAcks");
        this.markerPrefix = markerPrefix + ":writes:" + UUID.randomUUID() + ":";
        String append = LuaScripts.load(ShardWriter.class, "append.lua");
        this.appendScript = SafeEncoder.encode(append);
        this.appendSha = SafeEncoder.encode(sha1Hex(append));
        this.probeScript = SafeEncoder.encode(LuaScripts.load(ShardWriter.class, "probe.lua"));
        this.available = ping();
        if (available) {
            loadScript();
            if (replicaAcks.required()) {
                checkReplicasAtStart();
            }
        }
        this.writer = new Thread(this::run, "killkrill-stream-writer");
        this.writer.setDaemon(true);
        this.writer.start();
    }

    /** Whether writes wait for replica acknowledgements ({@code KILLKRILL_REDIS_MIN_REPLICA_ACKS} above 0). */
    public boolean replicaAcksRequired() {
        return replicaAcks.required();
    }

    /** Borrow a connection for a short command outside the write path (health, backlog, idempotency claims). */
    public Pool<Jedis> pool() {
        return pool;
    }

    /** Whether Redis answered the last write or ping. */
    public boolean redisAvailable() {
        return available;
    }

    /** Why Redis refuses writes now (its error reply), if it does. */
    public Optional<String> refusal() {
        return Optional.ofNullable(refusal);
    }

    /** Whether transports that can pause (syslog TCP) should keep reading. */
    public boolean acceptingMore() {
        return available && refusal == null && !aboveHighWatermark;
    }

    /** Whether a fail-fast write would be queued now (Redis up and taking writes, queue not full). */
    public boolean takesFailFastWrites() {
        return available && refusal == null && !stopAccepting && queued.get() < CAPACITY;
    }

    /** Called (from any thread) whenever {@link #acceptingMore()} may have changed. */
    public void onFlowChange(Runnable listener) {
        flowListeners.add(listener);
    }

    public int queued() {
        return queued.get();
    }

    /**
     * Queues a write; the future completes once Redis stored all of the entries, or fails with
     * {@link RedisUnavailableException} (FAIL_FAST only: nothing stored, retry later), another
     * {@link JedisException} (FAIL_FAST only: an error reply that retrying will not cure; nothing stored) or
     * {@link WriteInDoubtException} (shut down while Redis could not tell).
     */
    public CompletableFuture<Void> write(List<StreamWriter.Entry> entries, StreamWriter.Delivery delivery) {
        return write(entries, delivery, Optional.empty()).thenApply(outcome -> null);
    }

    /** As {@link #write(List, StreamWriter.Delivery)}, storing the answer under an Idempotency-Key in the same step. */
    public CompletableFuture<StreamWriter.Outcome> write(List<StreamWriter.Entry> entries, StreamWriter.Delivery delivery,
                                            Optional<StreamWriter.Idempotency> idempotency) {
        CompletableFuture<StreamWriter.Outcome> done = new CompletableFuture<>();
        if (entries.isEmpty()) {
            done.complete(STORED);
            return done;
        }
        if (delivery == StreamWriter.Delivery.FAIL_FAST && !takesFailFastWrites()) {
            done.completeExceptionally(new RedisUnavailableException(!available ? "Redis is unavailable"
                    : refusal != null ? "Redis refuses writes (" + refusal + ")"
                    : stopAccepting ? "the receiver is shutting down" : "the write queue is full"));
            return done;
        }
        int now = queued.addAndGet(entries.size());
        queue.add(new Pending(entries, idempotency, done, delivery));
        if (now >= HIGH_WATERMARK && !aboveHighWatermark) {
            aboveHighWatermark = true;
            fireFlowChange();
        }
        LockSupport.unpark(writer);
        return done;
    }

    private void run() {
        List<Pending> batch = new ArrayList<>();
        while (running || !queue.isEmpty() || !retry.isEmpty() || !inDoubt.isEmpty()) {
            if (!available || !inDoubt.isEmpty()) {
                failFastPendingWhileDown();
                if (!ping()) {
                    if (!running) {
                        abandonOnShutdown();
                        return;
                    }
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
                    continue;
                }
                if (!resolveInDoubt()) {
                    continue;
                }
                loadScript(); // a restarted Redis has an empty script cache
                markAvailable(true);
            }
            if (refusal != null && retry.isEmpty() && queue.isEmpty()) {
                probeWrites();
                continue;
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
            if (refusal != null) {
                // Redis refused: what is kept is sent again shortly, not in a tight loop
                LockSupport.parkNanos(RETRY_PAUSE_NANOS);
            }
        }
        unlinkSettledMarker();
    }

    private void send(List<Pending> batch, int size) {
        long start = System.nanoTime();
        String marker = markerPrefix + (++roundTrips);
        Jedis jedis;
        try {
            jedis = pool.getResource();
        } catch (JedisException e) {
            // nothing was sent: the writes are refused, not in doubt
            LOG.warn("stage=enqueue Redis is unreachable, {} entries not sent: {}", size, e.toString());
            markAvailable(false);
            refuseAll(batch, new RedisUnavailableException("Redis is unavailable: " + e.getMessage()));
            return;
        }
        List<Sent> replies = new ArrayList<>(batch.size());
        Response<Object> waited;
        try (jedis) {
            Pipeline pipeline = jedis.pipelined();
            if (settledMarker != null) {
                pipeline.sendCommand(new CommandArguments(Protocol.Command.UNLINK).key(settledMarker));
            }
            for (int i = 0; i < batch.size(); i++) {
                Pending p = batch.get(i);
                replies.add(p.idempotency().isPresent() ? new Sent.Script(pipeline.sendCommand(append(p, marker, i)))
                        : transaction(pipeline, p, marker, i));
            }
            waited = replicaAcks.required() ? pipeline.sendCommand(waitForReplicas()) : null;
            pipeline.sync();
        } catch (RuntimeException e) {
            LOG.warn("stage=enqueue Redis connection failed with {} entries sent: they are in doubt until Redis "
                    + "answers again: {}", size, e.toString());
            inDoubt.add(InDoubt.all(marker, batch));
            markAvailable(false);
            return;
        }
        metrics.xaddBatch(System.nanoTime() - start, size);
        refusedThisRoundTrip = false;
        replicaShortfall = waited == null ? null : shortfall(waited);
        replicatedThisRoundTrip = replicaShortfall == null;
        notReplicated.clear();
        boolean scriptMissing = false;
        Map<Integer, Pending> unread = new LinkedHashMap<>();
        for (int i = 0; i < batch.size(); i++) {
            Pending p = batch.get(i);
            Sent sent = replies.get(i);
            try {
                if (sent instanceof Sent.Script script) {
                    complete(p, script.reply().get(), i);
                } else {
                    completeTransaction(p, (Sent.Transaction) sent, i);
                }
            } catch (JedisDataException e) {
                String code = errorCode(e);
                if (code.equals("NOSCRIPT")) {
                    scriptMissing = true;
                    retry.add(p); // not run: send again once the script is loaded
                } else if (REFUSALS.contains(code)) {
                    refuse(p, e.getMessage());
                } else {
                    LOG.error("stage=enqueue Redis answered a write of {} entries with an error: {}",
                            p.entries().size(), e.getMessage());
                    reject(p, e);
                }
            } catch (RuntimeException e) {
                // replies this code cannot read (a bug, or a Redis that answers otherwise): whether the write ran
                // is in the marker, which the next round trip would unlink. Left unanswered, its caller (and, with
                // the writer thread gone, every later one) would wait for ever
                LOG.error("stage=enqueue the replies to a write of {} entries cannot be read; it is in doubt until "
                        + "the round trip's marker is read", p.entries().size(), e);
                unread.put(i, p);
            }
        }
        if (!replicatedThisRoundTrip) {
            unread.putAll(notReplicatedFailFastFailed(replicaShortfall));
        }
        if (unread.isEmpty()) {
            settledMarker = marker;
        } else {
            settledMarker = null; // unlinked once read
            inDoubt.add(new InDoubt(marker, unread));
        }
        if (scriptMissing) {
            loadScript();
        }
        if (!refusedThisRoundTrip && refusal != null && !scriptMissing) {
            markAccepting();
        }
    }

    /** The replies a write will get: of one script run, or of one MULTI ... EXEC. */
    private sealed interface Sent {
        record Script(Response<Object> reply) implements Sent {
        }

        /** {@code queued}: one reply per XADD, then the marker's HSET and PEXPIRE. */
        record Transaction(Response<Object> multi, List<Response<Object>> queued, Response<Object> exec)
                implements Sent {
        }
    }

    /**
     * A write without an Idempotency-Key as {@code MULTI, XADD..., HSET marker, PEXPIRE marker, EXEC}: native
     * XADDs cost Redis a fifth of what the same XADDs cost from Lua. It is as all-or-nothing as the script for
     * what matters here: Redis checks every command as it is queued and refuses them as it would outside a
     * transaction (OOM, READONLY, MISCONF...), and one refused command discards the whole transaction
     * (EXECABORT). Only an XADD that fails while the transaction runs (its key holds another type) fails alone.
     */
    private Sent.Transaction transaction(Pipeline pipeline, Pending p, String marker, int index) {
        Response<Object> multi = pipeline.sendCommand(new CommandArguments(Protocol.Command.MULTI));
        List<Response<Object>> queued = new ArrayList<>(p.entries().size() + 2);
        for (StreamWriter.Entry e : p.entries()) {
            queued.add(pipeline.sendCommand(xadd(e)));
        }
        auditCounts(p.entries()).forEach((key, services) -> {
            services.forEach((service, n) -> queued.add(pipeline.sendCommand(
                    new CommandArguments(Protocol.Command.HINCRBY).key(new Utf8(key)).add(new Utf8(service))
                            .add(Integer.toString(n)))));
            queued.add(pipeline.sendCommand(new CommandArguments(Protocol.Command.PEXPIRE).key(new Utf8(key))
                    .add(Long.toString(AuditSlot.RETENTION.toMillis()))));
        });
        queued.add(pipeline.sendCommand(new CommandArguments(Protocol.Command.HSET).key(marker)
                .add(Integer.toString(index)).add("1")));
        queued.add(pipeline.sendCommand(new CommandArguments(Protocol.Command.PEXPIRE).key(marker)
                .add(Long.toString(MARKER_TTL.toMillis()))));
        Response<Object> exec = pipeline.sendCommand(new CommandArguments(Protocol.Command.EXEC));
        return new Sent.Transaction(multi, queued, exec);
    }

    /**
     * Reads a transaction's replies: a command refused while queued discards it (thrown, with that refusal's
     * code); an XADD that failed while it ran leaves its entries unstored, the others stored: fail-fast writes
     * (one stream, so all of them failed alike) fail with it, until-stored ones keep exactly the failed entries
     * for a retry, so nothing is stored twice.
     */
    private void completeTransaction(Pending p, Sent.Transaction sent, int index) {
        sent.multi().get();
        JedisDataException refused = null;
        for (Response<Object> queued : sent.queued()) {
            try {
                queued.get();
            } catch (JedisDataException e) {
                if (refused == null) {
                    refused = e;
                }
            }
        }
        Object executed;
        try {
            executed = sent.exec().get();
        } catch (JedisDataException e) {
            throw refused != null ? refused : e;
        }
        List<?> results = (List<?>) executed;
        List<StreamWriter.Entry> failed = new ArrayList<>();
        JedisDataException failure = null;
        for (int i = 0; i < p.entries().size(); i++) {
            if (results.get(i) instanceof JedisDataException e) {
                failed.add(p.entries().get(i));
                failure = e;
            }
        }
        if (failure == null) {
            stored(p, STORED, index);
            return;
        }
        LOG.error("stage=enqueue {} of {} entries of a write were not stored: {}", failed.size(),
                p.entries().size(), failure.getMessage());
        if (p.delivery() == StreamWriter.Delivery.UNTIL_STORED && failed.size() < p.entries().size()) {
            int stored = p.entries().size() - failed.size();
            queued.addAndGet(-stored);
            reject(new Pending(failed, p.idempotency(), p.done(), p.delivery()), failure);
        } else {
            reject(p, failure);
        }
    }

    /**
     * {@code XADD stream * field value ...}, the command {@code pipeline.xadd} sends, with every argument encoded
     * once: {@code xadd} encodes each string and then copies the bytes again, and parses every reply into a
     * {@link redis.clients.jedis.StreamEntryID} nobody reads (together a sixth of the receivers' CPU).
     */
    private static CommandArguments xadd(StreamWriter.Entry entry) {
        CommandArguments xadd = new CommandArguments(Protocol.Command.XADD).key(new Utf8(entry.stream()))
                .add(NEW_ENTRY_ID);
        for (Map.Entry<String, String> field : entry.fields().entrySet()) {
            xadd.add(new Utf8(field.getKey())).add(new Utf8(field.getValue()));
        }
        return xadd;
    }

    /** {@code EVALSHA append.lua} with the entries of one write: see the script for the arguments. */
    private CommandArguments append(Pending p, String marker, int index) {
        Map<String, Integer> streams = new LinkedHashMap<>();
        for (StreamWriter.Entry e : p.entries()) {
            streams.putIfAbsent(e.stream(), streams.size() + 3);
        }
        Map<String, Map<String, Integer>> audit = auditCounts(p.entries());
        Optional<StreamWriter.Idempotency> idempotency = p.idempotency();
        CommandArguments eval = new CommandArguments(Protocol.Command.EVALSHA).add(appendSha)
                .add(Integer.toString(2 + streams.size() + audit.size())).key(marker)
                .key(idempotency.map(StreamWriter.Idempotency::key).orElse(marker));
        streams.keySet().forEach(eval::key);
        audit.keySet().forEach(key -> eval.key(new Utf8(key)));
        eval.add(Integer.toString(index)).add(Long.toString(MARKER_TTL.toMillis()));
        if (idempotency.isPresent()) {
            StreamWriter.Idempotency i = idempotency.get();
            eval.add(i.token()).add(new Utf8(i.answer())).add(Long.toString(i.ttl().toMillis()));
        } else {
            eval.add("").add("").add("0");
        }
        eval.add(Integer.toString(streams.size())).add(Long.toString(AuditSlot.RETENTION.toMillis()));
        int increments = audit.values().stream().mapToInt(Map::size).sum();
        eval.add(Integer.toString(increments));
        int keyIndex = 3 + streams.size();
        for (Map<String, Integer> services : audit.values()) {
            for (Map.Entry<String, Integer> service : services.entrySet()) {
                eval.add(Integer.toString(keyIndex)).add(new Utf8(service.getKey()))
                        .add(Integer.toString(service.getValue()));
            }
            keyIndex++;
        }
        for (StreamWriter.Entry e : p.entries()) {
            eval.add(Integer.toString(streams.get(e.stream()))).add(Integer.toString(e.fields().size()));
            for (Map.Entry<String, String> field : e.fields().entrySet()) {
                eval.add(new Utf8(field.getKey())).add(new Utf8(field.getValue()));
            }
        }
        return eval;
    }

    private void complete(Pending p, Object reply, int index) {
        List<?> values = (List<?>) reply;
        String status = SafeEncoder.encode((byte[]) values.get(0));
        switch (status) {
            case "ok" -> stored(p, STORED, index);
            case "replay" -> stored(p, new StreamWriter.Outcome.Replayed(new String((byte[]) values.get(1), StandardCharsets.UTF_8)),
                    index);
            case "busy" -> {
                release(p);
                p.done().complete(new StreamWriter.Outcome.KeyInFlight());
            }
            default -> {
                String key = values.size() > 1 ? SafeEncoder.encode((byte[]) values.get(1)) : "?";
                LOG.error("stage=enqueue {} holds no stream: {} entries not stored", key, p.entries().size());
                reject(p, new JedisDataException("WRONGTYPE " + key + " holds a value that is not a stream"));
            }
        }
    }

    /**
     * A write the master ran with {@code outcome} (stored, or its Idempotency-Key's answer replayed): its caller is
     * told once the round trip's {@code WAIT} confirmed the replicas; otherwise it waits in {@link #notReplicated}.
     */
    private void stored(Pending p, StreamWriter.Outcome outcome, int index) {
        if (replicatedThisRoundTrip) {
            release(p);
            p.done().complete(outcome);
        } else {
            notReplicated.put(index, p);
        }
    }

    /**
     * The round trip's {@code WAIT} fell short: its fail-fast writes fail now (the master holds them, but a
     * failover may lose them), its until-stored ones are returned, to stay in doubt until {@code WAIT} confirms
     * them; the writer refuses writes until the replicas acknowledge again.
     */
    private Map<Integer, Pending> notReplicatedFailFastFailed(String shortfall) {
        Map<Integer, Pending> kept = new LinkedHashMap<>();
        markRefusing(shortfall);
        if (notReplicated.isEmpty()) {
            return kept;
        }
        int failed = 0;
        int waiting = 0;
        for (Map.Entry<Integer, Pending> write : notReplicated.entrySet()) {
            Pending p = write.getValue();
            if (p.delivery() == StreamWriter.Delivery.UNTIL_STORED) {
                kept.put(write.getKey(), p);
                waiting += p.entries().size();
            } else {
                failed += p.entries().size();
                release(p);
                p.done().completeExceptionally(new NotReplicatedException(shortfall));
            }
        }
        notReplicated.clear();
        metrics.notReplicated(failed, waiting);
        LOG.warn("stage=enqueue {}: {} entries answered 503 (the master holds them), {} syslog entries held until "
                + "the replicas acknowledge them", shortfall, failed, waiting);
        return kept;
    }

    /** {@code WAIT replicas timeout}: blocks this connection until that many replicas hold its writes. */
    private CommandArguments waitForReplicas() {
        return new CommandArguments(Protocol.Command.WAIT).add(Integer.toString(replicaAcks.replicas()))
                .add(Long.toString(replicaAcks.timeout().toMillis()));
    }

    /** Why a {@code WAIT} reply does not confirm the replicas, or null when it does. */
    private String shortfall(Response<Object> waited) {
        long acknowledged;
        try {
            acknowledged = (Long) waited.get();
        } catch (JedisDataException e) {
            return "NOREPLICAS WAIT failed: " + e.getMessage();
        }
        return replicaAcks.shortfall(acknowledged);
    }

    /**
     * Waits ({@code WAIT}) until the required replicas hold everything written so far on {@code jedis}'s connection:
     * empty when they do (or none are required), else why not. The caller writes on that connection first, after
     * what is to be confirmed (Redis counts from the connection's own last write).
     */
    public Optional<String> awaitReplicas(Jedis jedis) {
        if (!replicaAcks.required()) {
            return Optional.empty();
        }
        Object reply = jedis.sendCommand(Protocol.Command.WAIT, Integer.toString(replicaAcks.replicas()),
                Long.toString(replicaAcks.timeout().toMillis()));
        return Optional.ofNullable(replicaAcks.shortfall((Long) reply));
    }

    /**
     * After an outage, asks each in-doubt round trip's marker which writes were stored: those complete, the
     * others are refused (fail-fast) or sent again. Returns false when Redis failed again meanwhile.
     */
    private boolean resolveInDoubt() {
        while (!inDoubt.isEmpty()) {
            InDoubt doubt = inDoubt.get(0);
            Map<String, String> stored;
            Optional<String> shortfall;
            try (Jedis jedis = pool.getResource()) {
                stored = jedis.hgetAll(doubt.marker());
                shortfall = Optional.empty();
                if (!stored.isEmpty() && replicaAcks.required()) {
                    // a write of this connection after the round trip's, then WAIT: are its writes on the replicas?
                    jedis.pexpire(doubt.marker(), MARKER_TTL.toMillis());
                    shortfall = awaitReplicas(jedis);
                }
                if (shortfall.isEmpty()) {
                    jedis.unlink(doubt.marker());
                }
            } catch (RuntimeException e) {
                LOG.warn("stage=enqueue cannot read the marker of a round trip in doubt yet: {}", e.toString());
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
                return false;
            }
            if (shortfall.isPresent()) {
                failFastNotReplicated(doubt, stored, shortfall.get());
                LockSupport.parkNanos(RETRY_PAUSE_NANOS);
                return false;
            }
            int storedCount = 0;
            int notStored = 0;
            for (Map.Entry<Integer, Pending> write : doubt.writes().entrySet()) {
                Pending p = write.getValue();
                if (stored.containsKey(Integer.toString(write.getKey()))) {
                    storedCount += p.entries().size();
                    release(p);
                    p.done().complete(STORED);
                } else {
                    notStored += p.entries().size();
                    refuse(p, "Redis failed before storing the write");
                }
            }
            LOG.info("stage=enqueue a round trip in doubt is resolved: {} entries were stored, {} were not",
                    storedCount, notStored);
            metrics.inDoubtResolved(storedCount, notStored);
            inDoubt.remove(0);
        }
        return true;
    }

    /**
     * The replicas do not yet hold what the marker says the master stored: those of its fail-fast writes fail now,
     * the rest of the round trip stays in doubt.
     */
    private void failFastNotReplicated(InDoubt doubt, Map<String, String> stored, String shortfall) {
        notReplicated.clear();
        doubt.writes().entrySet().removeIf(write -> {
            boolean failFastStored = write.getValue().delivery() == StreamWriter.Delivery.FAIL_FAST
                    && stored.containsKey(Integer.toString(write.getKey()));
            if (failFastStored) {
                notReplicated.put(write.getKey(), write.getValue());
            }
            return failFastStored;
        });
        notReplicatedFailFastFailed(shortfall);
        if (doubt.writes().isEmpty()) {
            inDoubt.remove(doubt);
        }
    }

    /**
     * A write of this connection's own (a key of this writer's, for a minute), then {@code WAIT}: whether the
     * required replicas acknowledge now.
     */
    private Optional<String> replicasShortNow(Jedis jedis) {
        jedis.psetex(markerPrefix + "replicas", Duration.ofMinutes(1).toMillis(), "1");
        return awaitReplicas(jedis);
    }

    /** Refuses writes from the start (not ready) while the required replicas do not acknowledge. */
    private void checkReplicasAtStart() {
        try (Jedis jedis = pool.getResource()) {
            replicasShortNow(jedis).ifPresent(shortfall -> {
                refusal = shortfall;
                LOG.warn("stage=enqueue {}: writes are refused (HTTP 503, syslog TCP paused) until the replicas "
                        + "acknowledge", shortfall);
            });
        } catch (RuntimeException e) {
            LOG.warn("stage=enqueue cannot ask Redis for its replicas yet: {}", e.toString());
        }
    }

    /** While Redis refuses writes and nothing waits to be re-sent: runs a script Redis refuses alike. */
    private void probeWrites() {
        try (Jedis jedis = pool.getResource()) {
            jedis.eval(probeScript, 0);
            if (replicaAcks.required()) {
                Optional<String> shortfall = replicasShortNow(jedis);
                if (shortfall.isPresent()) {
                    refusal = shortfall.get();
                    LockSupport.parkNanos(RETRY_PAUSE_NANOS);
                    return;
                }
            }
            markAccepting();
        } catch (JedisDataException e) {
            refusal = e.getMessage();
            LockSupport.parkNanos(RETRY_PAUSE_NANOS);
        } catch (RuntimeException e) {
            markAvailable(false);
        }
    }

    private void loadScript() {
        try (Jedis jedis = pool.getResource()) {
            jedis.scriptLoad(appendScript);
        } catch (RuntimeException e) {
            LOG.warn("stage=enqueue loading the write script failed: {}", e.toString());
        }
    }

    private void unlinkSettledMarker() {
        if (settledMarker == null) {
            return;
        }
        try (Jedis jedis = pool.getResource()) {
            jedis.unlink(settledMarker);
        } catch (RuntimeException e) {
            LOG.debug("stage=enqueue the last marker stays until it expires: {}", e.toString());
        }
    }

    /** A write Redis did not run: fail-fast ones fail, the others wait for a retry. */
    private void refuse(Pending p, String reason) {
        if (REFUSALS.contains(firstWord(reason))) {
            markRefusing(reason);
        }
        if (p.delivery() == StreamWriter.Delivery.UNTIL_STORED) {
            retry.add(p); // markRefusing logged it: kept, sent again when Redis takes writes
        } else {
            release(p);
            p.done().completeExceptionally(new RedisUnavailableException("Redis refused the write: " + reason));
        }
    }

    private void refuseAll(List<Pending> batch, RedisUnavailableException cause) {
        for (Pending p : batch) {
            if (p.delivery() == StreamWriter.Delivery.UNTIL_STORED) {
                retry.add(p);
            } else {
                release(p);
                p.done().completeExceptionally(cause);
            }
        }
    }

    /** An error retrying will not cure: fail-fast writes fail with it, the others are retried (and logged). */
    private void reject(Pending p, JedisException failure) {
        if (p.delivery() == StreamWriter.Delivery.UNTIL_STORED) {
            retry.add(p);
            markRefusing(failure.getMessage());
        } else {
            release(p);
            p.done().completeExceptionally(failure);
        }
    }

    private static String errorCode(JedisDataException e) {
        return firstWord(String.valueOf(e.getMessage()));
    }

    private static String firstWord(String message) {
        int space = message.indexOf(' ');
        return space < 0 ? message : message.substring(0, space);
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
            if (p.delivery() == StreamWriter.Delivery.FAIL_FAST) {
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
        int doubtful = 0;
        for (InDoubt doubt : inDoubt) {
            for (Pending w : doubt.writes().values()) {
                doubtful += w.entries().size();
                w.done().completeExceptionally(new WriteInDoubtException());
            }
        }
        inDoubt.clear();
        if (lost > 0) {
            metrics.abandonedOnShutdown(lost);
            LOG.error("stage=enqueue shut down while Redis was unavailable; {} syslog entries were not stored", lost);
        }
        if (doubtful > 0) {
            metrics.inDoubtOnShutdown(doubtful);
            LOG.error("stage=enqueue shut down while Redis was unavailable; whether {} entries sent just before it "
                    + "failed were stored is unknown (their requests get no answer)", doubtful);
        }
    }

    /** Pings Redis and records the answer; used by the health monitor. */
    public boolean probe() {
        boolean up = ping();
        if (!up && available) {
            markAvailable(false);
        }
        LockSupport.unpark(writer);
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
        if (!up) {
            relearn();
        }
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

    private void markRefusing(String reason) {
        relearn();
        refusedThisRoundTrip = true;
        boolean changed = refusal == null;
        refusal = reason;
        if (changed) {
            LOG.warn("stage=enqueue Redis refuses writes ({}); HTTP answers 503, syslog TCP stops reading, UDP "
                    + "datagrams are dropped and counted, until it takes writes again", reason);
            fireFlowChange();
        }
    }

    /**
     * Redis failed or refused: a pool whose Redis can move (a Redis Cluster slot's master, which a failover or a
     * resharding moves) asks again where it is now.
     */
    private void relearn() {
        if (pool instanceof RedisClients.RelearningPool relearning) {
            relearning.relearn();
        }
    }

    private void markAccepting() {
        if (refusal != null) {
            LOG.info("stage=enqueue Redis takes writes again (it refused: {}); resuming", refusal);
            refusal = null;
            fireFlowChange();
        }
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

    /**
     * Sends everything still queued (waiting up to 10 s for the writer thread; a write in doubt is resolved
     * if Redis answers meanwhile), then closes the pool.
     */
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


    private static String sha1Hex(String text) {
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-1")
                    .digest(text.getBytes(StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(digest);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is always available", e);
        }
    }
}
