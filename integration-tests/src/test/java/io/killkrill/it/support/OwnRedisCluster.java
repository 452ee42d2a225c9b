package io.killkrill.it.support;

import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisCluster;
import redis.clients.jedis.util.JedisClusterCRC16;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;

/**
 * A Redis Cluster of the test's own: six {@code redis-server --cluster-enabled yes} on free loopback ports
 * ({@link FreePorts#redisClusterPorts}, whose bus ports are free too), joined by
 * {@code redis-cli --cluster create --cluster-replicas 1} into three masters holding the 16,384 slots with one
 * replica each. {@code cluster-node-timeout} 3000 ms, so a replica takes over a dead master within seconds, and
 * {@code cluster-require-full-coverage no}, so that the other masters go on meanwhile.
 */
public final class OwnRedisCluster implements AutoCloseable {
    private static final int NODES = 6;
    private final Path directory;
    private final List<Node> nodes = new ArrayList<>();

    private record Node(int port, Process process) {
    }

    public OwnRedisCluster() throws IOException, InterruptedException {
        ExternalTool.requireInstalled("redis-server");
        ExternalTool.requireInstalled("redis-cli");
        directory = Files.createTempDirectory("killkrill-cluster-");
        int first = FreePorts.redisClusterPorts(NODES);
        for (int i = 0; i < NODES; i++) {
            nodes.add(start(first + i));
        }
        List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
        nodes.forEach(n -> create.add("127.0.0.1:" + n.port()));
        create.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
        Process join = new ProcessBuilder(create).redirectErrorStream(true)
                .redirectOutput(directory.resolve("create.log").toFile()).start();
        if (!join.waitFor(60, TimeUnit.SECONDS) || join.exitValue() != 0) {
            throw new IllegalStateException("redis-cli --cluster create failed: " + directory.resolve("create.log"));
        }
        awaitHealthy(Duration.ofSeconds(60));
    }

    private Node start(int port) throws IOException {
        Path dir = Files.createDirectories(directory.resolve("node-" + port));
        Process process = new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--cluster-enabled", "yes", "--cluster-config-file", dir.resolve("nodes.conf").toString(),
                "--cluster-node-timeout", "3000", "--cluster-require-full-coverage", "no", "--save", "",
                "--appendonly", "no", "--dir", dir.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
        await("redis-server on port " + port + " answers PING").atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(50)).ignoreExceptions().until(() -> {
                    try (Jedis jedis = new Jedis("127.0.0.1", port)) {
                        return "PONG".equals(jedis.ping());
                    }
                });
        return new Node(port, process);
    }

    /** Waits until every live node says {@code cluster_state:ok} and three masters hold all slots. */
    public void awaitHealthy(Duration atMost) {
        await("the cluster's live nodes say cluster_state:ok, 3 masters holding the 16384 slots")
                .atMost(atMost).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> {
                    for (Node node : nodes) {
                        if (!node.process().isAlive()) {
                            continue;
                        }
                        try (Jedis jedis = new Jedis("127.0.0.1", node.port())) {
                            String info = jedis.clusterInfo();
                            if (!info.contains("cluster_state:ok") || !info.contains("cluster_slots_ok:16384")) {
                                return false;
                            }
                        }
                    }
                    return masterPorts().size() == 3;
                });
    }

    /** {@code host:port,...} of the six nodes: {@code KILLKRILL_REDIS_CLUSTER_NODES}. */
    public String nodes() {
        return nodes.stream().map(n -> "127.0.0.1:" + n.port()).collect(Collectors.joining(","));
    }

    /** A client of the cluster, for the test's own reads and checks. */
    public JedisCluster client() {
        Set<HostAndPort> addresses = new LinkedHashSet<>();
        nodes.stream().filter(n -> n.process().isAlive())
                .forEach(n -> addresses.add(new HostAndPort("127.0.0.1", n.port())));
        return new JedisCluster(addresses, 2000, 2000, 5, null, null, new org.apache.commons.pool2.impl
                .GenericObjectPoolConfig<>());
    }

    /** The port of the master that holds {@code key}'s slot now, as a live node tells. */
    public int masterOf(String key) {
        int slot = JedisClusterCRC16.getSlot(key);
        for (Node node : nodes) {
            if (!node.process().isAlive()) {
                continue;
            }
            try (Jedis jedis = new Jedis("127.0.0.1", node.port())) {
                for (Object range : jedis.clusterSlots()) {
                    List<?> r = (List<?>) range;
                    if ((Long) r.get(0) <= slot && slot <= (Long) r.get(1)) {
                        return ((Long) ((List<?>) r.get(2)).get(1)).intValue();
                    }
                }
            } catch (RuntimeException e) {
                // ask the next node
            }
        }
        throw new IllegalStateException("no live node knows the master of slot " + slot);
    }

    /** SIGKILL of the master holding {@code key}'s slot; returns its port. */
    public int killMasterOf(String key) throws InterruptedException {
        int port = masterOf(key);
        Node master = nodes.stream().filter(n -> n.port() == port).findFirst().orElseThrow();
        master.process().destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        return port;
    }

    /** Waits until a replica holds {@code key}'s slot in place of the master on {@code killedPort}; its port. */
    public int awaitPromotion(String key, int killedPort, Duration atMost) {
        int[] promoted = new int[1];
        await("a replica took over the slot of " + key + " from the killed master on port " + killedPort)
                .atMost(atMost).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> {
                    promoted[0] = masterOf(key);
                    return promoted[0] != killedPort;
                });
        awaitHealthy(atMost);
        return promoted[0];
    }

    /**
     * Starts the node on {@code port} again (after {@link #killMasterOf}) from its cluster config: it rejoins as a
     * replica of the master that took over, so that its shard has a replica again.
     */
    public void restart(int port) throws IOException {
        int index = -1;
        for (int i = 0; i < nodes.size(); i++) {
            if (nodes.get(i).port() == port) {
                index = i;
            }
        }
        if (index < 0 || nodes.get(index).process().isAlive()) {
            throw new IllegalStateException("no stopped node on port " + port);
        }
        nodes.set(index, start(port));
        await("the node on port " + port + " rejoined as a replica, in sync with its master")
                .atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> {
                    try (Jedis jedis = new Jedis("127.0.0.1", port)) {
                        String replication = jedis.info("replication");
                        return replication.contains("role:slave") && replication.contains("master_link_status:up");
                    }
                });
    }

    private Set<Integer> masterPorts() {
        Set<Integer> masters = new LinkedHashSet<>();
        for (Node node : nodes) {
            if (!node.process().isAlive()) {
                continue;
            }
            try (Jedis jedis = new Jedis("127.0.0.1", node.port())) {
                for (Object range : jedis.clusterSlots()) {
                    masters.add(((Long) ((List<?>) ((List<?>) range).get(2)).get(1)).intValue());
                }
                return masters;
            }
        }
        return masters;
    }

    /** The nodes' logs, for a failure message. */
    public Path directory() {
        return directory;
    }

    @Override
    public void close() throws InterruptedException {
        for (Node node : nodes) {
            node.process().destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
