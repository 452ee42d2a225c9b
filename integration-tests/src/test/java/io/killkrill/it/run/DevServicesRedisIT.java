package io.killkrill.it.run;

import io.killkrill.it.support.FreePorts;
import io.killkrill.it.support.TestServices;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.params.XAddParams;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The Redis that {@code scripts/dev-services} (and so {@code ./killkrill up}) starts keeps the queue over a
 * restart: it runs with {@code appendonly yes}, and a stream entry written before a shutdown is there after
 * {@code up} started it again. Runs a Redis of its own (own state dir and port), never the shared one.
 * Regression: it ran with {@code --appendonly no --save ''}, so a restart lost every stream.
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
        List<String> command = new java.util.ArrayList<>(List.of(script.toString()));
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
