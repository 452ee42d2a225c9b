package io.killkrill.stream;

import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.JedisPooled;

import java.net.URI;
import java.time.Duration;

/**
 * The one way a worker connects to Redis for its stream consumers. Every wait on Redis is bounded, so that no
 * consumer can hang for good on a connection that went silent (a network partition, a proxy or a Redis that stopped
 * answering without closing the socket):
 * <ul>
 *   <li>a blocking {@code XREADGROUP} waits at most its block time plus {@link #MARGIN}: Jedis would otherwise wait
 *   for its reply with no socket timeout at all, and a reply lost on the way stalled the consumer until the
 *   connection was reset;</li>
 *   <li>any other command waits the same at most;</li>
 *   <li>borrowing a connection from the pool waits the same at most, so an exhausted pool fails the call (which is
 *   retried) instead of parking the thread.</li>
 * </ul>
 */
public final class RedisClients {
    /** How much longer than a read's block time a reply may take to arrive. */
    static final Duration MARGIN = Duration.ofSeconds(5);

    private RedisClients() {
    }

    /**
     * A pool for {@code consumers} consumer loops, each of which holds up to three connections at once (its
     * read-ahead's blocking read, its own claims and settles, its heartbeat), plus maintenance, readiness checks and
     * a spare.
     */
    public static JedisPooled forConsumers(URI redisUrl, int consumers, Duration blockTime) {
        int timeoutMillis = timeoutMillis(blockTime);
        ConnectionPoolConfig pool = new ConnectionPoolConfig();
        pool.setMaxTotal(3 * consumers + 4);
        pool.setMaxIdle(3 * consumers + 4);
        pool.setMaxWait(Duration.ofMillis(timeoutMillis));
        return new JedisPooled(pool, redisUrl, timeoutMillis, timeoutMillis, timeoutMillis, null, null, null);
    }

    /** The bound on every wait: the block time plus {@link #MARGIN}, and 2 s at least. */
    static int timeoutMillis(Duration blockTime) {
        return (int) Math.max(2_000, blockTime.plus(MARGIN).toMillis());
    }
}
