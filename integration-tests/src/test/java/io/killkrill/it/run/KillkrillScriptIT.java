package io.killkrill.it.run;

import co.elastic.clients.elasticsearch._types.query_dsl.Query;
import io.killkrill.it.support.ElasticsearchExtension;
import io.killkrill.it.support.ElasticsearchService;
import io.killkrill.it.support.FreePorts;
import io.killkrill.it.support.PostgresExtension;
import io.killkrill.it.support.PostgresService;
import io.killkrill.it.support.RedisExtension;
import io.killkrill.it.support.RedisService;
import io.killkrill.it.support.TestServices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisCluster;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The newcomer's path: {@code ./killkrill up}, {@code ./killkrill demo}, {@code ./killkrill down}, run as a user
 * would, against the suite's real stores (given as KILLKRILL_*_URL, so the script provisions nothing); and
 * {@code ./killkrill up --redis=sentinel} and {@code --redis=cluster}, which provision a Sentinel-managed Redis or a
 * Redis Cluster of their own.
 */
@ExtendWith({RedisExtension.class, ElasticsearchExtension.class, PostgresExtension.class})
class KillkrillScriptIT {

    @Test
    void upThenDemoShowsTheDataInElasticsearchAndPostgresThenDownLeavesNothingRunning(
            RedisService redis, ElasticsearchService elasticsearch, PostgresService postgres) throws Exception {
        Pipeline pipeline = new Pipeline(elasticsearch, postgres);
        pipeline.env.put("KILLKRILL_REDIS_URL", redis.uri().toString());

        try {
            Run up = killkrill(pipeline.env, "up");
            assertThat(up.exitCode()).as("./killkrill up:%n%s", up.output()).isZero();
            assertThat(up.output()).contains("KillKrill is running", "curl -X POST", "logger --rfc5424");

            demoLands(pipeline, elasticsearch, postgres);

            Run status = killkrill(pipeline.env, "status");
            assertThat(status.output()).contains("receivers", "ready", "dead letters", "oldest pending",
                    "deliveries past limit", "dead letters trimmed");
        } finally {
            Run down = killkrill(pipeline.env, "down");
            assertThat(down.exitCode()).as("./killkrill down:%n%s", down.output()).isZero();
        }
        pipeline.assertNothingLeft(List.of());
    }

    /**
     * Issue 17: {@code ./killkrill up --redis=sentinel} with no Redis configured provisions dev-services' Sentinel
     * topology (a master and two replicas, three sentinels; its own state directory and ports) and starts the
     * services on {@code KILLKRILL_REDIS_SENTINELS}. Proof: the demo's logs and samples land in Elasticsearch and
     * PostgreSQL; the consumer groups on the topology's master read them (XINFO GROUPS: entries-read), and the
     * suite's own Redis never saw the streams; {@code status} names the master the sentinels name; {@code down}
     * stops the services and the six Redis processes (none of their ports listens).
     */
    @Test
    void upWithRedisSentinelRunsThePipelineOnAProvisionedTopologyAndDownStopsIt(
            RedisService redis, ElasticsearchService elasticsearch, PostgresService postgres) throws Exception {
        Pipeline pipeline = new Pipeline(elasticsearch, postgres);
        int master = threeFreePortsInARow();
        int firstSentinel = threeFreePortsInARow();
        pipeline.env.put("KILLKRILL_DEV_DIR", Files.createTempDirectory("killkrill-dev-sentinel").toString());
        pipeline.env.put("KILLKRILL_DEV_SENTINEL_REDIS_PORT", Integer.toString(master));
        pipeline.env.put("KILLKRILL_DEV_SENTINEL_PORT", Integer.toString(firstSentinel));
        List<Integer> topology = List.of(master, master + 1, master + 2, firstSentinel, firstSentinel + 1,
                firstSentinel + 2);

        try {
            Run up = killkrill(pipeline.env, "up", "--redis=sentinel");
            assertThat(up.exitCode()).as("./killkrill up --redis=sentinel:%n%s", up.output()).isZero();
            assertThat(up.output()).contains("KillKrill is running", "master killkrill of the sentinels 127.0.0.1:"
                    + firstSentinel + ",127.0.0.1:" + (firstSentinel + 1) + ",127.0.0.1:" + (firstSentinel + 2));

            demoLands(pipeline, elasticsearch, postgres);

            int current; // the first master, unless the sentinels have failed over since (down after 5 s)
            try (Jedis sentinel = new Jedis("127.0.0.1", firstSentinel)) {
                current = Integer.parseInt(sentinel.sentinelGetMasterAddrByName("killkrill").get(1));
            }
            assertThat(current).as("a server of the topology").isIn(master, master + 1, master + 2);
            try (Jedis topologyMaster = new Jedis("127.0.0.1", current)) {
                assertThat(topologyMaster.xinfoGroups(pipeline.prefix + "logs-stream"))
                        .as("the log-worker's group on the topology's master").singleElement()
                        .satisfies(g -> assertThat(((Number) g.getGroupInfo().get("entries-read")).longValue())
                                .isGreaterThanOrEqualTo(7));
                assertThat(topologyMaster.xinfoGroups(pipeline.prefix + "metrics-stream"))
                        .as("the metrics-worker's group on the topology's master").singleElement()
                        .satisfies(g -> assertThat(((Number) g.getGroupInfo().get("entries-read")).longValue())
                                .isGreaterThanOrEqualTo(6));
            }
            assertThat(redis.client().exists(pipeline.prefix + "logs-stream")).as("the suite's own Redis unused")
                    .isFalse();

            Run status = killkrill(pipeline.env, "status");
            assertThat(status.output()).as(status.output())
                    .contains("redis           master 127.0.0.1:" + current + " (named by the sentinels")
                    .contains(pipeline.prefix + "logs-stream", "dead letters");
        } finally {
            Run down = killkrill(pipeline.env, "down");
            assertThat(down.exitCode()).as("./killkrill down:%n%s", down.output()).isZero();
        }
        pipeline.assertNothingLeft(topology);
    }

    /**
     * Issue 17: {@code ./killkrill up --redis=cluster} with no Redis configured provisions dev-services' Redis Cluster
     * (six nodes, three masters with a replica each; its own state directory and ports) and starts the services on
     * {@code KILLKRILL_REDIS_CLUSTER_NODES} with four shards. Proof: the demo's logs and samples land in Elasticsearch
     * and PostgreSQL; the consumer groups of the shards {@code <name>{0}..{3}} on the cluster read them, and neither
     * the unsharded stream on the cluster nor the suite's own Redis ever held them; {@code status} shows the cluster's
     * state, its three masters and every shard; {@code audit} reconciles summed over the shards; {@code dlq} asks for
     * {@code --shard N} and works on one shard with it; {@code down} stops the services and the six nodes (none of
     * their ports nor bus ports listens, no redis-server of theirs is left).
     */
    @Test
    void upWithRedisClusterRunsThePipelineOnFourShardsOfAProvisionedClusterAndDownStopsIt(
            RedisService redis, ElasticsearchService elasticsearch, PostgresService postgres) throws Exception {
        Pipeline pipeline = new Pipeline(elasticsearch, postgres);
        int firstNode = FreePorts.redisClusterPorts(6);
        pipeline.env.put("KILLKRILL_DEV_DIR", Files.createTempDirectory("killkrill-dev-cluster").toString());
        pipeline.env.put("KILLKRILL_DEV_CLUSTER_REDIS_PORT", Integer.toString(firstNode));
        List<Integer> nodes = IntStream.range(firstNode, firstNode + 6).boxed().toList();
        List<Integer> topology = Stream.concat(nodes.stream(),
                nodes.stream().map(p -> p + FreePorts.REDIS_CLUSTER_BUS_OFFSET)).toList();
        String seeds = nodes.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));

        try {
            Run up = killkrill(pipeline.env, "up", "--redis=cluster");
            assertThat(up.exitCode()).as("./killkrill up --redis=cluster:%n%s", up.output()).isZero();
            assertThat(up.output()).contains("KillKrill is running", "the Redis Cluster of " + seeds,
                    "KILLKRILL_STREAM_SHARDS=4");

            demoLands(pipeline, elasticsearch, postgres);

            Set<HostAndPort> seedNodes = nodes.stream().map(p -> new HostAndPort("127.0.0.1", p))
                    .collect(Collectors.toSet());
            try (JedisCluster cluster = new JedisCluster(seedNodes)) {
                await("the log-workers' groups on the four shards read the 7 demo logs").atMost(Duration.ofSeconds(10))
                        .until(() -> entriesRead(cluster, pipeline.prefix + "logs-stream"), n -> n >= 7);
                await("the metrics-workers' groups on the four shards read the 6 demo samples")
                        .atMost(Duration.ofSeconds(10))
                        .until(() -> entriesRead(cluster, pipeline.prefix + "metrics-stream"), n -> n >= 6);
                assertThat(cluster.exists(pipeline.prefix + "logs-stream")).as("the unsharded stream on the cluster")
                        .isFalse();
            }
            assertThat(redis.client().exists(pipeline.prefix + "logs-stream{0}")).as("the suite's own Redis unused")
                    .isFalse();

            Run status = killkrill(pipeline.env, "status");
            assertThat(status.exitCode()).as("./killkrill status:%n%s", status.output()).isZero();
            assertThat(status.output()).as(status.output())
                    .contains("redis           cluster state ok, 6 nodes")
                    .contains(pipeline.prefix + "logs-stream{0}", pipeline.prefix + "logs-stream{3}",
                            pipeline.prefix + "metrics-dlq{3}", "dead letters");
            assertThat(status.output().lines().filter(l -> l.contains("masters ")).findFirst().orElse(""))
                    .as("the masters line of:%n%s", status.output())
                    .containsPattern("masters 127\\.0\\.0\\.1:\\d+ \\(slots [0-9,-]+\\), 127\\.0\\.0\\.1:\\d+ \\(slots"
                            + " [0-9,-]+\\), 127\\.0\\.0\\.1:\\d+ \\(slots [0-9,-]+\\)$");

            Run audit = killkrill(pipeline.env, "audit", "--since", "15m");
            assertThat(audit.exitCode()).as("./killkrill audit:%n%s", audit.output()).isZero();
            assertThat(audit.output()).contains("every minute reconciled (7 accepted)",
                    "every minute reconciled (6 accepted)");

            Run allShards = killkrill(pipeline.env, "dlq", "list", "--all");
            assertThat(allShards.exitCode()).as("./killkrill dlq list --all:%n%s", allShards.output()).isEqualTo(2);
            assertThat(allShards.output()).contains("split into 4 shards", "--shard N");
            Run oneShard = killkrill(pipeline.env, "dlq", "--shard", "3", "list", "--all");
            assertThat(oneShard.exitCode()).as("./killkrill dlq --shard 3 list --all:%n%s", oneShard.output())
                    .isZero();
            assertThat(oneShard.output()).contains("shard 3 is on the cluster master 127.0.0.1:",
                    "0 dead letter(s) in " + pipeline.prefix + "logs-dlq{3}");
        } finally {
            Run down = killkrill(pipeline.env, "down");
            assertThat(down.exitCode()).as("./killkrill down:%n%s", down.output()).isZero();
        }
        pipeline.assertNothingLeft(topology);
        assertThat(ProcessHandle.allProcesses().map(p -> p.info().commandLine().orElse(""))
                .filter(line -> line.contains("redis-server") && nodes.stream().anyMatch(p -> line.contains(":" + p))))
                .as("redis-server processes of the cluster after down").isEmpty();
    }

    /** Entries the consumer groups of all four shards of {@code stream} have read (XINFO GROUPS: entries-read). */
    private static long entriesRead(JedisCluster cluster, String stream) {
        return IntStream.range(0, 4).mapToObj(s -> cluster.xinfoGroups(stream + "{" + s + "}")).flatMap(List::stream)
                .mapToLong(g -> g.getGroupInfo().get("entries-read") instanceof Number read ? read.longValue() : 0).sum();
    }

    /** The settings of one test's pipeline: its own ports, run directory, streams, index prefix and schema. */
    private static final class Pipeline {
        final Map<String, String> env = new HashMap<>();
        final Path runDir = Files.createTempDirectory("killkrill-run");
        final String schema;
        final String prefix = RedisService.uniquePrefix("script");
        final String indexPrefix = ElasticsearchService.uniqueIndex("script");
        final List<Integer> ports = List.of(FreePorts.next(), FreePorts.next(), FreePorts.next(), FreePorts.next());

        Pipeline(ElasticsearchService elasticsearch, PostgresService postgres) throws Exception {
            schema = postgres.createUniqueSchema("killkrill_script");
            env.put("KILLKRILL_RUN_DIR", runDir.toString());
            env.put("KILLKRILL_ELASTICSEARCH_URL", elasticsearch.uri().toString());
            env.put("KILLKRILL_DATABASE_URL", postgres.jdbcUrl());
            env.put("KILLKRILL_DATABASE_USER", postgres.user());
            env.put("KILLKRILL_DATABASE_PASSWORD", postgres.password());
            env.put("KILLKRILL_DATABASE_SCHEMA", schema);
            env.put("KILLKRILL_HTTP_PORT", Integer.toString(ports.get(0)));
            env.put("KILLKRILL_SYSLOG_PORT", Integer.toString(ports.get(1)));
            env.put("KILLKRILL_LOG_WORKER_ADMIN_PORT", Integer.toString(ports.get(2)));
            env.put("KILLKRILL_METRICS_WORKER_ADMIN_PORT", Integer.toString(ports.get(3)));
            env.put("KILLKRILL_ELASTICSEARCH_INDEX_PREFIX", indexPrefix);
            env.put("KILLKRILL_LOGS_STREAM", prefix + "logs-stream");
            env.put("KILLKRILL_METRICS_STREAM", prefix + "metrics-stream");
            env.put("KILLKRILL_LOGS_DLQ", prefix + "logs-dlq");
            env.put("KILLKRILL_METRICS_DLQ", prefix + "metrics-dlq");
        }

        /** After {@code down}: none of the services' ports nor {@code others} listens, and no pid file is left. */
        void assertNothingLeft(List<Integer> others) throws IOException {
            for (int port : Stream.concat(ports.stream(), others.stream()).toList()) {
                assertThat(listening(port)).as("port %d after down", port).isFalse();
            }
            try (var pids = Files.list(runDir)) {
                assertThat(pids.filter(p -> p.toString().endsWith(".pid"))).as("pid files after down").isEmpty();
            }
        }
    }

    /** {@code ./killkrill demo}: 7 logs indexed and 5 samples of killkrill_demo_latency_ms (100..104) stored. */
    private static void demoLands(Pipeline pipeline, ElasticsearchService elasticsearch, PostgresService postgres)
            throws Exception {
        Run demo = killkrill(pipeline.env, "demo");
        assertThat(demo.exitCode()).as("./killkrill demo:%n%s", demo.output()).isZero();
        assertThat(demo.output()).contains("Demo complete");

        long demoDocs = elasticsearch.client().count(c -> c.index(pipeline.indexPrefix + "-*")
                .query(Query.of(q -> q.term(t -> t.field("service").value("killkrill-demo"))))).count();
        assertThat(demoDocs).as("demo logs indexed").isEqualTo(7);
        try (Connection connection = postgres.connect(); Statement sql = connection.createStatement();
             ResultSet rows = sql.executeQuery("SELECT sum(sample_count), min(min_value), max(max_value) FROM "
                     + pipeline.schema + ".window_aggregate WHERE metric_name = 'killkrill_demo_latency_ms'"
                     + " AND window_seconds = 60")) {
            assertThat(rows.next()).isTrue();
            assertThat(rows.getLong(1)).as("demo samples stored").isEqualTo(5);
            assertThat(rows.getDouble(2)).isEqualTo(100);
            assertThat(rows.getDouble(3)).isEqualTo(104);
        }
    }

    /** The first of three consecutive free ports: dev-services puts a topology's nodes on a port and the next two. */
    private static int threeFreePortsInARow() {
        for (int tried = 0; tried < 100; tried++) {
            int first = FreePorts.next();
            if (FreePorts.next() == first + 1 && FreePorts.next() == first + 2) {
                return first;
            }
        }
        throw new IllegalStateException("no three free ports in a row");
    }

    private record Run(int exitCode, String output) {
    }

    private static Run killkrill(Map<String, String> env, String... command) throws IOException, InterruptedException {
        List<String> line = new ArrayList<>(List.of(TestServices.repoRoot().resolve("killkrill").toString()));
        line.addAll(List.of(command));
        ProcessBuilder builder = new ProcessBuilder(line)
                .directory(TestServices.repoRoot().toFile()).redirectErrorStream(true);
        builder.environment().keySet().removeIf(k -> k.startsWith("KILLKRILL_"));
        builder.environment().putAll(env);
        Process process = builder.start();
        byte[] output = process.getInputStream().readAllBytes();
        assertThat(process.waitFor(5, TimeUnit.MINUTES)).as("./killkrill %s finishes", String.join(" ", command))
                .isTrue();
        return new Run(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    }

    private static boolean listening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
