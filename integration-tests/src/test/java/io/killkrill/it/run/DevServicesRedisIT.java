package io.killkrill.it.run;

import io.killkrill.it.support.FreePorts;
import io.killkrill.it.support.TestServices;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisCluster;
import redis.clients.jedis.JedisSentineled;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.params.XAddParams;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The Redis that {@code scripts/dev-services} (and so {@code ./killkrill up}) starts keeps the queue over a
 * restart: it runs with {@code appendonly yes}, and a stream entry written before a shutdown is there after
 * {@code up} started it again. Runs a Redis of its own (own state dir and port), never the shared one.
 * Regression: it ran with {@code --appendonly no --save ''}, so a restart lost every stream. With
 * {@code --redis=sentinel} it starts a Sentinel-managed Redis instead, with {@code --redis=cluster} a Redis Cluster
 * (issue 17 item 4).
 */
class DevServicesRedisIT {

    @Test
    void aRestartedDevRedisStillHoldsTheStream() throws Exception {
        Path state = Files.createTempDirectory("killkrill-dev-redis");
        int port = FreePorts.next();
        Map<String, String> env = Map.of("KILLKRILL_DEV_DIR", state.toString(),
                "KILLKRILL_DEV_REDIS_PORT", Integer.toString(port));
        try {
            Run up = devServices(env, "up", "--native", "redis");
            assertThat(up.exitCode()).as("dev-services up:%n%s", up.output()).isZero();
            String id;
            try (Jedis redis = new Jedis("127.0.0.1", port)) {
                assertThat(redis.configGet("appendonly")).containsEntry("appendonly", "yes");
                id = redis.xadd("queue", XAddParams.xAddParams(), Map.of("data", "acknowledged")).toString();
                try {
                    redis.shutdown(); // graceful, as a service manager or a reboot stops it
                } catch (JedisConnectionException expected) {
                    // the server closes the connection while answering
                }
            }
            await("the dev Redis has stopped").atMost(Duration.ofSeconds(15))
                    .until(() -> !answers(port));

            Run again = devServices(env, "up", "--native", "redis");
            assertThat(again.exitCode()).as("dev-services up again:%n%s", again.output()).isZero();
            try (Jedis redis = new Jedis("127.0.0.1", port)) {
                assertThat(redis.xrange("queue", (StreamEntryID) null, (StreamEntryID) null))
                        .as("the entry written before the restart").singleElement()
                        .satisfies(e -> {
                            assertThat(e.getID().toString()).isEqualTo(id);
                            assertThat(e.getFields()).containsEntry("data", "acknowledged");
                        });
            }
        } finally {
            Run down = devServices(env, "down", "redis");
            assertThat(down.exitCode()).as("dev-services down:%n%s", down.output()).isZero();
            try (var paths = Files.walk(state)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /**
     * {@code up --redis=sentinel}: a master, two replicas and three sentinels on ports of their own, named in the
     * env file; a write through the sentinels reaches the master and both replicas; {@code down} stops all six.
     */
    @Test
    void theSentinelTopologyIsAMasterTwoReplicasAndThreeSentinelsAndDownStopsIt() throws Exception {
        Path state = Files.createTempDirectory("killkrill-dev-sentinel");
        int redisBase = consecutiveFreePorts(3);
        int sentinelBase = consecutiveFreePorts(3);
        List<Integer> redisPorts = List.of(redisBase, redisBase + 1, redisBase + 2);
        List<Integer> sentinelPorts = List.of(sentinelBase, sentinelBase + 1, sentinelBase + 2);
        Map<String, String> env = Map.of("KILLKRILL_DEV_DIR", state.toString(),
                "KILLKRILL_DEV_REDIS_PORT", Integer.toString(FreePorts.next()),
                "KILLKRILL_DEV_SENTINEL_REDIS_PORT", Integer.toString(redisBase),
                "KILLKRILL_DEV_SENTINEL_PORT", Integer.toString(sentinelBase));
        try {
            Run up = devServices(env, "up", "--native", "--redis=sentinel", "redis");
            assertThat(up.exitCode()).as("dev-services up --redis=sentinel:%n%s", up.output()).isZero();
            String sentinels = "127.0.0.1:" + sentinelBase + ",127.0.0.1:" + (sentinelBase + 1) + ",127.0.0.1:"
                    + (sentinelBase + 2);
            assertThat(Files.readAllLines(state.resolve("env"))).as("the env file")
                    .containsExactly("KILLKRILL_TEST_REDIS_SENTINELS=" + sentinels,
                            "KILLKRILL_TEST_REDIS_MASTER_NAME=killkrill");
            for (int sentinel : sentinelPorts) {
                try (Jedis jedis = new Jedis("127.0.0.1", sentinel)) {
                    assertThat(jedis.sentinelGetMasterAddrByName("killkrill"))
                            .containsExactly("127.0.0.1", Integer.toString(redisBase));
                    Map<String, String> master = jedis.sentinelMaster("killkrill");
                    assertThat(master).containsEntry("num-slaves", "2").containsEntry("num-other-sentinels", "2")
                            .containsEntry("quorum", "2");
                }
            }
            Set<redis.clients.jedis.HostAndPort> addresses = new HashSet<>();
            sentinelPorts.forEach(p -> addresses.add(new HostAndPort("127.0.0.1", p)));
            try (JedisSentineled client = new JedisSentineled("killkrill",
                    DefaultJedisClientConfig.builder().build(), addresses,
                    DefaultJedisClientConfig.builder().build())) {
                client.xadd("queue", XAddParams.xAddParams(), Map.of("data", "through the sentinels"));
            }
            for (int port : redisPorts) {
                try (Jedis redis = new Jedis("127.0.0.1", port)) {
                    assertThat(redis.configGet("appendonly")).containsEntry("appendonly", "yes");
                    await("the entry written through the sentinels is on 127.0.0.1:" + port)
                            .atMost(Duration.ofSeconds(10)).until(() -> redis.xlen("queue") == 1);
                }
            }
        } finally {
            Run down = devServices(env, "down", "redis");
            assertThat(down.exitCode()).as("dev-services down:%n%s", down.output()).isZero();
            for (int port : concat(redisPorts, sentinelPorts)) {
                assertThat(answers(port)).as("127.0.0.1:%d after down", port).isFalse();
            }
            try (var paths = Files.walk(state)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /**
     * {@code up --redis=cluster}: six nodes on ports of their own, three masters holding the 16384 slots with one
     * replica each, named in the env file; a hash-tagged key written through a cluster client is still readable after
     * the master holding it was SIGKILLed (its replica took over within the 3 s node timeout); {@code down} stops all
     * six.
     */
    @Test
    void theClusterTopologyIsThreeMastersWithAReplicaEachThatSurvivesAKilledMasterAndDownStopsIt() throws Exception {
        Path state = Files.createTempDirectory("killkrill-dev-cluster");
        int base = FreePorts.redisClusterPorts(6);
        List<Integer> ports = IntStream.range(base, base + 6).boxed().toList();
        Map<String, String> env = Map.of("KILLKRILL_DEV_DIR", state.toString(),
                "KILLKRILL_DEV_REDIS_PORT", Integer.toString(FreePorts.next()),
                "KILLKRILL_DEV_CLUSTER_REDIS_PORT", Integer.toString(base));
        Map<Integer, Long> pids = new TreeMap<>();
        try {
            Run up = devServices(env, "up", "--native", "--redis=cluster", "redis");
            assertThat(up.exitCode()).as("dev-services up --redis=cluster:%n%s", up.output()).isZero();
            assertThat(Files.readAllLines(state.resolve("env"))).as("the env file")
                    .containsExactly("KILLKRILL_TEST_REDIS_CLUSTER_NODES=" + ports.stream()
                            .map(p -> "127.0.0.1:" + p).collect(Collectors.joining(",")));
            for (int port : ports) {
                try (Jedis node = new Jedis("127.0.0.1", port)) {
                    assertThat(clusterInfo(port)).as("cluster info of 127.0.0.1:%d", port)
                            .containsEntry("cluster_state", "ok").containsEntry("cluster_slots_assigned", "16384")
                            .containsEntry("cluster_known_nodes", "6").containsEntry("cluster_size", "3");
                    assertThat(node.configGet("appendonly")).containsEntry("appendonly", "yes");
                    assertThat(node.configGet("cluster-node-timeout")).containsEntry("cluster-node-timeout", "3000");
                    pids.put(port, Long.parseLong(infoField(node.info("server"), "process_id")));
                }
            }
            List<ClusterNode> topology = clusterNodes(base);
            List<ClusterNode> masters = topology.stream().filter(ClusterNode::master).toList();
            List<ClusterNode> replicas = topology.stream().filter(n -> !n.master()).toList();
            assertThat(masters).as("masters in %s", topology).hasSize(3).allMatch(m -> !m.slots().isEmpty());
            assertThat(replicas).as("replicas in %s", topology).hasSize(3).extracting(ClusterNode::masterId)
                    .containsExactlyInAnyOrderElementsOf(masters.stream().map(ClusterNode::id).toList());

            String key = "{killkrill}:probe";
            String value = "written through the cluster";
            Set<HostAndPort> seeds = new HashSet<>();
            ports.forEach(p -> seeds.add(new HostAndPort("127.0.0.1", p)));
            try (JedisCluster cluster = new JedisCluster(seeds, DefaultJedisClientConfig.builder().build());
                 Jedis any = new Jedis("127.0.0.1", base)) {
                cluster.set(key, value);
                assertThat(cluster.get(key)).isEqualTo(value);
                int slot = (int) any.clusterKeySlot(key);
                ClusterNode owner = masters.stream().filter(m -> m.holds(slot)).findFirst().orElseThrow();
                ClusterNode replica = replicas.stream().filter(r -> r.masterId().equals(owner.id())).findFirst()
                        .orElseThrow();
                try (Jedis replicaNode = new Jedis("127.0.0.1", replica.port())) {
                    replicaNode.readonly();
                    await("the replica 127.0.0.1:" + replica.port() + " holds " + key).atMost(Duration.ofSeconds(10))
                            .until(() -> value.equals(replicaNode.get(key)));
                }

                long masterPid = pids.get(owner.port());
                ProcessHandle master = ProcessHandle.of(masterPid).orElseThrow();
                assertThat(master.destroyForcibly()).as("SIGKILL sent to the master on %d", owner.port()).isTrue();
                await("the master on " + owner.port() + " (pid " + masterPid + ") has died")
                        .atMost(Duration.ofSeconds(10)).until(() -> !running(masterPid));
                await("the replica 127.0.0.1:" + replica.port() + " is promoted to master")
                        .atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                        .until(() -> clusterNodes(replica.port()).stream()
                                .anyMatch(n -> n.port() == replica.port() && n.master() && n.holds(slot)));
                List<Integer> survivors = ports.stream().filter(p -> p != owner.port()).toList();
                await("cluster_state:ok on the five surviving nodes").atMost(Duration.ofSeconds(30))
                        .ignoreExceptions()
                        .until(() -> survivors.stream()
                                .allMatch(p -> "ok".equals(clusterInfo(p).get("cluster_state"))));
                await(key + " is readable through the cluster client after the failover")
                        .atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> value.equals(cluster.get(key)));
            }
        } finally {
            Run down = devServices(env, "down", "redis");
            assertThat(down.exitCode()).as("dev-services down:%n%s", down.output()).isZero();
            pids.forEach((port, pid) -> assertThat(running(pid)).as("node %d (pid %d) after down", port, pid)
                    .isFalse());
            for (int port : ports) {
                assertThat(answers(port)).as("127.0.0.1:%d after down", port).isFalse();
            }
            try (var paths = Files.walk(state)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** One line of {@code cluster nodes}: id, address, flags, master id ({@code -} for a master), slot ranges. */
    private record ClusterNode(String id, int port, Set<String> flags, String masterId, List<String> slots) {
        static ClusterNode parse(String line) {
            String[] f = line.trim().split(" ");
            String address = f[1].substring(0, f[1].indexOf('@'));
            return new ClusterNode(f[0], Integer.parseInt(address.substring(address.lastIndexOf(':') + 1)),
                    Set.of(f[2].split(",")), f[3], Arrays.asList(f).subList(8, f.length));
        }

        boolean master() {
            return flags.contains("master") && !flags.contains("fail") && !flags.contains("fail?");
        }

        boolean holds(int slot) {
            return slots.stream().filter(s -> !s.startsWith("[")).anyMatch(range -> {
                String[] ends = range.split("-");
                return slot >= Integer.parseInt(ends[0]) && slot <= Integer.parseInt(ends[ends.length - 1]);
            });
        }
    }

    /** The cluster as the node on {@code port} sees it, without the nodes it knows to have failed. */
    private static List<ClusterNode> clusterNodes(int port) {
        try (Jedis node = new Jedis("127.0.0.1", port)) {
            return node.clusterNodes().lines().filter(l -> !l.isBlank()).map(ClusterNode::parse)
                    .filter(n -> !n.flags().contains("fail")).toList();
        }
    }

    private static Map<String, String> clusterInfo(int port) {
        try (Jedis node = new Jedis("127.0.0.1", port)) {
            return node.clusterInfo().lines().filter(l -> l.contains(":"))
                    .collect(Collectors.toMap(l -> l.substring(0, l.indexOf(':')),
                            l -> l.substring(l.indexOf(':') + 1).trim()));
        }
    }

    private static String infoField(String info, String field) {
        return info.lines().filter(l -> l.startsWith(field + ":")).map(l -> l.substring(field.length() + 1).trim())
                .findFirst().orElseThrow(() -> new AssertionError("no " + field + " in INFO: " + info));
    }

    /** The process exists and is not a zombie (a killed daemon nobody reaped yet is dead). */
    private static boolean running(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (IOException gone) {
            return false;
        }
    }

    private static List<Integer> concat(List<Integer> a, List<Integer> b) {
        List<Integer> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    /** The first of {@code n} consecutive ports nothing listens on (a random base above 40000). */
    private static int consecutiveFreePorts(int n) {
        Random random = new Random();
        for (int attempt = 0; attempt < 100; attempt++) {
            int base = 40_000 + random.nextInt(20_000);
            boolean free = true;
            for (int p = base; p < base + n && free; p++) {
                try (ServerSocket socket = new ServerSocket(p, 1,
                        InetAddress.getLoopbackAddress())) {
                    socket.setReuseAddress(true);
                } catch (IOException e) {
                    free = false;
                }
            }
            if (free) {
                return base;
            }
        }
        throw new IllegalStateException("no " + n + " consecutive free ports");
    }

    private static boolean answers(int port) {
        try (Jedis redis = new Jedis("127.0.0.1", port)) {
            return "PONG".equals(redis.ping());
        } catch (JedisConnectionException e) {
            return false;
        }
    }

    record Run(int exitCode, String output) {
    }

    /** Runs scripts/dev-services as a user would, without the suite's KILLKRILL_TEST_* stores. */
    private static Run devServices(Map<String, String> env, String... args) throws IOException, InterruptedException {
        Path script = TestServices.repoRoot().resolve("scripts/dev-services");
        List<String> command = new ArrayList<>(List.of(script.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().keySet().removeIf(k -> k.startsWith("KILLKRILL_"));
        builder.environment().putAll(env);
        Process process = builder.start();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(2, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            return new Run(-1, new String(output, StandardCharsets.UTF_8) + "\n(timed out)");
        }
        return new Run(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    }
}
