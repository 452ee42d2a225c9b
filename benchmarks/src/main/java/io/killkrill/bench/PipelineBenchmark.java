package io.killkrill.bench;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.killkrill.config.StreamNames;
import io.killkrill.logworker.Enricher;
import io.killkrill.logworker.elasticsearch.ElasticsearchClients;
import io.killkrill.logworker.elasticsearch.IndexTemplateInstaller;
import io.killkrill.model.IngestContext;
import io.killkrill.model.Json;
import io.killkrill.model.LogEvent;
import io.killkrill.model.LogEventCodec;
import io.killkrill.model.Source;
import io.killkrill.model.Validated;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

import java.io.ByteArrayOutputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The end-to-end benchmark: KillKrill's receivers, log-worker and metrics-worker run as processes from their jars
 * against the real Redis, Elasticsearch and PostgreSQL, next to the raw {@code _bulk} ceiling and rsyslog on
 * the same Elasticsearch with the same documents and the same load generator. Run with {@code scripts/bench}.
 */
public final class PipelineBenchmark {
    private static final String DAY_SYSLOG = "2026-11-22";
    private static final String DAY_HTTP = "2026-11-23";
    private static final String DAY_LATENCY = "2026-11-24";
    private static final String DAY_SUSTAINED_SYSLOG = "2026-11-25";
    private static final String DAY_SUSTAINED_HTTP = "2026-11-26";
    private static final String DAY_SENTINEL = "2026-11-27";
    private static final String DAY_SENTINEL_WARM_UP = "2026-11-28";
    private static final String DAY_CLUSTER_WARM_UP = "2026-11-29";
    private static final String DAY_CLUSTER = "2026-11-30";
    /** How long a replicated phase's syslog -> ES warm-up may take before its figure is n/a: 50k messages. */
    private static final Duration REPLICATED_WARM_UP_DEADLINE = Duration.ofMinutes(3);

    private final BenchOptions options;
    private final Report report = new Report();
    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final String prefix = "kkbench-" + run;
    private final String streamPrefix = "kkbench:" + run + ":";
    private final String schema = "kkbench_" + run.replace('-', '_');
    private final Path workDir;
    private final Elasticsearch es;
    private final JedisPooled redis;
    private final List<ServiceProcess> pipeline = new ArrayList<>();
    private volatile String progress = "starting";

    private PipelineBenchmark(BenchOptions options) {
        this.options = options;
        this.workDir = options.repo().resolve("benchmarks/target/bench-" + run);
        this.es = new Elasticsearch(options.elasticsearch());
        this.redis = new JedisPooled(options.redis());
    }

    public static void main(String[] args) throws Exception {
        PipelineBenchmark benchmark = new PipelineBenchmark(BenchOptions.parse(args));
        try {
            benchmark.run();
        } finally {
            benchmark.redis.close();
        }
        System.exit(0);
    }

    private void run() throws Exception {
        Files.createDirectories(workDir);
        Thread ticker = new Thread(this::tick, "progress");
        ticker.setDaemon(true);
        ticker.start();
        describeMachine();
        log("run " + run + ": indices " + prefix + "-*, streams " + streamPrefix + "*, schema " + schema
                + ", logs in " + workDir);
        installTemplate();
        try {
            if (options.phases().contains("es-cost")) {
                new EsCost(es, CpuMeter.listenerPid(options.elasticsearch().getPort()), prefix, options.costEvents(),
                        options.costRounds(), what -> progress = what).run(report.section("es_cost"), report);
            }
            if (options.phases().contains("ceiling")) {
                bulkCeiling();
            }
            for (PeerDaemon daemon : peers()) {
                peer(daemon);
            }
            if (options.phases().contains("pipeline") || options.phases().contains("metrics")
                    || options.phases().contains("remote-write") || options.phases().contains("latency") || options.phases().contains("sustained")) {
                pipeline();
            }
            if (options.phases().contains("redis")) {
                receiversIntoRedis();
            }
            if (options.phases().contains("endpoints")) {
                endpointsIntoRedis();
            }
            if (options.phases().contains("sentinel")) {
                progress = "starting the Sentinel topology (scripts/dev-services up --redis=sentinel redis)";
                try (RedisTopology sentinel = SentinelTopology.provision(options.repo())) {
                    replicated(sentinel, "sentinel", DAY_SENTINEL_WARM_UP, DAY_SENTINEL);
                }
            }
            if (options.phases().contains("cluster")) {
                progress = "starting the Redis Cluster (scripts/dev-services up --redis=cluster redis)";
                try (RedisTopology cluster = ClusterTopology.provision(options.repo())) {
                    replicated(cluster, "cluster", DAY_CLUSTER_WARM_UP, DAY_CLUSTER);
                }
            }
            ratios();
        } finally {
            report.section("machine").put("load_at_end", loadAverage());
            if (!options.keep()) {
                cleanUp();
            }
            report.write(options.out());
            System.out.println();
            System.out.println(report.table());
            System.out.println("JSON report: " + options.out());
        }
    }

    // ---------------------------------------------------------------- machine and set-up

    private void describeMachine() throws Exception {
        ObjectNode machine = report.section("machine");
        machine.put("nproc", Runtime.getRuntime().availableProcessors());
        for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
            if (line.startsWith("MemTotal:")) {
                machine.put("memory_mib", Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024);
            }
        }
        machine.put("jdk", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        JsonNode nodes = es.call("GET", "/_nodes/stats/jvm?filter_path=nodes.*.jvm.mem.heap_max_in_bytes", (String) null);
        nodes.path("nodes").forEach(n -> machine.put("es_heap_mib",
                n.path("jvm").path("mem").path("heap_max_in_bytes").asLong() / 1024 / 1024));
        JsonNode info = es.call("GET", "/_nodes/_local?filter_path=nodes.*.version", (String) null);
        info.path("nodes").forEach(n -> machine.put("es_version", n.path("version").asText()));
        machine.put("load_at_start", loadAverage());
        ObjectNode jvmOptions = machine.putObject("service_jvm_options");
        for (String module : List.of("receivers", "log-worker", "metrics-worker")) {
            jvmOptions.put(module, String.join(" ", options.jvmOptions(module)));
        }
        ObjectNode env = machine.putObject("service_env_overrides");
        options.serviceEnv().forEach(env::put);
        machine.put("run", run);
        machine.put("started_at", Instant.now().toString());
        log("machine: " + machine);
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (Exception e) {
            return "unknown";
        }
    }

    /** The log-worker's own template for {@code <prefix>-*}: the ceiling and rsyslog indices get its mappings too. */
    private void installTemplate() throws Exception {
        ElasticsearchClient client = ElasticsearchClients.create(options.elasticsearch(), Duration.ofSeconds(30), 1);
        try {
            new IndexTemplateInstaller(client, prefix, 0).install(); // one node: no replicas
        } finally {
            client._transport().close();
        }
    }

    // ---------------------------------------------------------------- ceiling and peer

    private void bulkCeiling() throws Exception {
        int n = options.events();
        progress = "ceiling: building " + n + " documents with the log-worker's Enricher";
        Enricher enricher = new Enricher(prefix, "development", "0.1.0-SNAPSHOT", Clock.systemUTC());
        List<byte[]> bodies = new ArrayList<>();
        List<byte[]> warmBodies = new ArrayList<>();
        String index = prefix + "-ceiling";
        String warmIndex = prefix + "-ceiling-warmup";
        int warm = Math.min(n, 50_000);
        buildBulk(enricher, warmIndex, warm, warmBodies);
        buildBulk(enricher, index, n, bodies);
        es.createIndex(warmIndex);
        es.createIndex(index);
        log("ceiling: ES warm-up, " + warm + " docs");
        bulk(warmBodies);
        AtomicInteger done = new AtomicInteger();
        progress = "ceiling: raw _bulk of " + n + " docs";
        CpuMeter cpu = meter().start();
        long start = System.nanoTime();
        int errors = bulk(bodies);
        double seconds = awaitSearchable(index, n, start, Duration.ofMinutes(5));
        done.set(n);
        ObjectNode c = report.section("ceiling");
        cpu.stop(c, n);
        c.put("docs", n).put("batch", options.bulkBatch()).put("connections", options.bulkConnections())
                .put("bulk_errors", errors).put("seconds", round(seconds)).put("docs_per_s", Math.round(n / seconds));
        report.row("raw _bulk ceiling, docs/s (same docs as log-worker, " + options.bulkConnections() + " conns)",
                fmt(n / seconds), "reference");
        es.call("DELETE", "/" + warmIndex, (String) null);
    }

    private void buildBulk(Enricher enricher, String index, int n, List<byte[]> bodies) throws Exception {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (int i = 0; i < n; i++) {
            LogEvent event = ((Validated.Valid<LogEvent>) LogEventCodec.fromInput(
                    Json.MAPPER.readTree(HttpLoad.logEvent(i, DAY_HTTP)),
                    IngestContext.now(Source.http("127.0.0.1:40000")))).value();
            body.write(("{\"create\":{\"_index\":\"" + index + "\",\"_id\":\"" + event.eventId() + "\"}}\n")
                    .getBytes(StandardCharsets.UTF_8));
            body.write(enricher.document(event));
            body.write('\n');
            if ((i + 1) % options.bulkBatch() == 0 || i == n - 1) {
                bodies.add(body.toByteArray());
                body.reset();
            }
        }
    }

    private int bulk(List<byte[]> bodies) throws Exception {
        return es.bulkInParallel("/_bulk", bodies, options.bulkConnections());
    }

    /** The peers in the order they run, each only when its phase is asked for. */
    private List<PeerDaemon> peers() {
        List<PeerDaemon> all = List.of(new RsyslogDaemon(RsyslogDaemon.Queue.MEMORY),
                new RsyslogDaemon(RsyslogDaemon.Queue.DISK), new SyslogNgDaemon(options.syslogNgPrefix()));
        return all.stream().filter(p -> options.phases().contains(p.phase())).toList();
    }

    /** The report section of a peer's figures: {@code rsyslog}, {@code rsyslog_disk}, {@code syslog_ng}. */
    private static String section(PeerDaemon peer) {
        return peer.phase().replace('-', '_');
    }

    /**
     * The KillKrill syslog phase's load against {@code daemon}: the same N messages of the same generator over the
     * same connections, into an index of its own (the log-worker's template applies), timed to searchable N.
     */
    private void peer(PeerDaemon daemon) throws Exception {
        int n = options.events();
        String index = prefix + "-" + daemon.phase();
        es.createIndex(index);
        URI esUrl = options.elasticsearch();
        PeerDaemon.Target target = new PeerDaemon.Target(workDir.resolve(daemon.phase()), freePort(), esUrl.getHost(),
                esUrl.getPort(), index);
        progress = daemon.label() + ": starting";
        try (PeerProcess peer = PeerProcess.start(daemon, target)) {
            progress = daemon.label() + ": " + n + " syslog messages over " + options.syslogConnections()
                    + " TCP connections";
            CpuMeter cpu = meter().track(daemon.phase(), peer.pid()).start();
            long start = System.nanoTime();
            SyslogLoad.flood("127.0.0.1", target.port(), n, options.syslogConnections(), DAY_SYSLOG);
            double sent = (System.nanoTime() - start) / 1e9;
            double seconds = awaitSearchable(index, n, start, Duration.ofMinutes(10)); // a disk queue is slow
            long rssKb = rssOf(peer.pid());
            ObjectNode r = report.section(section(daemon));
            cpu.stop(r, n);
            r.put("messages", n).put("connections", options.syslogConnections()).put("send_seconds", round(sent))
                    .put("seconds", round(seconds)).put("msg_per_s", Math.round(n / seconds))
                    .put("rss_mib_after", rssKb / 1024).put("version", daemon.version())
                    .put("config", peer.config.toString());
            report.row(daemon.label() + ", syslog TCP -> ES, msg/s", fmt(n / seconds), "reference");
        }
    }

    private static long rssOf(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (Exception gone) {
            // exited
        }
        return 0;
    }

    // ---------------------------------------------------------------- the KillKrill pipeline

    private Map<String, String> commonEnv(String streams) {
        return commonEnv(streams, Map.of("KILLKRILL_REDIS_URL", options.redis().toString()));
    }

    /** The settings every service of a phase gets: {@code redisSettings} (URL, or Sentinels), the streams. */
    private Map<String, String> commonEnv(String streams, Map<String, String> redisSettings) {
        StreamNames names = StreamNames.prefixed(streams);
        Map<String, String> env = new LinkedHashMap<>(redisSettings);
        env.put("KILLKRILL_LOGS_STREAM", names.logs());
        env.put("KILLKRILL_METRICS_STREAM", names.metrics());
        env.put("KILLKRILL_LOGS_DLQ", names.logsDlq());
        env.put("KILLKRILL_METRICS_DLQ", names.metricsDlq());
        env.put("KILLKRILL_LOG_GROUP", names.logGroup());
        env.put("KILLKRILL_METRICS_GROUP", names.metricsGroup());
        return env;
    }

    private List<String> jvmOptions(String module, String service) {
        List<String> jvm = new ArrayList<>(options.jvmOptions(module));
        if (options.jfrDir() != null && !service.equals("metrics-worker")) {
            jvm.add("-XX:StartFlightRecording=filename=" + options.jfrDir().resolve(service + ".jfr")
                    + ",settings=profile,dumponexit=true");
        }
        return jvm;
    }

    private ServiceProcess startReceivers(String name, String streams, int httpPort, int syslogPort,
                                          Map<String, String> extra) throws Exception {
        return startReceivers(name, commonEnv(streams), httpPort, syslogPort, extra);
    }

    private ServiceProcess startReceivers(String name, Map<String, String> common, int httpPort, int syslogPort,
                                          Map<String, String> extra) throws Exception {
        Map<String, String> env = new LinkedHashMap<>(common);
        env.put("KILLKRILL_HTTP_PORT", Integer.toString(httpPort));
        env.put("KILLKRILL_SYSLOG_PORT", Integer.toString(syslogPort));
        env.put("KILLKRILL_SYSLOG_UDP", "false");
        env.putAll(extra);
        env.putAll(options.serviceEnv());
        return ServiceProcess.start(name, options.jar("receivers"), jvmOptions("receivers", name), env,
                URI.create("http://127.0.0.1:" + httpPort + "/health/ready"), workDir);
    }

    private void pipeline() throws Exception {
        String streams = streamPrefix + "pipe:";
        int httpPort = freePort();
        int syslogPort = freePort();
        int logAdmin = freePort();
        int metricsAdmin = freePort();
        progress = "starting receivers, log-worker and metrics-worker";
        try {
            pipeline.add(startReceivers("receivers", streams, httpPort, syslogPort, Map.of()));
            Map<String, String> lw = commonEnv(streams);
            lw.put("KILLKRILL_ELASTICSEARCH_URL", options.elasticsearch().toString());
            lw.put("KILLKRILL_ELASTICSEARCH_INDEX_PREFIX", prefix);
            lw.put("KILLKRILL_LOG_WORKER_ADMIN_PORT", Integer.toString(logAdmin));
            lw.putAll(options.serviceEnv());
            pipeline.add(ServiceProcess.start("log-worker", options.jar("log-worker"), jvmOptions("log-worker", "log-worker"), lw,
                    URI.create("http://127.0.0.1:" + logAdmin + "/health/ready"), workDir));
            Map<String, String> mw = commonEnv(streams);
            mw.put("KILLKRILL_DATABASE_URL", options.jdbcUrl());
            mw.put("KILLKRILL_DATABASE_USER", options.dbUser());
            mw.put("KILLKRILL_DATABASE_PASSWORD", options.dbPassword());
            mw.put("KILLKRILL_DATABASE_SCHEMA", schema);
            mw.put("KILLKRILL_METRICS_WORKER_ADMIN_PORT", Integer.toString(metricsAdmin));
            mw.putAll(options.serviceEnv());
            pipeline.add(ServiceProcess.start("metrics-worker", options.jar("metrics-worker"),
                    jvmOptions("metrics-worker", "metrics-worker"), mw, URI.create("http://127.0.0.1:" + metricsAdmin + "/health/ready"),
                    workDir));
            log("pipeline up: receivers pid " + pipeline.get(0).pid() + ", log-worker pid " + pipeline.get(1).pid()
                    + ", metrics-worker pid " + pipeline.get(2).pid());
            URI logs = URI.create("http://127.0.0.1:" + httpPort + "/api/v1/logs");
            URI metrics = URI.create("http://127.0.0.1:" + httpPort + "/api/v1/metrics");
            warmUp(syslogPort, logs);
            if (options.phases().contains("pipeline")) {
                syslogToElasticsearch(syslogPort);
                httpToElasticsearch(logs);
            }
            if (options.phases().contains("metrics")) {
                metricsToPostgres(metrics);
            }
            if (options.phases().contains("remote-write")) {
                remoteWriteToPostgres(URI.create("http://127.0.0.1:" + httpPort + "/api/v1/write"));
            }
            if (options.phases().contains("latency")) {
                latency(syslogPort);
            }
            if (options.phases().contains("sustained")) {
                sustained(syslogPort, logs, metrics);
            }
            memoryReport();
            ObjectNode dlq = report.section("pipeline").putObject("dead_letters");
            StreamNames names = StreamNames.prefixed(streams);
            dlq.put("logs", redis.xlen(names.logsDlq())).put("metrics", redis.xlen(names.metricsDlq()));
        } finally {
            for (int i = pipeline.size() - 1; i >= 0; i--) {
                pipeline.get(i).close();
            }
        }
    }

    /** One unmeasured round through every path first, so the measured ones are of JIT-compiled services. */
    private void warmUp(int syslogPort, URI logs) throws Exception {
        int n = Math.min(options.events(), 50_000);
        String day = "2026-11-21";
        progress = "warm-up: " + n + " syslog messages and " + n + " HTTP events";
        long start = System.nanoTime();
        SyslogLoad.flood("127.0.0.1", syslogPort, n, options.syslogConnections(), day);
        HttpLoad.flood(logs, HttpLoad.batches(n, options.httpBatch(), i -> HttpLoad.logEvent(i, day)),
                options.httpBatch(), options.httpClients());
        awaitEventDay(day, 2L * n, start, Duration.ofMinutes(10));
    }

    private void syslogToElasticsearch(int syslogPort) throws Exception {
        int n = options.events();
        progress = "KillKrill syslog TCP -> ES: " + n + " messages over " + options.syslogConnections() + " connections";
        CpuMeter cpu = meter().start();
        long start = System.nanoTime();
        SyslogLoad.flood("127.0.0.1", syslogPort, n, options.syslogConnections(), DAY_SYSLOG);
        double sent = (System.nanoTime() - start) / 1e9;
        double seconds = awaitEventDay(DAY_SYSLOG, n, start, Duration.ofMinutes(10));
        cpu.stop(report.section("killkrill_syslog_to_es"), n);
        report.section("killkrill_syslog_to_es").put("messages", n).put("send_seconds", round(sent))
                .put("seconds", round(seconds)).put("msg_per_s", Math.round(n / seconds));
        report.row("KillKrill syslog TCP -> ES searchable, msg/s", fmt(n / seconds), ">= 1.1x rsyslog");
    }

    private void httpToElasticsearch(URI logs) throws Exception {
        int n = options.events();
        List<byte[]> bodies = HttpLoad.batches(n, options.httpBatch(), i -> HttpLoad.logEvent(i, DAY_HTTP));
        progress = "KillKrill HTTP -> ES: " + n + " events in batches of " + options.httpBatch();
        CpuMeter cpu = meter().start();
        long start = System.nanoTime();
        HttpLoad.Outcome outcome = HttpLoad.flood(logs, bodies, options.httpBatch(), options.httpClients());
        double sent = (System.nanoTime() - start) / 1e9;
        double seconds = awaitEventDay(DAY_HTTP, n, start, Duration.ofMinutes(10));
        cpu.stop(report.section("killkrill_http_to_es"), n);
        report.section("killkrill_http_to_es").put("events", n).put("accepted", outcome.accepted())
                .put("retried_requests", outcome.retried()).put("send_seconds", round(sent))
                .put("seconds", round(seconds)).put("msg_per_s", Math.round(n / seconds));
        report.row("KillKrill HTTP batches -> ES searchable, msg/s", fmt(n / seconds), ">= 0.85x raw _bulk");
    }

    private long storedSamples() throws Exception {
        try (Connection db = DriverManager.getConnection(options.jdbcUrl(), options.dbUser(), options.dbPassword());
             Statement st = db.createStatement();
             ResultSet rs = st.executeQuery("SELECT coalesce(sum(sample_count), 0) FROM " + schema
                     + ".window_aggregate")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private void metricsToPostgres(URI metrics) throws Exception {
        int n = options.metricSamples();
        Instant now = Instant.now();
        List<byte[]> bodies = HttpLoad.batches(n, options.httpBatch(), i -> HttpLoad.metricSample(i, now));
        samplesToPostgres("killkrill_metrics_to_postgres", "KillKrill metrics HTTP", n,
                () -> HttpLoad.flood(metrics, bodies, options.httpBatch(), options.httpClients()));
    }

    /**
     * The same samples as the metrics phase (300 series, timestamped now), as Prometheus remote-writes them: one
     * snappy-compressed WriteRequest per batch, one series per sample.
     */
    private void remoteWriteToPostgres(URI write) throws Exception {
        int n = options.metricSamples();
        long now = System.currentTimeMillis();
        HttpLoad.Bodies bodies = RemoteWriteLoad.bodies(n, options.httpBatch(), now);
        samplesToPostgres("killkrill_remote_write_to_postgres", "KillKrill remote_write", n,
                () -> HttpLoad.flood(write, bodies.bodies(), bodies::itemsIn, options.httpClients(),
                        RemoteWriteLoad.HEADERS));
    }

    private interface Load {
        HttpLoad.Outcome run() throws Exception;
    }

    private void samplesToPostgres(String section, String what, int n, Load load) throws Exception {
        long before = storedSamples();
        progress = what + " -> PostgreSQL: " + n + " samples";
        CpuMeter cpu = meter().start();
        long start = System.nanoTime();
        HttpLoad.Outcome outcome = load.run();
        double sent = (System.nanoTime() - start) / 1e9;
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        long stored = 0;
        while (System.nanoTime() < deadline) {
            stored = storedSamples() - before;
            long seen = stored;
            progress = "metrics: " + seen + " of " + n + " samples stored (sum of sample_count)";
            if (stored >= n) {
                break;
            }
            TimeUnit.MILLISECONDS.sleep(250); // polling PostgreSQL for the stored total
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        cpu.stop(report.section(section), n);
        report.section(section).put("samples", n).put("accepted", outcome.accepted())
                .put("stored", stored).put("send_seconds", round(sent)).put("seconds", round(seconds))
                .put("samples_per_s", Math.round(stored / seconds));
        report.row(what + " -> aggregated in PostgreSQL, samples/s", fmt(stored / seconds)
                + (stored < n ? " (only " + stored + " of " + n + ")" : ""), ">= 100k");
    }

    private void latency(int syslogPort) throws Exception {
        int rate = options.latencyRate();
        int probeEvery = Math.max(1, rate / 500);
        Duration length = options.latencyDuration();
        LatencyProbe probe;
        long sent;
        try (SyslogLoad.Paced load = new SyslogLoad.Paced("127.0.0.1", syslogPort, rate, probeEvery, DAY_LATENCY)) {
            probe = new LatencyProbe(es, dailyIndices(), load.probeSentAtMillis, 150);
            long end = System.nanoTime() + length.toNanos();
            while (System.nanoTime() < end) {
                progress = "latency at " + rate + " msg/s: sent " + load.sent.get() + ", probes seen " + probe.seen()
                        + " of " + load.probeSentAtMillis.size();
                TimeUnit.MILLISECONDS.sleep(500); // the run's length
            }
            load.close();
            sent = load.probeSentAtMillis.size();
            long drain = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (probe.seen() < sent && System.nanoTime() < drain) {
                TimeUnit.MILLISECONDS.sleep(200); // waiting for the last probes to become searchable
            }
            probe.close();
            LatencyProbe.Percentiles r = probe.receiptToSearchable();
            LatencyProbe.Percentiles s = probe.sendToSearchable();
            ObjectNode l = report.section("latency");
            l.put("offered_msg_per_s", rate).put("seconds", length.toSeconds()).put("messages", load.sent.get())
                    .put("probes_sent", sent).put("probes_seen", r.count()).put("poll_ms", 150)
                    .put("polls", probe.polls);
            l.putObject("receipt_to_searchable_ms").put("p50", r.p50()).put("p95", r.p95()).put("p99", r.p99())
                    .put("max", r.max());
            l.putObject("send_to_searchable_ms").put("p50", s.p50()).put("p95", s.p95()).put("p99", s.p99())
                    .put("max", s.max());
            report.row("latency receipt -> searchable at " + rate + " msg/s, p50/p95/p99 ms",
                    r.p50() + " / " + r.p95() + " / " + r.p99() + " (" + r.count() + " of " + sent + " probes)",
                    "p99 <= 1500");
        }
    }

    private void sustained(int syslogPort, URI logs, URI metrics) throws Exception {
        Duration length = options.duration();
        int rate = options.sustainedRate();
        long metricsBefore = storedSamples();
        Map<String, List<long[]>> rss = new LinkedHashMap<>();
        pipeline.forEach(s -> rss.put(s.name(), new ArrayList<>()));
        long start = System.nanoTime();
        long syslogSent;
        long httpAccepted;
        long metricsAccepted;
        try (SyslogLoad.Paced syslog = new SyslogLoad.Paced("127.0.0.1", syslogPort, rate / 2, 0, DAY_SUSTAINED_SYSLOG);
             HttpLoad.Paced http = new HttpLoad.Paced(logs, rate - rate / 2, 100,
                     i -> HttpLoad.logEvent(i, DAY_SUSTAINED_HTTP));
             HttpLoad.Paced samples = new HttpLoad.Paced(metrics, options.sustainedMetricsRate(), 100,
                     i -> HttpLoad.metricSample(i, Instant.now()))) {
            long end = start + length.toNanos();
            long nextSample = start;
            while (System.nanoTime() < end) {
                if (System.nanoTime() >= nextSample) {
                    long t = (System.nanoTime() - start) / 1_000_000_000L;
                    StringBuilder line = new StringBuilder();
                    for (ServiceProcess s : pipeline) {
                        ServiceProcess.Memory m = s.memory();
                        rss.get(s.name()).add(new long[]{t, m.rssKb(), m.hwmKb()});
                        line.append(s.name()).append(" rss ").append(m.rssKb() / 1024).append(" MiB, ");
                        if (!s.alive()) {
                            throw new IllegalStateException(s.name() + " died during the sustained run");
                        }
                    }
                    progress = "sustained " + t + " s of " + length.toSeconds() + " s: syslog sent " + syslog.sent.get()
                            + ", http accepted " + http.accepted.get() + " (refused " + http.refused.get()
                            + "), samples accepted " + samples.accepted.get() + "; " + line;
                    nextSample += TimeUnit.SECONDS.toNanos(5);
                }
                TimeUnit.MILLISECONDS.sleep(200); // the run's length
            }
            syslog.close();
            syslogSent = syslog.sent.get();
            http.close();
            samples.close();
            TimeUnit.SECONDS.sleep(2); // let the last asynchronous HTTP answers arrive
            httpAccepted = http.accepted.get();
            metricsAccepted = samples.accepted.get();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long drainStart = System.nanoTime();
        long expected = syslogSent + httpAccepted;
        long indexed = 0;
        while (System.nanoTime() - drainStart < TimeUnit.SECONDS.toNanos(120)) {
            indexed = es.searchableCount(dailyIndices(), onEventDay(DAY_SUSTAINED_SYSLOG))
                    + es.searchableCount(dailyIndices(), onEventDay(DAY_SUSTAINED_HTTP));
            progress = "sustained: draining, " + indexed + " of " + expected + " searchable";
            if (indexed >= expected) {
                break;
            }
            TimeUnit.MILLISECONDS.sleep(500); // polling the count
        }
        double drain = (System.nanoTime() - drainStart) / 1e9;
        long stored = storedSamples() - metricsBefore;
        ObjectNode s = report.section("sustained");
        s.put("seconds", round(seconds)).put("offered_log_msg_per_s", rate)
                .put("offered_samples_per_s", options.sustainedMetricsRate()).put("syslog_sent", syslogSent)
                .put("http_accepted", httpAccepted).put("searchable", indexed)
                .put("drain_seconds_after_load", round(drain)).put("samples_accepted", metricsAccepted)
                .put("samples_stored", stored);
        ObjectNode series = s.putObject("rss_kib_series");
        for (var e : rss.entrySet()) {
            ArrayNode points = series.putArray(e.getKey());
            for (long[] p : e.getValue()) {
                points.addArray().add(p[0]).add(p[1]);
            }
            List<long[]> ps = e.getValue();
            if (!ps.isEmpty()) {
                long[] early = ps.get(Math.min(ps.size() - 1, ps.size() / 4));
                long[] last = ps.get(ps.size() - 1);
                s.putObject("rss_trend_" + e.getKey()).put("at_s", early[0]).put("rss_mib", early[1] / 1024)
                        .put("end_s", last[0]).put("end_rss_mib", last[1] / 1024);
            }
        }
        report.row("sustained " + length.toSeconds() + " s at " + rate + " log msg/s + "
                + options.sustainedMetricsRate() + " samples/s: searchable / sent", indexed + " / " + expected
                + " (drained " + round(drain) + " s after load)", "all, flat RSS");
    }

    private void memoryReport() {
        ObjectNode memory = report.section("memory");
        for (ServiceProcess s : pipeline) {
            ServiceProcess.Memory m = s.memory();
            ObjectNode node = memory.putObject(s.name()).put("pid", s.pid()).put("rss_mib", m.rssKb() / 1024)
                    .put("peak_rss_mib", m.hwmKb() / 1024);
            s.heap().ifPresent(h -> node.put("heap_used_mib", h.usedKb() / 1024)
                    .put("heap_committed_mib", h.committedKb() / 1024));
            report.row(s.name() + " peak RSS / RSS now / heap used (MiB)", m.hwmKb() / 1024 + " / "
                    + m.rssKb() / 1024 + " / " + (node.has("heap_used_mib") ? node.get("heap_used_mib").asLong() : -1),
                    "<= 300, flat");
        }
    }

    // ---------------------------------------------------------------- receivers only

    private void receiversIntoRedis() throws Exception {
        String streams = streamPrefix + "redis:";
        String stream = StreamNames.prefixed(streams).logs();
        int httpPort = freePort();
        int syslogPort = freePort();
        int n = options.redisEvents();
        try (ServiceProcess receivers = startReceivers("receivers-redis-only", streams, httpPort, syslogPort,
                Map.of("KILLKRILL_RECEIVERS_MAX_BACKLOG", "100000000"))) {
            ObjectNode r = report.section("receivers_into_redis");
            // one short round of each path first, so both figures are of a JIT-compiled receiver
            int warm = Math.min(n, 100_000);
            Load syslogWarm = () -> syslog(syslogPort, warm);
            Load httpWarm = () -> HttpLoad.flood(URI.create("http://127.0.0.1:" + httpPort + "/api/v1/logs"),
                    HttpLoad.batches(warm, options.httpBatch(), i -> HttpLoad.logEvent(i, DAY_HTTP)),
                    options.httpBatch(), options.httpClients());
            intoRedis(receivers, stream, warm, syslogWarm, null);
            intoRedis(receivers, stream, warm, httpWarm, null);
            progress = "receivers only: syslog TCP " + n + " messages -> Redis";
            double syslogSeconds = intoRedis(receivers, stream, n, () -> syslog(syslogPort, n), r.putObject("syslog"));
            List<byte[]> bodies = HttpLoad.batches(n, options.httpBatch(), i -> HttpLoad.logEvent(i, DAY_HTTP));
            progress = "receivers only: HTTP " + n + " events -> Redis";
            double httpSeconds = intoRedis(receivers, stream, n, () -> HttpLoad.flood(URI.create("http://127.0.0.1:"
                    + httpPort + "/api/v1/logs"), bodies, options.httpBatch(), options.httpClients()), r.putObject("http"));
            ServiceProcess.Memory m = receivers.memory();
            r.put("messages", n).put("syslog_seconds", round(syslogSeconds))
                    .put("syslog_msg_per_s", Math.round(n / syslogSeconds)).put("http_seconds", round(httpSeconds))
                    .put("http_msg_per_s", Math.round(n / httpSeconds)).put("peak_rss_mib", m.hwmKb() / 1024);
            report.row("receivers only, syslog TCP -> Redis (XLEN), msg/s", fmt(n / syslogSeconds), ">= 150k");
            report.row("receivers only, HTTP batches -> Redis (XLEN), msg/s", fmt(n / httpSeconds), ">= 150k");
        }
    }

    /**
     * Every HTTP endpoint into Redis, receivers only, next to the native NDJSON one of the same kind: logs (the
     * HTTP phase's events) as NDJSON on {@code /api/v1/logs}, as OTLP/HTTP protobuf {@code ExportLogsServiceRequest}s
     * on {@code /v1/logs} ({@link OtlpLoad}) and as Elasticsearch bulk bodies on {@code /_bulk} ({@link EsBulkLoad});
     * metric samples (the metrics phase's) as NDJSON on {@code /api/v1/metrics} and as remote_write
     * {@code WriteRequest}s on {@code /api/v1/write} ({@link RemoteWriteLoad}). Batches of the same item count; each
     * load after an unmeasured round.
     */
    private void endpointsIntoRedis() throws Exception {
        String streams = streamPrefix + "endpoints:";
        String logStream = StreamNames.prefixed(streams).logs();
        String metricStream = StreamNames.prefixed(streams).metrics();
        int httpPort = freePort();
        int n = options.redisEvents();
        int batch = options.httpBatch();
        try (ServiceProcess receivers = startReceivers("receivers-endpoints", streams, httpPort, freePort(),
                Map.of("KILLKRILL_RECEIVERS_MAX_BACKLOG", "100000000"))) {
            ObjectNode r = report.section("endpoints_into_redis");
            r.put("items", n).put("batch", batch);
            String base = "http://127.0.0.1:" + httpPort;
            List<byte[]> ndjsonLogs = HttpLoad.batches(n, batch, i -> HttpLoad.logEvent(i, DAY_HTTP));
            Instant now = Instant.now();
            List<byte[]> ndjsonSamples = HttpLoad.batches(n, batch, i -> HttpLoad.metricSample(i, now));
            List<Endpoint> endpoints = List.of(
                    new Endpoint("ndjson_logs", "native NDJSON logs", logStream, null, HttpLoad.Bodies.lines(ndjsonLogs),
                            URI.create(base + "/api/v1/logs"), HttpLoad.NDJSON),
                    new Endpoint("otlp_logs", "OTLP/HTTP protobuf logs", logStream, "ndjson_logs",
                            OtlpLoad.bodies(n, batch, DAY_HTTP), URI.create(base + "/v1/logs"), OtlpLoad.HEADERS),
                    new Endpoint("es_bulk_logs", "Elasticsearch bulk API logs", logStream, "ndjson_logs",
                            EsBulkLoad.bodies(n, batch, DAY_HTTP), URI.create(base + "/_bulk"), EsBulkLoad.HEADERS),
                    new Endpoint("ndjson_metrics", "native NDJSON samples", metricStream, null,
                            HttpLoad.Bodies.lines(ndjsonSamples), URI.create(base + "/api/v1/metrics"), HttpLoad.NDJSON),
                    new Endpoint("remote_write_metrics", "Prometheus remote_write samples", metricStream,
                            "ndjson_metrics", RemoteWriteLoad.bodies(n, batch, now.toEpochMilli()),
                            URI.create(base + "/api/v1/write"), RemoteWriteLoad.HEADERS));
            Map<String, Double> seconds = new java.util.HashMap<>();
            for (Endpoint e : endpoints) {
                Load load = () -> HttpLoad.flood(e.uri(), e.bodies().bodies(), e.bodies()::itemsIn,
                        options.httpClients(), e.headers());
                progress = "receivers only: " + e.what() + ", warm-up and " + n + " items -> Redis";
                intoRedis(receivers, e.stream(), n, load, null);
                ObjectNode section = r.putObject(e.key());
                double s = intoRedis(receivers, e.stream(), n, load, section);
                seconds.put(e.key(), s);
                section.put("seconds", round(s)).put("msg_per_s", Math.round(n / s))
                        .put("bytes", e.bodies().bodies().stream().mapToLong(b -> b.length).sum());
                report.row("receivers only, " + e.what() + " -> Redis (XLEN), items/s", fmt(n / s),
                        e.baseline() == null ? "" : String.format("%.2fx NDJSON", seconds.get(e.baseline()) / s));
            }
            r.put("peak_rss_mib", receivers.memory().hwmKb() / 1024);
        }
    }

    /**
     * The receivers into Redis and syslog into Elasticsearch again, on a replicated Redis of dev-services'
     * ({@code sentinel}: a master, two replicas and three sentinels; {@code cluster}: 3 masters with a replica each,
     * the streams in {@link ClusterTopology#SHARDS} shards; all on this machine), without and with
     * {@code KILLKRILL_REDIS_MIN_REPLICA_ACKS=1}: what replication, and then the wait for a replica's
     * acknowledgement, cost next to the one Redis of the {@code redis} and {@code pipeline} phases.
     */
    private void replicated(RedisTopology topology, String key, String warmDay, String day) throws Exception {
        ObjectNode r = report.section(key);
        r.put("topology", topology.description());
        int n = options.redisEvents();
        double[] syslogAt = new double[2];
        double[] httpAt = new double[2];
        for (int acks : new int[] {0, 1}) {
            String streams = streamPrefix + key + acks + ":";
            List<String> logs = logStreams(streams, topology.shards());
            Map<String, String> common = commonEnv(streams, topology.settings(acks));
            int httpPort = freePort();
            int syslogPort = freePort();
            String label = topology.name() + ", replica acks " + acks;
            try (ServiceProcess receivers = startReceivers("receivers-" + key + "-acks" + acks, common, httpPort,
                    syslogPort, Map.of("KILLKRILL_RECEIVERS_MAX_BACKLOG", "100000000"))) {
                URI uri = URI.create("http://127.0.0.1:" + httpPort + "/api/v1/logs");
                int warm = Math.min(n, 100_000);
                intoRedis(topology.client(), meter(topology), receivers, logs, warm, () -> syslog(syslogPort, warm),
                        null);
                intoRedis(topology.client(), meter(topology), receivers, logs, warm, () -> HttpLoad.flood(uri,
                        HttpLoad.batches(warm, options.httpBatch(), i -> HttpLoad.logEvent(i, DAY_HTTP)),
                        options.httpBatch(), options.httpClients()), null);
                ObjectNode a = r.putObject("acks_" + acks);
                progress = label + ": syslog TCP " + n + " messages -> Redis";
                double syslogSeconds = intoRedis(topology.client(), meter(topology), receivers, logs, n,
                        () -> syslog(syslogPort, n), a.putObject("syslog"));
                List<byte[]> bodies = HttpLoad.batches(n, options.httpBatch(), i -> HttpLoad.logEvent(i, DAY_HTTP));
                progress = label + ": HTTP " + n + " events -> Redis";
                double httpSeconds = intoRedis(topology.client(), meter(topology), receivers, logs, n,
                        () -> HttpLoad.flood(uri, bodies, options.httpBatch(), options.httpClients()),
                        a.putObject("http"));
                syslogAt[acks] = n / syslogSeconds;
                httpAt[acks] = n / httpSeconds;
                a.put("syslog_msg_per_s", Math.round(syslogAt[acks])).put("http_msg_per_s", Math.round(httpAt[acks]));
                report.row(label + ", receivers syslog TCP -> Redis, msg/s", fmt(syslogAt[acks]),
                        versus(syslogAt, acks, "syslog_msg_per_s"));
                report.row(label + ", receivers HTTP batches -> Redis, msg/s", fmt(httpAt[acks]),
                        versus(httpAt, acks, "http_msg_per_s"));
            }
        }
        syslogToElasticsearch(topology, key, r, warmDay, day);
    }

    /** Against the one Redis of the {@code redis} phase (when it ran) and, for acks 1, against acks 0. */
    private String versus(double[] perSecond, int acks, String singleKey) {
        Map<String, Double> references = new LinkedHashMap<>();
        references.put("one Redis", measured(report.json.path("receivers_into_redis").path(singleKey)));
        references.put("acks 0", acks == 1 ? perSecond[0] : Double.NaN);
        return Report.multiples(perSecond[acks], references);
    }

    /** A figure of the report, NaN when its phase did not run. */
    private static double measured(JsonNode figure) {
        return figure.isNumber() ? figure.asDouble() : Double.NaN;
    }

    /** The log streams of every shard of {@code streams}, as the receivers write them. */
    private static List<String> logStreams(String streams, int shards) {
        return StreamNames.prefixed(streams).withShards(shards).allShards().stream().map(StreamNames::logs).toList();
    }

    /**
     * Syslog TCP into Elasticsearch through receivers and a log-worker on {@code topology}, replica acks 1. An
     * unmeasured warm-up first; if the log-worker exits at start-up (one that refuses sharded streams), or the
     * warm-up does not become searchable within {@link #REPLICATED_WARM_UP_DEADLINE} (a log-worker that does not
     * read the topology's sharded streams never drains them), the figure is n/a with why, and the run goes on.
     */
    private void syslogToElasticsearch(RedisTopology topology, String key, ObjectNode r, String warmDay, String day)
            throws Exception {
        String streams = streamPrefix + key + "-es:";
        Map<String, String> common = commonEnv(streams, topology.settings(1));
        int httpPort = freePort();
        int syslogPort = freePort();
        int admin = freePort();
        int n = options.events();
        String label = topology.name() + ", replica acks 1";
        String row = label + ", syslog TCP -> ES searchable, msg/s";
        ObjectNode es = r.putObject("syslog_to_es_acks_1");
        progress = label + ": starting receivers and log-worker";
        try (ServiceProcess receivers = startReceivers("receivers-" + key + "-es", common, httpPort, syslogPort,
                Map.of())) {
            Map<String, String> lw = new LinkedHashMap<>(common);
            lw.put("KILLKRILL_ELASTICSEARCH_URL", options.elasticsearch().toString());
            lw.put("KILLKRILL_ELASTICSEARCH_INDEX_PREFIX", prefix);
            lw.put("KILLKRILL_LOG_WORKER_ADMIN_PORT", Integer.toString(admin));
            lw.putAll(options.serviceEnv());
            ServiceProcess logWorker;
            try {
                logWorker = ServiceProcess.start("log-worker-" + key, options.jar("log-worker"),
                        jvmOptions("log-worker", "log-worker"), lw, URI.create("http://127.0.0.1:" + admin + "/health/ready"),
                        workDir);
            } catch (ServiceProcess.ExitedDuringStartUp refused) {
                // e.g. exit 2: a log-worker that refuses KILLKRILL_STREAM_SHARDS above 1
                notAvailable(topology, es, row, "log-worker exited with " + refused.exitCode() + " at start-up, see "
                        + refused.log());
                return;
            }
            try (logWorker) {
                int warm = Math.min(n, 50_000);
                progress = label + ": warm-up, " + warm + " syslog messages -> ES";
                long warmStart = System.nanoTime();
                SyslogLoad.flood("127.0.0.1", syslogPort, warm, options.syslogConnections(), warmDay);
                Searchable warmed = awaitSearchableWithin("event day " + warmDay, dailyIndices(), onEventDay(warmDay),
                        warm, warmStart, REPLICATED_WARM_UP_DEADLINE);
                if (warmed.seconds().isEmpty()) {
                    notAvailable(topology, es, row, "warm-up: " + warmed.count() + " of " + warm
                            + " searchable after " + REPLICATED_WARM_UP_DEADLINE.toSeconds() + " s");
                    return;
                }
                progress = label + ": syslog TCP -> ES, " + n + " messages";
                CpuMeter cpu = meter(topology).track("receivers", receivers.pid())
                        .track("log-worker", logWorker.pid()).start();
                long start = System.nanoTime();
                SyslogLoad.flood("127.0.0.1", syslogPort, n, options.syslogConnections(), day);
                double seconds = awaitEventDay(day, n, start, Duration.ofMinutes(10));
                cpu.stop(es, n);
                es.put("messages", n).put("seconds", round(seconds)).put("msg_per_s", Math.round(n / seconds));
                JsonNode single = report.json.path("killkrill_syslog_to_es").path("msg_per_s");
                report.row(row, fmt(n / seconds), Report.multiples(n / seconds, Map.of("one Redis", measured(single))));
            }
        } finally {
            // the shards', and the un-sharded names a log-worker that does not read shards created its group on
            StreamNames names = StreamNames.prefixed(streams);
            List<StreamNames> all = new ArrayList<>(names.withShards(topology.shards()).allShards());
            all.add(names);
            for (StreamNames shard : all) {
                topology.client().del(shard.logs());
                topology.client().del(shard.logsDlq());
            }
        }
    }

    private void notAvailable(RedisTopology topology, ObjectNode figure, String row, String why) {
        figure.put("msg_per_s", "n/a").put("why", why);
        report.row(row, "n/a", why);
        log(topology.name() + " syslog -> ES: n/a, " + why);
    }

    /** {@link #meter()} with the topology's Redis servers as well. */
    private CpuMeter meter(RedisTopology topology) {
        CpuMeter meter = meter();
        topology.servers().forEach((role, port) -> meter.track(role,
                CpuMeter.findPid(c -> c.startsWith("redis-server") && c.contains(":" + port))));
        return meter;
    }

    /** One endpoint of {@link #endpointsIntoRedis}; {@code baseline} the key of the native one it is compared to. */
    private record Endpoint(String key, String what, String stream, String baseline, HttpLoad.Bodies bodies,
                            URI uri, String[] headers) {
    }

    /**
     * Runs {@code load} against receivers alone and times it until {@code stream} holds {@code n}, then empties it;
     * the receivers' CPU goes into {@code cpuInto} (null: a warm-up, not reported).
     */
    private double intoRedis(ServiceProcess receivers, String stream, int n, Load load, ObjectNode cpuInto)
            throws Exception {
        return intoRedis(redis, meter(), receivers, List.of(stream), n, load, cpuInto);
    }

    /**
     * As above, on the Redis {@code client} talks to, until {@code streams} (a stream's shards) hold {@code n}
     * together; the CPU of the processes {@code cpu} tracks.
     */
    private double intoRedis(UnifiedJedis client, CpuMeter cpu, ServiceProcess receivers, List<String> streams, int n,
                             Load load, ObjectNode cpuInto) throws Exception {
        cpu.track("receivers", receivers.pid()).start();
        long start = System.nanoTime();
        load.run();
        double seconds = awaitLength(client, streams, n, start);
        if (cpuInto != null) {
            cpu.stop(cpuInto, n);
        }
        streams.forEach(client::del); // one at a time: on a cluster the shards live in slots of different masters
        return seconds;
    }

    private HttpLoad.Outcome syslog(int syslogPort, int n) throws Exception {
        SyslogLoad.flood("127.0.0.1", syslogPort, n, options.syslogConnections(), DAY_SYSLOG);
        return new HttpLoad.Outcome(n, 0);
    }

    private double awaitLength(UnifiedJedis client, List<String> streams, long n, long start)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        String stream = streams.size() == 1 ? streams.get(0) : streams.get(0) + " and " + (streams.size() - 1)
                + " more shards";
        while (System.nanoTime() < deadline) {
            long len = streams.stream().mapToLong(client::xlen).sum();
            progress = "XLEN " + stream + " = " + len + " of " + n;
            if (len >= n) {
                return (System.nanoTime() - start) / 1e9;
            }
            TimeUnit.MILLISECONDS.sleep(20); // polling the stream length
        }
        throw new IllegalStateException("stream " + stream + " did not reach " + n + " entries");
    }

    // ---------------------------------------------------------------- shared

    /**
     * The log-worker's daily indices ({@code <prefix>-YYYY.MM.DD}, by the day of receipt), not the ceiling's or
     * rsyslog's own index.
     */
    private String dailyIndices() {
        return prefix + "-2*";
    }

    /**
     * The documents whose event time falls on {@code day}: each phase sends its events with a day of its own, and
     * since the log-worker indexes by the day of receipt (issue 13) the day no longer names the index.
     */
    private static String onEventDay(String day) {
        java.time.LocalDate date = java.time.LocalDate.parse(day);
        return "{\"range\":{\"@timestamp\":{\"gte\":\"" + date + "T00:00:00Z\",\"lt\":\"" + date.plusDays(1)
                + "T00:00:00Z\"}}}";
    }

    /** Seconds since {@code start} until {@code n} documents of event day {@code day} are searchable. */
    private double awaitEventDay(String day, long n, long start, Duration deadline) throws Exception {
        return awaitSearchable("event day " + day, dailyIndices(), onEventDay(day), n, start, deadline);
    }

    /** Seconds since {@code start} until {@code n} documents of {@code index} are searchable. */
    private double awaitSearchable(String index, long n, long start, Duration deadline) throws Exception {
        return awaitSearchable(index, index, Elasticsearch.MATCH_ALL, n, start, deadline);
    }

    private double awaitSearchable(String what, String indexPattern, String query, long n, long start,
                                   Duration deadline) throws Exception {
        return awaitSearchableWithin(what, indexPattern, query, n, start, deadline).seconds().orElseThrow(
                () -> new IllegalStateException(what + " did not reach " + n + " searchable documents within "
                        + deadline));
    }

    /** How many documents were searchable, and the seconds since the start when they reached the expected count. */
    private record Searchable(long count, OptionalDouble seconds) {
    }

    private Searchable awaitSearchableWithin(String what, String indexPattern, String query, long n, long start,
                                             Duration deadline) throws Exception {
        long until = System.nanoTime() + deadline.toNanos();
        long count = 0;
        while (System.nanoTime() < until) {
            count = es.searchableCount(indexPattern, query);
            double elapsed = (System.nanoTime() - start) / 1e9;
            progress = what + ": " + count + " of " + n + " searchable after " + round(elapsed) + " s";
            if (count >= n) {
                return new Searchable(count, OptionalDouble.of(elapsed));
            }
            TimeUnit.MILLISECONDS.sleep(250); // polling _count
        }
        return new Searchable(count, OptionalDouble.empty());
    }

    private void ratios() {
        ObjectNode ratios = report.section("ratios");
        JsonNode kkSyslog = report.json.path("killkrill_syslog_to_es").path("msg_per_s");
        for (PeerDaemon peer : peers()) {
            JsonNode theirs = report.json.path(section(peer)).path("msg_per_s");
            if (kkSyslog.isNumber() && theirs.isNumber()) {
                double ratio = kkSyslog.asDouble() / theirs.asDouble();
                ratios.put("killkrill_syslog_over_" + section(peer), round(ratio));
                report.row("ratio KillKrill syslog->ES / " + peer.label(), String.format("%.2f", ratio),
                        String.format(Locale.ROOT, ">= %.2f", syslogTarget(peer)));
            }
        }
        JsonNode kkHttp = report.json.path("killkrill_http_to_es").path("msg_per_s");
        JsonNode ceiling = report.json.path("ceiling").path("docs_per_s");
        if (kkHttp.isNumber() && ceiling.isNumber()) {
            double ratio = kkHttp.asDouble() / ceiling.asDouble();
            ratios.put("killkrill_http_over_raw_bulk", round(ratio));
            report.row("ratio KillKrill HTTP->ES / raw _bulk", String.format("%.2f", ratio), ">= 0.85");
        }
    }

    /** Issue 18: KillKrill >= 1.1x rsyslog with its memory queue, >= 2x the peers that keep their queue on disk. */
    static double syslogTarget(PeerDaemon peer) {
        return peer instanceof RsyslogDaemon r && r.queue() == RsyslogDaemon.Queue.MEMORY ? 1.10 : 2.00;
    }

    private void cleanUp() {
        progress = "cleaning up";
        try {
            es.deleteIndices(prefix + "-*");
            es.deleteTemplate(prefix + "-killkrill-logs");
        } catch (Exception e) {
            log("clean-up of indices " + prefix + "-* failed: " + e);
        }
        try {
            String cursor = ScanParams.SCAN_POINTER_START;
            do {
                ScanResult<String> page = redis.scan(cursor, new ScanParams().match(streamPrefix + "*").count(1000));
                page.getResult().forEach(redis::del);
                cursor = page.getCursor();
            } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
        } catch (Exception e) {
            log("clean-up of streams " + streamPrefix + "* failed: " + e);
        }
        try (Connection db = DriverManager.getConnection(options.jdbcUrl(), options.dbUser(), options.dbPassword());
             Statement st = db.createStatement()) {
            st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        } catch (Exception e) {
            log("clean-up of schema " + schema + " failed: " + e);
        }
    }

    private void tick() {
        long start = System.nanoTime();
        while (true) {
            try {
                TimeUnit.SECONDS.sleep(5); // the progress line's period
            } catch (InterruptedException e) {
                return;
            }
            System.out.printf("[%5.0f s] %s%n", (System.nanoTime() - start) / 1e9, progress);
        }
    }

    private CpuMeter meter() {
        CpuMeter meter = new CpuMeter().countingWrites(es)
                .track("elasticsearch", CpuMeter.listenerPid(options.elasticsearch().getPort()))
                .track("redis", CpuMeter.findPid(c -> c.startsWith("redis-server") && c.contains(":" + options.redis().getPort())));
        for (ServiceProcess service : pipeline) {
            meter.track(service.name(), service.pid());
        }
        return meter.track("load-generator", ProcessHandle.current().pid());
    }

    private static void log(String line) {
        System.out.println("bench: " + line);
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    private static String fmt(double perSecond) {
        return String.format("%,.0f", perSecond);
    }
}
