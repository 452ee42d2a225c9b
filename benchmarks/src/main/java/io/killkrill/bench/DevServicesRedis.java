package io.killkrill.bench;

import redis.clients.jedis.HostAndPort;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One of dev-services' replicated Redis topologies ({@code --redis=sentinel} or {@code --redis=cluster}) as a bench
 * phase uses it: {@link #up} runs {@code scripts/dev-services up --redis=<mode> redis} (which starts it, or finds it
 * running) and reads the env file that names it; {@link #down} runs {@code scripts/dev-services down --redis=<mode>
 * redis} when this run started it, so a topology someone else had running is left running.
 */
final class DevServicesRedis {
    private final Path script;
    private final String mode;
    private final boolean startedHere;
    private final Map<String, String> env;

    private DevServicesRedis(Path script, String mode, boolean startedHere, Map<String, String> env) {
        this.script = script;
        this.mode = mode;
        this.startedHere = startedHere;
        this.env = env;
    }

    static DevServicesRedis up(Path repo, String mode) throws IOException, InterruptedException {
        Path script = repo.resolve("scripts/dev-services");
        Process status = new ProcessBuilder(script.toString(), "status").redirectErrorStream(true).start();
        List<String> before = new String(status.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines()
                .toList();
        status.waitFor(); // exit 3 when something is stopped: only the lines count
        boolean running = topologyRunning(before, mode);
        run(script, "up", mode);
        String dir = System.getenv().getOrDefault("KILLKRILL_DEV_DIR", "/var/tmp/killkrill-dev");
        return new DevServicesRedis(script, mode, !running, parseEnv(Files.readAllLines(Path.of(dir, "env"))));
    }

    /** A setting of dev-services' env file, e.g. {@code KILLKRILL_TEST_REDIS_CLUSTER_NODES}. */
    String require(String key) {
        String value = env.get(key);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("dev-services' env file names no " + key + " after up --redis=" + mode);
        }
        return value;
    }

    /** The {@code host:port,...} list the env file names under {@code key}, as addresses. */
    Set<HostAndPort> addresses(String key) {
        Set<HostAndPort> addresses = new LinkedHashSet<>();
        for (String address : require(key).split(",")) {
            addresses.add(HostAndPort.from(address.trim()));
        }
        return addresses;
    }

    String get(String key, String fallback) {
        return env.getOrDefault(key, fallback);
    }

    boolean startedHere() {
        return startedHere;
    }

    void down() throws IOException, InterruptedException {
        if (startedHere) {
            run(script, "down", mode);
        }
    }

    private static void run(Path script, String command, String mode) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(script.toString(), command, "--redis=" + mode, "redis").inheritIO().start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("scripts/dev-services " + command + " --redis=" + mode + " redis failed (exit "
                    + p.exitValue() + ")");
        }
    }

    /** {@code KEY=VALUE} lines of dev-services' env file; other lines ignored, the value may hold '='. */
    static Map<String, String> parseEnv(List<String> lines) {
        Map<String, String> env = new LinkedHashMap<>();
        for (String line : lines) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                env.put(line.substring(0, eq).trim(), line.substring(eq + 1));
            }
        }
        return env;
    }

    /**
     * Whether {@code dev-services status} printed the topology as running and ready ({@code redis-<mode> running
     * ...}). One {@code running (not ready)} is not: {@code up} replaces it with one of its own, which this run then
     * stops again.
     */
    static boolean topologyRunning(List<String> statusLines, String mode) {
        for (String line : statusLines) {
            String[] words = line.trim().split("\\s+");
            if (words.length >= 2 && words[0].equals("redis-" + mode) && words[1].equals("running")
                    && (words.length == 2 || !words[2].equals("(not"))) {
                return true;
            }
        }
        return false;
    }
}
