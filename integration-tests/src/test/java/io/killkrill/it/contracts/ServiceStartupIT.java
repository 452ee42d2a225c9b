package io.killkrill.it.contracts;

import com.fasterxml.jackson.databind.JsonNode;
import io.killkrill.config.ConfigLoader;
import io.killkrill.it.support.ElasticsearchExtension;
import io.killkrill.it.support.ElasticsearchService;
import io.killkrill.it.support.ExternalTool;
import io.killkrill.it.support.TestServices;
import io.killkrill.it.support.FreePorts;
import io.killkrill.it.support.PostgresExtension;
import io.killkrill.it.support.PostgresService;
import io.killkrill.it.support.RedisExtension;
import io.killkrill.it.support.RedisService;
import io.killkrill.it.support.ServiceJar;
import io.killkrill.model.Json;
import io.killkrill.service.ExitStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The services as runnable jars, all run by the one ServiceMain (issue 14): configuration errors stop them naming
 * the variable (exit 2), an incompatible store contract exits 3, a store unreachable for the start-up timeout
 * exits 1, each with one line {@code <service>: refusing to start (exit N): <reason>}; a started service answers
 * the same health body everywhere, a /metrics that {@code promtool check metrics} accepts and whose own families are
 * all named {@code killkrill_<service>_*} and listed in docs/metrics.md, and SIGTERM stops it with 0. JSON logs.
 */
@ExtendWith({RedisExtension.class, ElasticsearchExtension.class, PostgresExtension.class})
class ServiceStartupIT {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    /** Families of Micrometer's JVM and process binders: named by Micrometer, not by the naming scheme. */
    private static final List<String> BINDER_PREFIXES = List.of("jvm_", "process_", "system_");
    private static final Pattern TYPE_LINE = Pattern.compile("^# TYPE (\\S+) \\S+$", Pattern.MULTILINE);
    private static final Pattern DOC_NAME = Pattern.compile("`(killkrill_[a-z0-9_]+)`");

    /** A working environment for {@code module} on free ports, with stream keys and a schema of its own. */
    private static Map<String, String> workingEnvironment(String module, RedisService redis,
                                                          ElasticsearchService elasticsearch,
                                                          PostgresService postgres) throws Exception {
        String prefix = RedisService.uniquePrefix("startup-" + module);
        Map<String, String> env = new HashMap<>();
        env.put("KILLKRILL_REDIS_URL", redis.uri().toString());
        env.put("KILLKRILL_LOGS_STREAM", prefix + "logs");
        env.put("KILLKRILL_METRICS_STREAM", prefix + "metrics");
        env.put("KILLKRILL_LOGS_DLQ", prefix + "logs-dlq");
        env.put("KILLKRILL_METRICS_DLQ", prefix + "metrics-dlq");
        env.put("KILLKRILL_SHUTDOWN_GRACE", "2s");
        switch (module) {
            case "receivers" -> {
                env.put("KILLKRILL_HTTP_PORT", Integer.toString(FreePorts.next()));
                env.put("KILLKRILL_SYSLOG_PORT", Integer.toString(FreePorts.next()));
            }
            case "log-worker" -> {
                env.put("KILLKRILL_ELASTICSEARCH_URL", elasticsearch.uri().toString());
                env.put("KILLKRILL_ELASTICSEARCH_INDEX_PREFIX", ElasticsearchService.uniqueIndex("startup"));
                env.put("KILLKRILL_ELASTICSEARCH_REPLICAS", "0");
                env.put("KILLKRILL_LOG_WORKER_ADMIN_PORT", Integer.toString(FreePorts.next()));
            }
            case "metrics-worker" -> {
                env.put("KILLKRILL_DATABASE_URL", postgres.jdbcUrl());
                env.put("KILLKRILL_DATABASE_USER", postgres.user());
                env.put("KILLKRILL_DATABASE_PASSWORD", postgres.password());
                env.put("KILLKRILL_DATABASE_SCHEMA", postgres.createUniqueSchema("startup"));
                env.put("KILLKRILL_DATABASE_POOL_SIZE", "2");
                env.put("KILLKRILL_METRICS_WORKER_ADMIN_PORT", Integer.toString(FreePorts.next()));
            }
            default -> throw new IllegalArgumentException(module);
        }
        return env;
    }

    /** The port that answers /health/* for {@code module}: the ingestion port for the receivers, else admin. */
    private static int healthPort(String module, Map<String, String> env) {
        return Integer.parseInt(switch (module) {
            case "receivers" -> env.get("KILLKRILL_HTTP_PORT");
            case "log-worker" -> env.get("KILLKRILL_LOG_WORKER_ADMIN_PORT");
            default -> env.get("KILLKRILL_METRICS_WORKER_ADMIN_PORT");
        });
    }

    private static HttpResponse<String> get(int port, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** So that the receivers' item counters, registered at their first count, are in the scrape too. */
    private static void ingestOneValidAndOneInvalidLog(int port) throws Exception {
        String body = "[{\"message\":\"m\",\"service\":\"s\"},{\"message\":\"m\"}]";
        HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/api/v1/logs")).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as("a log batch with one invalid item: %s", answer.body()).isLessThan(300);
    }

    private static int readyStatus(int port) {
        try {
            return get(port, "/health/ready").statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    /** The metric families of a scrape, by their {@code # TYPE} lines. */
    private static Set<String> families(String scrape) {
        Set<String> families = new TreeSet<>();
        Matcher m = TYPE_LINE.matcher(scrape);
        while (m.find()) {
            families.add(m.group(1));
        }
        return families;
    }

    /**
     * The families docs/metrics.md lists for {@code module}: every {@code `killkrill_...`} in the first column of
     * the table under its heading {@code ## <module>}.
     */
    private static Set<String> documentedFamilies(String module) throws Exception {
        String doc = Files.readString(TestServices.repoRoot().resolve("docs/metrics.md"));
        Set<String> names = new TreeSet<>();
        boolean inSection = false;
        for (String line : doc.lines().toList()) {
            if (line.startsWith("## ")) {
                inSection = line.substring(3).strip().equals(module);
            } else if (inSection && line.startsWith("|")) {
                Matcher m = DOC_NAME.matcher(line.split("\\|", 3)[1]);
                while (m.find()) {
                    names.add(m.group(1));
                }
            }
        }
        return names;
    }

    /**
     * Issue 14: the services named their meters four ways ({@code killkrill_received_total},
     * {@code killkrill.log_worker.*}, {@code killkrill_metrics_worker_*}, {@code killkrill_stream_*} in both
     * workers). Every family of {@code module}'s scrape that is not a JVM/process binder's must be named
     * {@code killkrill_<service>_*} and be listed for it in docs/metrics.md.
     */
    private static void assertNamingScheme(String module, String scrape) throws Exception {
        String prefix = "killkrill_" + module.replace('-', '_') + "_";
        Set<String> own = new TreeSet<>(families(scrape));
        own.removeIf(family -> BINDER_PREFIXES.stream().anyMatch(family::startsWith));
        Set<String> documented = documentedFamilies(module);
        assertThat(own).as("metric families of %s", module).isNotEmpty()
                .allSatisfy(family -> assertThat(family).as("family of %s", module).startsWith(prefix));
        assertThat(documented).as("families listed for %s in docs/metrics.md", module)
                .allSatisfy(family -> assertThat(family).startsWith(prefix)).containsAll(own);
        assertThat(families(scrape)).as("the JVM meters every service's registry binds (ServiceMetrics)")
                .contains("jvm_memory_used_bytes", "jvm_threads_live_threads");
    }

    /** Runs the jar until it exits on its own; its exit status and its output. */
    private static Map.Entry<Integer, String> runToExit(String module, Map<String, String> env) throws Exception {
        Path log = Files.createTempFile(module + "-startup", ".log");
        Process process = ServiceJar.of(module).start(env, log);
        boolean exited = process.waitFor(90, TimeUnit.SECONDS);
        if (!exited) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        String output = Files.readString(log);
        assertThat(exited).as("%s exits on its own; output:%n%s", module, output).isTrue();
        return Map.entry(process.exitValue(), output);
    }

    /** The one line naming why the service refused to start, and that there is exactly one. */
    private static String refusalLine(String module, String output) {
        List<String> lines = output.lines().filter(line -> line.startsWith(module + ": refusing to start")).toList();
        assertThat(lines).as("refusal lines of %s; output:%n%s", module, output).hasSize(1);
        return lines.get(0);
    }

    /**
     * Each jar with working stores: /health/ready answers 200 with the shared body (status, failing, named checks)
     * and /health/live the same shape, ServiceMain logs the service ready, and SIGTERM ends it with 0 after
     * ServiceMain logs it stopped. A service that did not run through ServiceMain, or answered another body, fails.
     */
    @ParameterizedTest
    @ValueSource(strings = {"receivers", "log-worker", "metrics-worker"})
    void eachServiceStartsReportsReadyAndStopsThroughTheOneShell(String module, RedisService redis,
                                                                  ElasticsearchService elasticsearch,
                                                                  PostgresService postgres) throws Exception {
        Map<String, String> env = workingEnvironment(module, redis, elasticsearch, postgres);
        int port = healthPort(module, env);
        Path log = Files.createTempFile(module + "-ready", ".log");
        Process process = ServiceJar.of(module).start(env, log);
        HttpResponse<String> ready;
        HttpResponse<String> live;
        HttpResponse<String> metrics;
        try {
            await(module + " answers /health/ready with 200 and ServiceMain logs it ready")
                    .atMost(Duration.ofSeconds(90)).until(() -> readyStatus(port) == 200
                            && Files.readString(log).contains("ServiceMain - " + module + " ready"));
            ready = get(port, "/health/ready");
            live = get(port, "/health/live");
            if (module.equals("receivers")) {
                ingestOneValidAndOneInvalidLog(port);
            }
            metrics = get(port, "/metrics");
        } finally {
            process.destroy();
        }
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("%s stops on SIGTERM", module).isTrue();
        String output = Files.readString(log);
        assertThat(process.exitValue()).as("exit status of %s after SIGTERM; output:%n%s", module, output)
                .isEqualTo(ExitStatus.STOPPED);

        JsonNode body = Json.MAPPER.readTree(ready.body());
        assertThat(body.path("status").asText()).isEqualTo("UP");
        assertThat(body.path("failing").isArray() && body.path("failing").isEmpty()).as(ready.body()).isTrue();
        assertThat(body.path("checks").findValuesAsText("name")).as(ready.body()).contains("redis");
        assertThat(body.path("checks").findValuesAsText("status")).as(ready.body()).containsOnly("UP");
        assertThat(live.statusCode()).isEqualTo(200);
        assertThat(live.body()).isEqualTo("{\"status\":\"UP\",\"failing\":[],\"checks\":[]}");
        ExternalTool.Result promtool = ExternalTool.run(TestServices.repoRoot(),
                metrics.body().getBytes(java.nio.charset.StandardCharsets.UTF_8), "promtool", "check", "metrics");
        assertThat(promtool.exitCode()).as("promtool check metrics on the /metrics of %s: %s", module,
                promtool.output()).isZero();
        assertNamingScheme(module, metrics.body());
        assertThat(output).contains("io.killkrill.service.ServiceMain - " + module + " ready",
                "io.killkrill.service.ServiceMain - " + module + " stopped");
    }

    /**
     * A store that does not answer: the receivers (Redis) and the log-worker (Elasticsearch) start, are not
     * ready, and exit 1 at KILLKRILL_STARTUP_TIMEOUT naming the failing check; the metrics-worker cannot migrate
     * its schema without PostgreSQL and exits 1 at once naming the connection. Nothing listens on the port used.
     */
    @ParameterizedTest
    @ValueSource(strings = {"receivers", "log-worker", "metrics-worker"})
    void anUnreachableStoreExitsOneNamingIt(String module, RedisService redis, ElasticsearchService elasticsearch,
                                            PostgresService postgres) throws Exception {
        Map<String, String> env = workingEnvironment(module, redis, elasticsearch, postgres);
        int closed = FreePorts.next();
        env.put("KILLKRILL_STARTUP_TIMEOUT", "1s"); // the least the setting takes: nothing listens, so waiting longer shows nothing more
        String expected = switch (module) {
            case "receivers" -> {
                env.put("KILLKRILL_REDIS_URL", "redis://127.0.0.1:" + closed);
                yield "failing: redis (Redis does not answer)";
            }
            case "log-worker" -> {
                env.put("KILLKRILL_ELASTICSEARCH_URL", "http://127.0.0.1:" + closed);
                yield "failing: elasticsearch (Elasticsearch does not answer";
            }
            default -> {
                env.put("KILLKRILL_DATABASE_URL", "jdbc:postgresql://127.0.0.1:" + closed + "/killkrill");
                env.put("KILLKRILL_DATABASE_CONNECT_TIMEOUT", "250ms"); // the least it takes: each wait fails alike
                yield "PostgreSQL at jdbc:postgresql://127.0.0.1:" + closed + "/killkrill";
            }
        };

        Map.Entry<Integer, String> run = runToExit(module, env);

        assertThat(run.getKey()).as("exit status; output:%n%s", run.getValue()).isEqualTo(ExitStatus.START_FAILED);
        assertThat(refusalLine(module, run.getValue())).startsWith(module + ": refusing to start (exit 1): ")
                .contains(expected);
    }

    /**
     * A store whose layout this version cannot use exits 3 naming what differs: for the receivers and the
     * log-worker the logs stream key holds a string (every XADD / XREADGROUP would fail WRONGTYPE forever); for the
     * metrics-worker its migrated schema lacks a column the mapping needs. The same environment with the store
     * intact starts (the metrics-worker's first run, which migrates, proves it), so the exit is the contract's.
     */
    @ParameterizedTest
    @ValueSource(strings = {"receivers", "log-worker", "metrics-worker"})
    void anIncompatibleStoreContractExitsThreeNamingIt(String module, RedisService redis,
                                                       ElasticsearchService elasticsearch,
                                                       PostgresService postgres) throws Exception {
        Map<String, String> env = workingEnvironment(module, redis, elasticsearch, postgres);
        String expected;
        if (module.equals("metrics-worker")) {
            Path log = Files.createTempFile(module + "-migrate", ".log");
            Process first = ServiceJar.of(module).start(env, log);
            int port = healthPort(module, env);
            try {
                await("metrics-worker migrates its schema and is ready").atMost(Duration.ofSeconds(90))
                        .until(() -> readyStatus(port) == 200);
            } finally {
                first.destroy();
            }
            assertThat(first.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String schema = env.get("KILLKRILL_DATABASE_SCHEMA");
            try (Connection c = postgres.connect(); Statement s = c.createStatement()) {
                s.execute("ALTER TABLE " + schema + ".window_aggregate DROP COLUMN max_value");
            }
            expected = "max_value";
        } else {
            redis.client().set(env.get("KILLKRILL_LOGS_STREAM"), "not a stream");
            expected = "KILLKRILL_LOGS_STREAM names Redis key '" + env.get("KILLKRILL_LOGS_STREAM")
                    + "', which holds a string, not a stream";
        }

        Map.Entry<Integer, String> run = runToExit(module, env);

        assertThat(run.getKey()).as("exit status; output:%n%s", run.getValue())
                .isEqualTo(ExitStatus.INCOMPATIBLE_CONTRACT);
        assertThat(refusalLine(module, run.getValue())).startsWith(module + ": refusing to start (exit 3): ")
                .contains(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"receivers", "log-worker", "metrics-worker"})
    void malformedRedisUrlStopsTheServiceNamingTheVariable(String module) throws Exception {
        Path log = Files.createTempFile(module + "-startup", ".log");

        Process process = ServiceJar.of(module).start(Map.of(
                "KILLKRILL_REDIS_URL", "localhost:6379",
                "KILLKRILL_LOG_FORMAT", "yaml"), log);

        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("%s exits on its own", module).isTrue();
        String output = Files.readString(log);
        assertThat(process.exitValue()).as("exit status of %s; output:%n%s", module, output)
                .isEqualTo(ConfigLoader.EXIT_CONFIG_ERROR);
        assertThat(output).contains("KILLKRILL_REDIS_URL='localhost:6379'", "redis://",
                "KILLKRILL_LOG_FORMAT='yaml'", "plain or json");
    }

    /**
     * Issue 17 item 1: exactly one way to Redis, a URL or Sentinels with a master name. Each service and each tool
     * (started from its jar's main class) refuses both at once, Sentinels without a master name and a master name
     * without Sentinels: exit 2, one problem line naming the variables.
     */
    @ParameterizedTest
    @CsvSource({"receivers,", "log-worker,", "metrics-worker,", "log-worker,io.killkrill.logworker.LogAudit",
            "metrics-worker,io.killkrill.metricsworker.MetricsAudit", "log-worker,io.killkrill.logworker.DeadLetterTool"})
    void aRedisUrlAndSentinelsOrHalfASentinelSettingStopEveryServiceAndToolNamingTheVariables(String module,
            String mainClass) throws Exception {
        Map<Map<String, String>, String> refused = Map.of(
                Map.of("KILLKRILL_REDIS_URL", "redis://127.0.0.1:1", "KILLKRILL_REDIS_SENTINELS", "127.0.0.1:2",
                        "KILLKRILL_REDIS_MASTER_NAME", "killkrill"),
                "KILLKRILL_REDIS_SENTINELS and KILLKRILL_REDIS_URL are both set: expected exactly one of them",
                Map.of("KILLKRILL_REDIS_SENTINELS", "127.0.0.1:2"),
                "KILLKRILL_REDIS_MASTER_NAME is required with KILLKRILL_REDIS_SENTINELS",
                Map.of("KILLKRILL_REDIS_MASTER_NAME", "killkrill"),
                "KILLKRILL_REDIS_MASTER_NAME is set without KILLKRILL_REDIS_SENTINELS");
        // the three refusals are three processes of their own: started together, each checked on its own
        Map<Map<String, String>, Map.Entry<Process, Path>> started = new HashMap<>();
        for (Map<String, String> settings : refused.keySet()) {
            Path log = Files.createTempFile(module + "-redis-endpoint", ".log");
            Process process = mainClass == null ? ServiceJar.of(module).start(settings, log)
                    : ServiceJar.of(module).startMain(mainClass, settings, log,
                            mainClass.endsWith("DeadLetterTool") ? new String[] {"list"} : new String[] {"--since", "1h"});
            started.put(settings, Map.entry(process, log));
        }
        for (Map.Entry<Map<String, String>, String> settings : refused.entrySet()) {
            Process process = started.get(settings.getKey()).getKey();
            Path log = started.get(settings.getKey()).getValue();
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("%s exits on its own", module).isTrue();
            String output = Files.readString(log);
            assertThat(process.exitValue()).as("exit status of %s %s with %s; output:%n%s", module, mainClass,
                    settings.getKey(), output).isEqualTo(ConfigLoader.EXIT_CONFIG_ERROR);
            assertThat(output.lines().filter(l -> l.contains(settings.getValue())).toList())
                    .as("%s %s: the one line naming the variables; output:%n%s", module, mainClass, output)
                    .hasSize(1);
        }
    }

    /**
     * Issue 13, item 6: a set KILLKRILL_HTTP_API_KEYS that yields no key used to start the receivers with
     * authentication off. Each value must make the jar exit 2 by itself, naming the variable, without echoing it.
     */
    @ParameterizedTest
    @ValueSource(strings = {",", " ", "", "short-key"})
    void apiKeysThatYieldNoUsableKeyStopTheReceivers(String value) throws Exception {
        Path log = Files.createTempFile("receivers-api-keys", ".log");

        Process process = ServiceJar.of("receivers").start(Map.of(
                "KILLKRILL_REDIS_URL", "redis://127.0.0.1:1",
                "KILLKRILL_HTTP_PORT", Integer.toString(FreePorts.next()),
                "KILLKRILL_SYSLOG_PORT", Integer.toString(FreePorts.next()),
                "KILLKRILL_HTTP_API_KEYS", value), log);

        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("receivers exit on their own").isTrue();
        String output = Files.readString(log);
        assertThat(process.exitValue()).as("exit status for KILLKRILL_HTTP_API_KEYS='%s'; output:%n%s", value, output)
                .isEqualTo(ConfigLoader.EXIT_CONFIG_ERROR);
        assertThat(output).contains("KILLKRILL_HTTP_API_KEYS=").contains(value.equals("short-key")
                ? "shorter than 16 characters" : "holds no key").doesNotContain("receivers listening");
        if (value.equals("short-key")) {
            assertThat(output).doesNotContain("short-key");
        }
    }

    /**
     * Issue 14: a renamed setting still works under its old name. The receivers started with
     * KILLKRILL_MAX_BACKLOG (now KILLKRILL_RECEIVERS_MAX_BACKLOG) log one WARN line naming both, run with its value
     * and get ready.
     */
    @Test
    void aDeprecatedSettingNameIsReadWithAWarning(RedisService redis, ElasticsearchService elasticsearch,
                                                  PostgresService postgres) throws Exception {
        Map<String, String> env = workingEnvironment("receivers", redis, elasticsearch, postgres);
        env.put("KILLKRILL_MAX_BACKLOG", "4321");
        int port = healthPort("receivers", env);
        Path log = Files.createTempFile("receivers-deprecated", ".log");
        Process process = ServiceJar.of("receivers").start(env, log);
        try {
            await("receivers started with a deprecated name answer /health/ready with 200")
                    .atMost(Duration.ofSeconds(60)).until(() -> readyStatus(port) == 200);
        } finally {
            process.destroy();
        }
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("receivers stop on SIGTERM").isTrue();
        String output = Files.readString(log);

        assertThat(process.exitValue()).as("exit status after SIGTERM; output:%n%s", output).isZero();
        assertThat(output.lines().filter(line -> line.contains(" WARN ") && line.contains("configuration: ")))
                .as("configuration WARN lines; output:%n%s", output).singleElement().asString()
                .endsWith("configuration: KILLKRILL_MAX_BACKLOG is deprecated: rename it to"
                        + " KILLKRILL_RECEIVERS_MAX_BACKLOG");
        assertThat(output).as("the effective configuration").contains("KILLKRILL_RECEIVERS_MAX_BACKLOG=4321");
    }

    @Test
    void receiversLogJsonLinesWithSecretsMaskedAndExitZeroOnSigterm(RedisService redis) throws Exception {
        Path log = Files.createTempFile("receivers-json", ".log");
        Process process = ServiceJar.of("receivers").start(Map.of(
                "KILLKRILL_REDIS_URL", redis.uri().toString(),
                "KILLKRILL_HTTP_PORT", Integer.toString(FreePorts.next()),
                "KILLKRILL_SYSLOG_PORT", Integer.toString(FreePorts.next()),
                "KILLKRILL_HTTP_API_KEYS", "top-secret-key-0123456789",
                "KILLKRILL_LOG_FORMAT", "json"), log);
        try {
            await("receivers log that they listen").atMost(Duration.ofSeconds(60))
                    .until(() -> Files.readString(log).contains("receivers listening"));
        } finally {
            process.destroy();
        }

        assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("receivers stop on SIGTERM").isTrue();
        assertThat(process.exitValue()).as("exit status after SIGTERM").isZero();
        String output = Files.readString(log);
        assertThat(output.lines().filter(line -> !line.isBlank()))
                .as("every line on stdout is a JSON object").isNotEmpty()
                .allMatch(line -> line.startsWith("{\"@timestamp\"") && line.endsWith("}"));
        assertThat(output).contains("KILLKRILL_HTTP_API_KEYS=****").doesNotContain("top-secret-key-0123456789");
    }
}
