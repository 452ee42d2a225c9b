package io.killkrill.receivers.enqueue;

import io.killkrill.stream.LuaScripts;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.SetParams;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Idempotency-Keys in Redis. A request that carries one first {@link #claim claims} it (the key then holds
 * {@code 0:<token>} for a lease); its write stores the entries and the answer {@code 1:<status> <body>} in one
 * script run ({@link StreamWriter.Idempotency}); a refused request {@link #release releases} its claim. A
 * repeat finds the answer and replays it, or finds another request's claim and gets 409.
 *
 * <p>Keys are scoped: by the API key the request presented (a hash of it, never the key), and by the route, so
 * two tenants, or a logs and a metrics request, never share an answer.
 */
public final class IdempotencyStore implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(IdempotencyStore.class);
    public static final String HEADER = "Idempotency-Key";
    public static final String REPLAYED_HEADER = "Idempotent-Replayed";
    public static final int MAX_KEY_LENGTH = 255;
    /**
     * How long a claim holds a key when its request never finishes (the receiver died): a repeat gets 409 until
     * then. Longer than any request takes to read and store, body timeout included.
     */
    public static final Duration LEASE = Duration.ofMinutes(2);

    private static final String CLAIM = LuaScripts.load(ShardWriter.class, "claim.lua");
    private static final String RELEASE = LuaScripts.load(ShardWriter.class, "release.lua");

    /** What a claim found. */
    public sealed interface Claim {
        /** The key (of shard {@code shard}) is this request's now: go on, and write with {@link #idempotency}. */
        record Claimed(String key, String token, int shard) implements Claim {
            public StreamWriter.Idempotency idempotency(int status, String body, Duration ttl) {
                return new StreamWriter.Idempotency(key, token, storedAnswer(status, body), ttl, shard);
            }
        }

        /** An earlier request with this key was answered so: answer the same, store nothing. */
        record Answered(int status, String body) implements Claim {
        }

        /** Another request with this key is in flight. */
        record InFlight() implements Claim {
        }
    }

    private final StreamWriter writer;
    private final String prefix;
    private final Duration ttl;
    private final ExecutorService executor;
    private final ScheduledExecutorService retries;

    /**
     * @param prefix prefix of the keys with one shard (a deployment's own, say its logs stream name); with several,
     *               each shard's logs stream name
     */
    public IdempotencyStore(StreamWriter writer, String prefix, Duration ttl) {
        this.writer = writer;
        this.prefix = prefix;
        this.ttl = ttl;
        this.executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "killkrill-idempotency");
            t.setDaemon(true);
            return t;
        });
        this.retries = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "killkrill-idempotency-release");
            t.setDaemon(true);
            return t;
        });
    }

    /** How long an answer is kept. */
    public Duration ttl() {
        return ttl;
    }

    /** Why a header value is not a valid Idempotency-Key, if it is not: 1-255 visible ASCII characters. */
    public static Optional<String> invalid(String value) {
        if (value.isEmpty() || value.length() > MAX_KEY_LENGTH) {
            return Optional.of(HEADER + " must be 1-" + MAX_KEY_LENGTH + " characters long, got " + value.length());
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                return Optional.of(HEADER + " must consist of visible ASCII characters (0x21-0x7E); character "
                        + (i + 1) + " is not");
            }
        }
        return Optional.empty();
    }

    /**
     * The Redis key of an Idempotency-Key: {@code scope} is the API key the request presented (empty when the
     * endpoints are open), {@code route} the endpoint.
     */
    public String keyFor(String scope, String route, String idempotencyKey) {
        String tenant = scope.isEmpty() ? "open" : sha256Hex(scope).substring(0, 32);
        String scoped = tenant + ":" + route + ":" + idempotencyKey;
        return prefixOf(writer.shardOf(scoped)) + scoped;
    }

    /**
     * Where shard {@code shard}'s keys start: after its logs stream's name, whose hash tag puts them in the slot of
     * the shard's streams (one shard: the configured logs stream).
     */
    private String prefixOf(int shard) {
        return (writer.shards() == 1 ? prefix : writer.streamsOf(shard).logs()) + ":idempotency:";
    }

    /** The shard of a key {@link #keyFor} made. */
    private int shardOfKey(String key) {
        for (int shard = 0; shard < writer.shards(); shard++) {
            if (key.startsWith(prefixOf(shard))) {
                return shard;
            }
        }
        throw new IllegalArgumentException("not an Idempotency-Key of this store: " + key);
    }

    /**
     * Claims a key, off the caller's thread. Fails with {@link RedisUnavailableException} when Redis does not
     * answer or refuses the write (nothing claimed: answer 503), and with {@link NotReplicatedException} when the key
     * holds an answer the required replicas do not yet acknowledge (answer 503 too: not yet durable).
     */
    public CompletableFuture<Claim> claim(String key) {
        int shard = shardOfKey(key);
        return CompletableFuture.supplyAsync(() -> {
            String token = UUID.randomUUID().toString();
            Object current;
            Optional<String> notReplicated = Optional.empty();
            try (Jedis jedis = writer.pool(shard).getResource()) {
                current = jedis.eval(CLAIM, List.of(key), List.of(token, Long.toString(LEASE.toMillis())));
                if (current != null && current.toString().startsWith("1:")) {
                    // a replay acknowledges the items too: only once the replicas hold them
                    notReplicated = writer.awaitReplicas(jedis);
                }
            } catch (JedisDataException e) {
                throw new RedisUnavailableException("Redis refused the Idempotency-Key claim: " + e.getMessage());
            } catch (JedisException e) {
                // unreachable, or the connection broke: the claim may have been set before it did; give it up once
                // Redis answers, or the client's retries would get 409 for the whole lease
                releaseWhenReachable(new Claim.Claimed(key, token, shard), 0, 1, new CompletableFuture<>());
                throw new RedisUnavailableException("Redis is unavailable: " + e.getMessage());
            }
            if (current == null) {
                return new Claim.Claimed(key, token, shard);
            }
            if (notReplicated.isPresent()) {
                throw new NotReplicatedException(notReplicated.get());
            }
            return parse(current.toString()).orElseGet(Claim.InFlight::new);
        }, executor);
    }

    /**
     * Gives up a claim whose request stored nothing, so a retry need not wait out the lease. Often called because
     * Redis is down: it is retried every second until Redis answers (for up to a lease, which ends it anyway).
     */
    public CompletableFuture<Void> release(Claim.Claimed claim) {
        CompletableFuture<Void> firstAttempt = new CompletableFuture<>();
        releaseWhenReachable(claim, 0, 0, firstAttempt);
        return firstAttempt;
    }

    /**
     * Releases a claim that may exist, retrying every second for up to a lease while Redis does not answer;
     * {@code firstAttempt} completes once the first try is over, released or not, so that an answer can wait for
     * it without waiting out an outage.
     */
    private void releaseWhenReachable(Claim.Claimed claim, int attempt, long delaySeconds,
                                      CompletableFuture<Void> firstAttempt) {
        retries.schedule(() -> {
            String notDone;
            try (Jedis jedis = writer.pool(claim.shard()).getResource()) {
                Object released = jedis.eval(RELEASE, List.of(claim.key()), List.of(claim.token()));
                notDone = Long.valueOf(1).equals(released) ? null : answerNotReplicated(jedis, claim.key());
            } catch (RuntimeException e) {
                notDone = e.toString();
            } finally {
                firstAttempt.complete(null);
            }
            if (notDone == null) {
                return;
            }
            if (attempt < LEASE.toSeconds()) {
                releaseWhenReachable(claim, attempt + 1, 1, firstAttempt);
            } else {
                LOG.debug("stage=enqueue an Idempotency-Key claim was not released (its lease ends it): {}", notDone);
            }
        }, delaySeconds, TimeUnit.SECONDS);
    }

    /**
     * With replica acknowledgements required: why the answer {@code key} holds is not yet known to be on the
     * replicas (null when it is, or the key holds no answer). Such a claim is released again every second: should the
     * master die before the replicas hold the answer, the promoted master may hold the request's claim without its
     * answer, and the client's retries would get 409 for the rest of the lease; released there, the retry stores the
     * items.
     */
    private String answerNotReplicated(Jedis jedis, String key) {
        if (!writer.replicaAcksRequired()) {
            return null;
        }
        String current = jedis.get(key);
        if (current == null || !current.startsWith("1:")) {
            return null;
        }
        jedis.set(key, current, SetParams.setParams().keepTtl()); // WAIT counts from this connection's last write
        return writer.awaitReplicas(jedis).orElse(null);
    }

    /** The answer as stored under a key: {@code 1:<status> <body>}. */
    static String storedAnswer(int status, String body) {
        return "1:" + status + " " + body;
    }

    /** A stored answer, read back; empty for a claim ({@code 0:<token>}). */
    public static Optional<Claim> parse(String stored) {
        if (!stored.startsWith("1:")) {
            return Optional.empty();
        }
        int space = stored.indexOf(' ');
        int status = Integer.parseInt(stored.substring(2, space));
        return Optional.of(new Claim.Answered(status, stored.substring(space + 1)));
    }

    private static String sha256Hex(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
        retries.shutdownNow();
    }
}
