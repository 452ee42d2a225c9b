package io.killkrill.it.run;

import io.killkrill.it.support.FreePorts;
import io.killkrill.it.support.TestServices;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The Redis that {@code scripts/dev-services} (and so {@code ./killkrill up}) starts keeps the queue over a
 * restart: it runs with {@code appendonly yes}, and a stream entry written before a shutdown is there after
 * {@code up} started it again. Runs a Redis of its own (own state dir and port), never the shared one.
 * Regression: it ran with {@code --appendonly no --save ''}, so a restart lost every stream. With
 * {@code --redis=sentinel} it starts a Sentinel-managed Redis instead (issue 17 item 4).
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
