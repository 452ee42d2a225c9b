package io.killkrill.stream;

import io.killkrill.config.RedisEndpoint;
import io.killkrill.config.ReplicaAcks;
import org.apache.commons.pool2.BasePooledObjectFactory;
import org.apache.commons.pool2.PooledObject;
import org.apache.commons.pool2.impl.DefaultPooledObject;
import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.Connection;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.JedisCluster;
import redis.clients.jedis.JedisPool;
import redis.clients.jedis.JedisPoolConfig;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.JedisSentinelPool;
import redis.clients.jedis.JedisSentineled;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.providers.ClusterConnectionProvider;
import redis.clients.jedis.providers.SentineledConnectionProvider;
import redis.clients.jedis.util.JedisClusterCRC16;
import redis.clients.jedis.util.Pool;
import redis.clients.jedis.util.SafeEncoder;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The one place every service's Redis clients are made, for one Redis ({@link RedisEndpoint.Standalone}) or the
 * master of a set of Sentinels ({@link RedisEndpoint.Sentinel}: Jedis's {@code JedisSentineled} and
 * {@code JedisSentinelPool}, which subscribe to the sentinels' {@code +switch-master} and move their pool to the
 * promoted replica; {@link RedisFailovers} reports each move). Every wait on Redis is bounded, so that no
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
    /** How often a cluster command is tried (following MOVED, or a master that died) before it fails. */
    static final int CLUSTER_ATTEMPTS = 5;
    /** The receivers' writer: connect, read and borrow timeout of its pool. */
    static final int WRITER_TIMEOUT_MILLIS = 2000;

    private RedisClients() {
    }


    /**
     * A pool for {@code consumers} consumer loops, each of which holds up to three connections at once (its
     * read-ahead's blocking read, its own claims and settles, its heartbeat), plus maintenance, readiness checks and
     * a spare.
     */
    public static UnifiedJedis forConsumers(RedisEndpoint endpoint, int consumers, Duration blockTime,
                                            RedisFailovers failovers) {
        return forConsumers(endpoint, consumers, blockTime, ReplicaAcks.NONE, failovers);
    }

    /** As above, each wait longer by what a {@code WAIT} for {@code replicaAcks} after a read may take. */
    public static UnifiedJedis forConsumers(RedisEndpoint endpoint, int consumers, Duration blockTime,
                                            ReplicaAcks replicaAcks, RedisFailovers failovers) {
        blockTime = blockTime.plus(replicaAcks.replyAllowance());
        int timeoutMillis = timeoutMillis(blockTime);
        ConnectionPoolConfig pool = new ConnectionPoolConfig();
        pool.setMaxTotal(3 * consumers + 4);
        pool.setMaxIdle(3 * consumers + 4);
        pool.setMaxWait(Duration.ofMillis(timeoutMillis));
        if (endpoint instanceof RedisEndpoint.Sentinel sentinel) {
            return new JedisSentineled(new ReportingSentinelProvider(sentinel, clientConfig(timeoutMillis), pool,
                    failovers));
        }
        if (endpoint instanceof RedisEndpoint.Cluster cluster) {
            // a pool of that size per node; a command that meets a moved slot or a dead master is retried (after a
            // refresh of the slot map) for up to one wait, then fails like any Redis failure and the caller retries
            return new JedisCluster(addresses(cluster.nodes()), clientConfig(timeoutMillis), CLUSTER_ATTEMPTS,
                    Duration.ofMillis(timeoutMillis), pool);
        }
        URI url = ((RedisEndpoint.Standalone) endpoint).url();
        return new JedisPooled(pool, url, timeoutMillis, timeoutMillis, timeoutMillis, null, null, null);
    }

    /**
     * Whether the Redis that holds each of {@code keys} answers PING now: on a Redis Cluster the master of each key's
     * slot (a keyless PING there goes to every node, or to any one), elsewhere the one Redis, once per key.
     */
    public static boolean answersPing(UnifiedJedis redis, Collection<String> keys) {
        try {
            for (String key : keys) {
                Object pong = redis.sendCommand(SafeEncoder.encode(key), Protocol.Command.PING);
                if (!(pong instanceof byte[] reply) || !"PONG".equals(SafeEncoder.encode(reply))) {
                    return false;
                }
            }
            return !keys.isEmpty();
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * The receivers' writer pool: 8 connections, each tested with a PING when borrowed (a connection Redis closed,
     * by a restart or a failover, fails there, before anything is sent on it: the write is then refused, not in
     * doubt), and 2 s for connecting, a borrow and every reply, plus {@code replyAllowance} for a reply (the time a
     * round trip's {@code WAIT} for replicas may take).
     */
    public static Pool<Jedis> forWriter(RedisEndpoint endpoint, RedisFailovers failovers, Duration replyAllowance) {
        int replyMillis = Math.toIntExact(WRITER_TIMEOUT_MILLIS + replyAllowance.toMillis());
        JedisPoolConfig pool = new JedisPoolConfig();
        pool.setMaxTotal(8);
        pool.setMaxWait(Duration.ofMillis(WRITER_TIMEOUT_MILLIS));
        pool.setTestOnBorrow(true);
        if (endpoint instanceof RedisEndpoint.Cluster) {
            throw new IllegalArgumentException("a Redis Cluster has a master per slot: use forWriters");
        }
        if (endpoint instanceof RedisEndpoint.Sentinel sentinel) {
            return new ReportingSentinelPool(sentinel, pool, DefaultJedisClientConfig.builder()
                    .connectionTimeoutMillis(WRITER_TIMEOUT_MILLIS).socketTimeoutMillis(replyMillis).build(),
                    failovers);
        }
        return new JedisPool(pool, ((RedisEndpoint.Standalone) endpoint).url(), WRITER_TIMEOUT_MILLIS, replyMillis);
    }

    /**
     * The receivers' writer pools, one per shard: {@code slotKeys.get(i)} is a key of shard {@code i} (all its keys
     * share its hash tag). On one Redis or a Sentinel-managed one, a {@link #forWriter} pool each; on a Redis Cluster,
     * a {@link RelearningPool} each, of connections to the master that holds the key's slot now (tested with a PING
     * when borrowed, like the others), over one connection pool per node.
     */
    public static List<Pool<Jedis>> forWriters(RedisEndpoint endpoint, List<String> slotKeys, RedisFailovers failovers,
                                               Duration replyAllowance) {
        List<Pool<Jedis>> pools = new ArrayList<>();
        if (endpoint instanceof RedisEndpoint.Cluster cluster) {
            int replyMillis = Math.toIntExact(WRITER_TIMEOUT_MILLIS + replyAllowance.toMillis());
            ConnectionPoolConfig perNode = new ConnectionPoolConfig();
            perNode.setMaxTotal(4 + 8 * slotKeys.size());
            perNode.setMaxWait(Duration.ofMillis(WRITER_TIMEOUT_MILLIS));
            ClusterConnectionProvider provider = new ClusterConnectionProvider(addresses(cluster.nodes()),
                    DefaultJedisClientConfig.builder().connectionTimeoutMillis(WRITER_TIMEOUT_MILLIS)
                            .socketTimeoutMillis(replyMillis).build(), perNode);
            AtomicInteger open = new AtomicInteger(
                    slotKeys.size());
            for (String key : slotKeys) {
                pools.add(new SlotMasterPool(provider, JedisClusterCRC16.getSlot(key), open));
            }
            return pools;
        }
        for (int i = 0; i < slotKeys.size(); i++) {
            pools.add(forWriter(endpoint, failovers, replyAllowance));
        }
        return pools;
    }

    /**
     * A writer pool whose Redis can move (a Redis Cluster slot's master after a failover or a resharding): its user
     * calls {@link #relearn} when a connection failed or Redis answered that it does not hold the data (MOVED,
     * READONLY, CLUSTERDOWN), and the pool asks the cluster again where it is.
     */
    public interface RelearningPool {
        void relearn();
    }

    /** Connections to the master of one cluster slot, from the provider's pool of that node. */
    private static final class SlotMasterPool extends Pool<Jedis> implements RelearningPool {
        private static final long RELEARN_AFTER_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
        private final ClusterConnectionProvider provider;
        private final int slot;
        private final AtomicInteger open;
        private final AtomicLong learntAt = new AtomicLong(
                System.nanoTime() - RELEARN_AFTER_NANOS);
        private volatile boolean closed;

        SlotMasterPool(ClusterConnectionProvider provider, int slot, AtomicInteger open) {
            super(new BasePooledObjectFactory<Jedis>() {
                @Override
                public Jedis create() {
                    throw new UnsupportedOperationException("connections come from the cluster's node pools");
                }

                @Override
                public PooledObject<Jedis> wrap(Jedis jedis) {
                    return new DefaultPooledObject<>(jedis);
                }
            });
            this.provider = provider;
            this.slot = slot;
            this.open = open;
        }

        @Override
        public Jedis getResource() {
            Jedis jedis;
            try {
                jedis = new Jedis(provider.getConnectionFromSlot(slot));
            } catch (RuntimeException e) {
                relearn();
                throw e instanceof JedisException je ? je
                        : new JedisConnectionException(e);
            }
            try {
                // ROLE, not PING: after a failover the old master answers as the replica it became
                Object role = ((List<?>) jedis.sendCommand(Protocol.Command.ROLE)).get(0);
                if (!"master".equals(SafeEncoder.encode((byte[]) role))) {
                    throw new JedisConnectionException("the node holding slot " + slot
                            + " in the slot map is no master now");
                }
                return jedis;
            } catch (RuntimeException e) {
                jedis.close();
                relearn();
                throw e;
            }
        }

        /** Asks the cluster for its slot map again, at most every 500 ms. */
        @Override
        public void relearn() {
            long last = learntAt.get();
            long now = System.nanoTime();
            if (now - last < RELEARN_AFTER_NANOS || !learntAt.compareAndSet(last, now)) {
                return;
            }
            try {
                provider.renewSlotCache();
            } catch (RuntimeException e) {
                // no node answered: the next borrow fails, and tries again
            }
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                if (open.decrementAndGet() == 0) {
                    provider.close();
                }
            }
        }
    }

    /** The bound on every wait: the block time plus {@link #MARGIN}, and 2 s at least. */
    static int timeoutMillis(Duration blockTime) {
        return (int) Math.max(2_000, blockTime.plus(MARGIN).toMillis());
    }

    private static JedisClientConfig clientConfig(int timeoutMillis) {
        return DefaultJedisClientConfig.builder().connectionTimeoutMillis(timeoutMillis)
                .socketTimeoutMillis(timeoutMillis).blockingSocketTimeoutMillis(timeoutMillis).build();
    }

    /** What Jedis's sentinel clients are told: where to ask, and with a 2 s bound on each question. */
    private static Set<HostAndPort> sentinels(RedisEndpoint.Sentinel sentinel) {
        return addresses(sentinel.sentinels());
    }

    private static Set<HostAndPort> addresses(List<RedisEndpoint.Address> addresses) {
        Set<HostAndPort> set = new LinkedHashSet<>();
        addresses.forEach(a -> set.add(new HostAndPort(a.host(), a.port())));
        return set;
    }

    private static JedisClientConfig sentinelConfig() {
        return DefaultJedisClientConfig.builder().connectionTimeoutMillis(WRITER_TIMEOUT_MILLIS)
                .socketTimeoutMillis(WRITER_TIMEOUT_MILLIS).build();
    }

    /** {@code JedisSentineled}'s provider, reporting each master it moves to. */
    private static final class ReportingSentinelProvider extends SentineledConnectionProvider {
        private final RedisFailovers.MasterWatch watch;

        ReportingSentinelProvider(RedisEndpoint.Sentinel sentinel, JedisClientConfig master, ConnectionPoolConfig pool,
                                  RedisFailovers failovers) {
            super(sentinel.masterName(), master, pool, sentinels(sentinel), sentinelConfig());
            watch = failovers.watch(sentinel.masterName(), getCurrentMaster());
        }

        @Override
        public Connection getConnection() {
            watch.observe(getCurrentMaster());
            return super.getConnection();
        }

        @Override
        public Connection getConnection(CommandArguments args) {
            watch.observe(getCurrentMaster());
            return super.getConnection(args);
        }
    }

    /** The writer's {@code JedisSentinelPool}, reporting each master it moves to. */
    private static final class ReportingSentinelPool extends JedisSentinelPool {
        private final RedisFailovers.MasterWatch watch;

        ReportingSentinelPool(RedisEndpoint.Sentinel sentinel, JedisPoolConfig pool, JedisClientConfig master,
                              RedisFailovers failovers) {
            super(sentinel.masterName(), sentinels(sentinel), pool, master, sentinelConfig());
            watch = failovers.watch(sentinel.masterName(), getCurrentHostMaster());
        }

        @Override
        public Jedis getResource() {
            watch.observe(getCurrentHostMaster());
            return super.getResource();
        }
    }
}
