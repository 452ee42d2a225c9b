package io.killkrill.it.support;

import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.Protocol;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;

/**
 * A Sentinel-managed Redis of the test's own on loopback: one master and two replicas (Debian's
 * {@code redis-server}, no persistence, replicating asynchronously as Redis does) and three sentinels (Debian's
 * {@code redis-sentinel}) monitoring the master as {@link #MASTER_NAME} with a quorum of 2. The master is declared
 * down after {@value #DOWN_AFTER_MILLIS} ms without an answer, so a SIGKILLed master ({@link #killMaster}) is
 * replaced within seconds. Not 1 s: on the loaded 2-core machine a sentinel that had just switched to the promoted
 * master saw no answer from it within 1 s, declared it down too and promoted the other replica, a second failover
 * the test had not asked for.
 */
public final class OwnSentinelRedis implements AutoCloseable {
    public static final String MASTER_NAME = "killkrill";
    private static final int QUORUM = 2;
    private static final int DOWN_AFTER_MILLIS = 3_000;

    private final Path directory;
    private final List<Node> servers = new ArrayList<>();
    private final List<Node> sentinels = new ArrayList<>();
    private int masterPort;

    private record Node(int port, Process process) {
    }

    public OwnSentinelRedis() throws IOException {
        ExternalTool.requireInstalled("redis-server");
        ExternalTool.requireInstalled("redis-sentinel");
        directory = Files.createTempDirectory("killkrill-sentinel-");
        masterPort = FreePorts.next();
        servers.add(startServer(masterPort, null));
        for (int i = 0; i < 2; i++) {
            servers.add(startServer(FreePorts.next(), masterPort));
        }
        for (int i = 0; i < 3; i++) {
            sentinels.add(startSentinel(FreePorts.next()));
        }
        await("3 sentinels each see the master '" + MASTER_NAME + "' with 2 replicas online and 2 other sentinels")
                .atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .until(() -> sentinels.stream().allMatch(s -> {
                    Map<String, String> master = sentinelMaster(s.port());
                    return Integer.parseInt(master.get("num-slaves")) == 2
                            && Integer.parseInt(master.get("num-other-sentinels")) == 2
                            && master.get("flags").equals("master")
                            && onlineReplicas(masterPort) == 2;
                }));
    }

    private Node startServer(int port, Integer replicaOf) throws IOException {
        Path dir = Files.createDirectories(directory.resolve("redis-" + port));
        List<String> command = new ArrayList<>(List.of("redis-server", "--port", Integer.toString(port),
                "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString(),
                // the replicas' first sync starts at once instead of waiting 5 s for more replicas
                "--repl-diskless-sync-delay", "0"));
        if (replicaOf != null) {
            command.addAll(List.of("--replicaof", "127.0.0.1", Integer.toString(replicaOf)));
        }
        return launch(command, port, dir.resolve("redis.log"));
    }

    private Node startSentinel(int port) throws IOException {
        Path dir = Files.createDirectories(directory.resolve("sentinel-" + port));
        Path config = dir.resolve("sentinel.conf"); // a sentinel rewrites its own file: one each, writable
        Files.writeString(config, String.join("\n",
                "port " + port,
                "bind 127.0.0.1",
                "dir " + dir,
                "sentinel monitor " + MASTER_NAME + " 127.0.0.1 " + masterPort + " " + QUORUM,
                "sentinel down-after-milliseconds " + MASTER_NAME + " " + DOWN_AFTER_MILLIS,
                "sentinel failover-timeout " + MASTER_NAME + " 10000",
                "sentinel parallel-syncs " + MASTER_NAME + " 1", ""), StandardCharsets.UTF_8);
        return launch(List.of("redis-sentinel", config.toString()), port, dir.resolve("sentinel.log"));
    }

    /** Starts {@code command} (a server or a sentinel listening on {@code port}) and waits until it answers. */
    private static Node launch(List<String> command, int port, Path log) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        await(command.get(0) + " on port " + port + " answers PING").atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(50)).ignoreExceptions().until(() -> {
                    try (Jedis jedis = new Jedis("127.0.0.1", port)) {
                        return "PONG".equals(jedis.ping());
                    }
                });
        return new Node(port, process);
    }

    /** {@code host:port,...} of the three sentinels: {@code KILLKRILL_REDIS_SENTINELS}. */
    public String sentinels() {
        return sentinels.stream().map(s -> "127.0.0.1:" + s.port()).collect(Collectors.joining(","));
    }

    /** The port of the master as this class last knew it (the first one, or the one promoted after a kill). */
    public int masterPort() {
        return masterPort;
    }

    /** A client of the current master, for the test's own reads and checks (tested on borrow). */
    public JedisPooled masterClient() {
        ConnectionPoolConfig pool = new ConnectionPoolConfig();
        pool.setTestOnBorrow(true);
        return new JedisPooled(pool, "127.0.0.1", masterPort);
    }

    /** SIGKILL of the master: no shutdown, nothing more replicated. */
    public int killMaster() throws InterruptedException {
        int killed = masterPort;
        Node master = servers.stream().filter(n -> n.port() == killed).findFirst().orElseThrow();
        master.process().destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        return killed;
    }

    /**
     * SIGSTOP of every replica: still connected, they acknowledge nothing, so a {@code WAIT} on the master falls
     * short (as behind a stalled network) until {@link #resumeReplicas}.
     */
    public void pauseReplicas() throws IOException, InterruptedException {
        signalReplicas("STOP");
    }

    /**
     * {@link #pauseReplicas}, then the master closes its replication links ({@code CLIENT KILL TYPE replica}):
     * what it stores from then on is on the master alone, as when a partition cuts it off from its replicas (a
     * replica SIGSTOPped alone would still find the stream in its socket buffer once continued).
     */
    public void cutOffReplicas() throws IOException, InterruptedException {
        pauseReplicas();
        try (Jedis master = new Jedis("127.0.0.1", masterPort)) {
            master.sendCommand(Protocol.Command.CLIENT, "KILL", "TYPE", "replica");
        }
    }

    /** SIGCONT of every replica {@link #pauseReplicas} or {@link #cutOffReplicas} stopped. */
    public void resumeReplicas() throws IOException, InterruptedException {
        signalReplicas("CONT");
    }

    private void signalReplicas(String signal) throws IOException, InterruptedException {
        for (Node node : servers) {
            if (node.port() != masterPort && node.process().isAlive()) {
                Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(node.process().pid()))
                        .inheritIO().start();
                if (kill.waitFor() != 0) {
                    throw new IOException("kill -" + signal + " of the replica on port " + node.port() + " failed");
                }
            }
        }
    }

    /** Waits until every sentinel names a new master and that server says it is one; returns its port. */
    public int awaitPromotion(int killedPort, Duration atMost) {
        await("the sentinels promoted a replica in place of the killed master on port " + killedPort)
                .atMost(atMost).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                .until(() -> {
                    Set<Integer> named = mastersNamed();
                    int promoted = named.iterator().next();
                    if (promoted == killedPort || named.size() != 1) {
                        return false;
                    }
                    try (Jedis jedis = new Jedis("127.0.0.1", promoted)) {
                        if (!jedis.info("replication").contains("role:master")) {
                            return false;
                        }
                    }
                    masterPort = promoted;
                    return true;
                });
        return masterPort;
    }

    /**
     * Waits until the master every sentinel names has a replica in sync, one that Sentinel can promote, and makes it
     * {@link #masterPort}: should the sentinels have failed over once more since {@link #awaitPromotion}, it is the
     * master they agree on now (a client of {@link #masterClient} taken before is then one of a replica).
     */
    public void awaitReplicaOnline(Duration atMost) {
        await("the master the sentinels agree on (last known on port " + masterPort + ") has a replica online")
                .atMost(atMost).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> {
                    Set<Integer> named = mastersNamed();
                    if (named.size() != 1 || onlineReplicas(named.iterator().next()) < 1) {
                        return false;
                    }
                    masterPort = named.iterator().next();
                    return true;
                });
    }

    /** The master's port as each sentinel names it now: one port when they agree. */
    private Set<Integer> mastersNamed() {
        Set<Integer> named = new HashSet<>();
        for (Node sentinel : sentinels) {
            try (Jedis jedis = new Jedis("127.0.0.1", sentinel.port())) {
                named.add(Integer.parseInt(jedis.sentinelGetMasterAddrByName(MASTER_NAME).get(1)));
            }
        }
        return named;
    }

    private static Map<String, String> sentinelMaster(int sentinelPort) {
        try (Jedis jedis = new Jedis("127.0.0.1", sentinelPort)) {
            return jedis.sentinelMaster(MASTER_NAME);
        }
    }

    private static long onlineReplicas(int masterPort) {
        try (Jedis jedis = new Jedis("127.0.0.1", masterPort)) {
            return jedis.info("replication").lines().filter(l -> l.matches("slave\\d+:.*state=online.*")).count();
        }
    }

    /** The servers' and sentinels' logs, for a failure message. */
    public Path directory() {
        return directory;
    }

    @Override
    public void close() throws InterruptedException {
        for (Node node : sentinels) {
            node.process().destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        for (Node node : servers) {
            node.process().destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
