package io.killkrill.bench;

import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisSentineled;
import redis.clients.jedis.UnifiedJedis;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * dev-services' Sentinel topology for the {@code sentinel} phase: {@code scripts/dev-services up --redis=sentinel
 * redis} starts it (or finds it running), and its env file names the sentinels and the master.
 */
final class SentinelTopology implements AutoCloseable {
    private final String sentinels;
    private final String masterName;
    private final UnifiedJedis client;

    private SentinelTopology(String sentinels, String masterName) {
        this.sentinels = sentinels;
        this.masterName = masterName;
        Set<HostAndPort> addresses = new LinkedHashSet<>();
        for (String address : sentinels.split(",")) {
            addresses.add(HostAndPort.from(address.trim()));
        }
        this.client = new JedisSentineled(masterName, DefaultJedisClientConfig.builder().build(), addresses,
                DefaultJedisClientConfig.builder().build());
    }

    static SentinelTopology provision(Path repo) throws IOException, InterruptedException {
        Process up = new ProcessBuilder(repo.resolve("scripts/dev-services").toString(), "up", "--redis=sentinel",
                "redis").inheritIO().start();
        if (up.waitFor() != 0) {
            throw new IllegalStateException("scripts/dev-services up --redis=sentinel redis failed (exit "
                    + up.exitValue() + ")");
        }
        String dir = System.getenv().getOrDefault("KILLKRILL_DEV_DIR", "/var/tmp/killkrill-dev");
        Map<String, String> env = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of(dir, "env"))) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                env.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        String sentinels = env.get("KILLKRILL_TEST_REDIS_SENTINELS");
        if (sentinels == null) {
            throw new IllegalStateException("dev-services' env file names no KILLKRILL_TEST_REDIS_SENTINELS");
        }
        return new SentinelTopology(sentinels, env.getOrDefault("KILLKRILL_TEST_REDIS_MASTER_NAME", "killkrill"));
    }

    /** The services' Redis settings for this topology, with {@code replicaAcks} replica acknowledgements. */
    Map<String, String> settings(int replicaAcks) {
        return Map.of("KILLKRILL_REDIS_SENTINELS", sentinels, "KILLKRILL_REDIS_MASTER_NAME", masterName,
                "KILLKRILL_REDIS_MIN_REPLICA_ACKS", Integer.toString(replicaAcks));
    }

    /** A client of the current master. */
    UnifiedJedis client() {
        return client;
    }

    /** host:port of the master the first sentinel names now. */
    String master() {
        HostAndPort first = HostAndPort.from(sentinels.split(",")[0].trim());
        try (Jedis sentinel = new Jedis(first)) {
            List<String> master = sentinel.sentinelGetMasterAddrByName(masterName);
            return master.get(0) + ":" + master.get(1);
        }
    }

    /** The topology's Redis servers by role ({@code redis-master}, {@code redis-replica-1}, ...), for the CPU meter. */
    Map<String, Integer> servers() {
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
    public void close() {
        client.close();
    }
}
