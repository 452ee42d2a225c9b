package io.killkrill.bench;

import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisCluster;
import redis.clients.jedis.UnifiedJedis;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * dev-services' Redis Cluster for the {@code cluster} phase: {@code scripts/dev-services up --redis=cluster redis}
 * starts six {@code redis-server --cluster-enabled yes} on ports of their own (cluster-node-timeout 3 s,
 * cluster-require-full-coverage no), joins them with {@code redis-cli --cluster create --cluster-replicas 1} into 3
 * masters with a replica each and waits for {@code cluster_state:ok} on every node (or finds it running); its env
 * file names the nodes, and {@link #close} stops it again when this run started it. The services write
 * {@value #SHARDS} stream shards, whose hash tags spread over the masters.
 */
final class ClusterTopology implements RedisTopology {
    /** At least as many shards as masters (CommonSettings), and the receivers' cluster IT's count. */
    static final int SHARDS = 4;

    private final DevServicesRedis devServices;
    private final String nodes;
    private final JedisCluster client;

    private ClusterTopology(DevServicesRedis devServices) {
        this.devServices = devServices;
        this.nodes = devServices.require("KILLKRILL_TEST_REDIS_CLUSTER_NODES");
        this.client = new JedisCluster(devServices.addresses("KILLKRILL_TEST_REDIS_CLUSTER_NODES"));
    }

    static ClusterTopology provision(Path repo) throws IOException, InterruptedException {
        return new ClusterTopology(DevServicesRedis.up(repo, "cluster"));
    }

    @Override
    public String name() {
        return "Cluster";
    }

    @Override
    public String description() {
        return "3 masters, 3 replicas (dev-services), " + SHARDS + " stream shards, nodes " + nodes;
    }

    @Override
    public int shards() {
        return SHARDS;
    }

    @Override
    public Map<String, String> settings(int replicaAcks) {
        return settings(nodes, replicaAcks);
    }

    /** The Redis settings of services on the cluster of {@code nodes} ({@code host:port,...}). */
    static Map<String, String> settings(String nodes, int replicaAcks) {
        return Map.of("KILLKRILL_REDIS_CLUSTER_NODES", nodes, "KILLKRILL_STREAM_SHARDS", Integer.toString(SHARDS),
                "KILLKRILL_REDIS_MIN_REPLICA_ACKS", Integer.toString(replicaAcks));
    }

    @Override
    public UnifiedJedis client() {
        return client;
    }

    @Override
    public Map<String, Integer> servers() {
        try (Jedis node = new Jedis(HostAndPort.from(nodes.split(",")[0].trim()))) {
            return servers(node.clusterNodes());
        }
    }

    /**
     * The nodes of a {@code CLUSTER NODES} answer by role, each role's by port: {@code redis-master-1..},
     * {@code redis-replica-1..}. A line is {@code <id> <ip:port@bus-port> <flags> <master-id> ...}.
     */
    static Map<String, Integer> servers(String clusterNodes) {
        TreeMap<Integer, String> byPort = new TreeMap<>();
        for (String line : clusterNodes.split("\n")) {
            String[] fields = line.trim().split(" ");
            if (fields.length < 3) {
                continue;
            }
            String address = fields[1].split("@")[0];
            int port = Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
            String flags = "," + fields[2] + ",";
            byPort.put(port, flags.contains(",master,") ? "master" : "replica");
        }
        Map<String, Integer> servers = new LinkedHashMap<>();
        for (String role : new String[] {"master", "replica"}) {
            int i = 1;
            for (Map.Entry<Integer, String> node : byPort.entrySet()) {
                if (node.getValue().equals(role)) {
                    servers.put("redis-" + role + "-" + i++, node.getKey());
                }
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
