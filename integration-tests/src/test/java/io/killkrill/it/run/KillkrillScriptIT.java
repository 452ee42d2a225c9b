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

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The newcomer's path: {@code ./killkrill up}, {@code ./killkrill demo}, {@code ./killkrill down}, run as a user
 * would, against the suite's real stores (given as KILLKRILL_*_URL, so the script provisions nothing).
 */
@ExtendWith({RedisExtension.class, ElasticsearchExtension.class, PostgresExtension.class})
class KillkrillScriptIT {

    @Test
    void upThenDemoShowsTheDataInElasticsearchAndPostgresThenDownLeavesNothingRunning(
            RedisService redis, ElasticsearchService elasticsearch, PostgresService postgres) throws Exception {
        Path runDir = Files.createTempDirectory("killkrill-run");
        String schema = postgres.createUniqueSchema("killkrill_script");
        int httpPort = FreePorts.next();
        int syslogPort = FreePorts.next();
        int logWorkerPort = FreePorts.next();
        int metricsWorkerPort = FreePorts.next();
        String prefix = RedisService.uniquePrefix("script");
        String indexPrefix = ElasticsearchService.uniqueIndex("script");
        Map<String, String> env = new HashMap<>(Map.of(
                "KILLKRILL_RUN_DIR", runDir.toString(),
                "KILLKRILL_REDIS_URL", redis.uri().toString(),
                "KILLKRILL_ELASTICSEARCH_URL", elasticsearch.uri().toString(),
                "KILLKRILL_DATABASE_URL", postgres.jdbcUrl(),
                "KILLKRILL_DATABASE_USER", postgres.user(),
                "KILLKRILL_DATABASE_PASSWORD", postgres.password(),
                "KILLKRILL_DATABASE_SCHEMA", schema,
                "KILLKRILL_HTTP_PORT", Integer.toString(httpPort),
                "KILLKRILL_SYSLOG_PORT", Integer.toString(syslogPort),
                "KILLKRILL_LOG_WORKER_ADMIN_PORT", Integer.toString(logWorkerPort)));
        env.put("KILLKRILL_METRICS_WORKER_ADMIN_PORT", Integer.toString(metricsWorkerPort));
        env.put("KILLKRILL_ELASTICSEARCH_INDEX_PREFIX", indexPrefix);
        env.put("KILLKRILL_LOGS_STREAM", prefix + "logs-stream");
        env.put("KILLKRILL_METRICS_STREAM", prefix + "metrics-stream");
        env.put("KILLKRILL_LOGS_DLQ", prefix + "logs-dlq");
        env.put("KILLKRILL_METRICS_DLQ", prefix + "metrics-dlq");

        try {
            Run up = killkrill(env, "up");
            assertThat(up.exitCode()).as("./killkrill up:%n%s", up.output()).isZero();
            assertThat(up.output()).contains("KillKrill is running", "curl -X POST", "logger --rfc5424");

            Run demo = killkrill(env, "demo");
            assertThat(demo.exitCode()).as("./killkrill demo:%n%s", demo.output()).isZero();
            assertThat(demo.output()).contains("Demo complete");

            long demoDocs = elasticsearch.client().count(c -> c.index(indexPrefix + "-*")
                    .query(Query.of(q -> q.term(t -> t.field("service").value("killkrill-demo"))))).count();
            assertThat(demoDocs).as("demo logs indexed").isEqualTo(7);
            try (Connection connection = postgres.connect(); Statement sql = connection.createStatement();
                 ResultSet rows = sql.executeQuery("SELECT sum(sample_count), min(min_value), max(max_value) FROM "
                         + schema + ".window_aggregate WHERE metric_name = 'killkrill_demo_latency_ms'"
                         + " AND window_seconds = 60")) {
                assertThat(rows.next()).isTrue();
                assertThat(rows.getLong(1)).as("demo samples stored").isEqualTo(5);
                assertThat(rows.getDouble(2)).isEqualTo(100);
                assertThat(rows.getDouble(3)).isEqualTo(104);
            }

            Run status = killkrill(env, "status");
            assertThat(status.output()).contains("receivers", "ready", "dead letters", "oldest pending",
                    "deliveries past limit", "dead letters trimmed");
        } finally {
            Run down = killkrill(env, "down");
            assertThat(down.exitCode()).as("./killkrill down:%n%s", down.output()).isZero();
        }
        for (int port : List.of(httpPort, syslogPort, logWorkerPort, metricsWorkerPort)) {
            assertThat(listening(port)).as("port %d after down", port).isFalse();
        }
        try (var pids = Files.list(runDir)) {
            assertThat(pids.filter(p -> p.toString().endsWith(".pid"))).as("pid files after down").isEmpty();
        }
    }

    private record Run(int exitCode, String output) {
    }

    private static Run killkrill(Map<String, String> env, String command) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(TestServices.repoRoot().resolve("killkrill").toString(), command)
                .directory(TestServices.repoRoot().toFile()).redirectErrorStream(true);
        builder.environment().keySet().removeIf(k -> k.startsWith("KILLKRILL_"));
        builder.environment().putAll(env);
        Process process = builder.start();
        byte[] output = process.getInputStream().readAllBytes();
        assertThat(process.waitFor(5, TimeUnit.MINUTES)).as("./killkrill %s finishes", command).isTrue();
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
