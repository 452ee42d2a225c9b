package io.killkrill.bench;

import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisSentineled;
import redis.clients.jedis.UnifiedJedis;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * dev-services' Sentinel topology for the {@code sentinel} phase: {@code scripts/dev-services up --redis=sentinel
 * redis} starts it (or finds it running), its env file names the sentinels and the master, and {@link #close} stops
 * it again when this run started it.
 */
final class SentinelTopology implements RedisTopology {
    private final DevServicesRedis devServices;
    private final String sentinels;
    private final String masterName;
    private final UnifiedJedis client;

    private SentinelTopology(DevServicesRedis devServices) {
        this.devServices = devServices;
        this.sentinels = devServices.require("KILLKRILL_TEST_REDIS_SENTINELS");
        this.masterName = devServices.get("KILLKRILL_TEST_REDIS_MASTER_NAME", "killkrill");
        this.client = new JedisSentineled(masterName, DefaultJedisClientConfig.builder().build(),
                devServices.addresses("KILLKRILL_TEST_REDIS_SENTINELS"), DefaultJedisClientConfig.builder().build());
    }

    static SentinelTopology provision(Path repo) throws IOException, InterruptedException {
        return new SentinelTopology(DevServicesRedis.up(repo, "sentinel"));
    }

    @Override
    public String name() {
        return "Sentinel";
    }

    @Override
    public String description() {
        return "1 master, 2 replicas, 3 sentinels (dev-services), master " + master();
    }

    @Override
    public int shards() {
        return 1;
    }

    @Override
    public Map<String, String> settings(int replicaAcks) {
        return Map.of("KILLKRILL_REDIS_SENTINELS", sentinels, "KILLKRILL_REDIS_MASTER_NAME", masterName,
                "KILLKRILL_REDIS_MIN_REPLICA_ACKS", Integer.toString(replicaAcks));
    }

    /** A client of the current master. */
    @Override
    public UnifiedJedis client() {
        return client;
    }

    /** host:port of the master the first sentinel names now. */
    private String master() {
        HostAndPort first = HostAndPort.from(sentinels.split(",")[0].trim());
        try (Jedis sentinel = new Jedis(first)) {
            List<String> master = sentinel.sentinelGetMasterAddrByName(masterName);
            return master.get(0) + ":" + master.get(1);
        }
    }

    @Override
    public Map<String, Integer> servers() {
        Map<String, Integer> servers = new LinkedHashMap<>();
        servers.put("redis-master", Integer.parseInt(master().split(":")[1]));
        HostAndPort first = HostAndPort.from(sentinels.split(",")[0].trim());
        try (Jedis sentinel = new Jedis(first)) {
            int i = 1;
            for (Map<String, String> replica : sentinel.sentinelReplicas(masterName)) {
                servers.put("redis-replica-" + i++, Integer.parseInt(replica.get("port")));
            }
        }
        return servers;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        client.close();
        devServices.down();
    }
}
