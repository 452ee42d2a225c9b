package io.killkrill.bench;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Command-line options of the benchmark; {@code --help} lists them. */
record BenchOptions(Path repo, URI redis, URI elasticsearch, String jdbcUrl, String dbUser, String dbPassword,
                    int events, int redisEvents, int metricSamples, int syslogConnections, int httpClients,
                    int httpBatch, int bulkBatch, int bulkConnections, int latencyRate, Duration latencyDuration,
                    int sustainedRate, int sustainedMetricsRate, Duration duration, Set<String> phases,
                    List<String> jvmOptions, Map<String, String> serviceEnv, Path jfrDir, Path out, boolean keep,
                    Path syslogNgPrefix, int costEvents, int costRounds) {

    static final List<String> ALL_PHASES = List.of("ceiling", "rsyslog", "rsyslog-disk", "syslog-ng", "pipeline",
            "metrics", "remote-write", "latency", "sustained", "redis", "endpoints", "sentinel", "cluster");
    /** Phases that run only when asked for: es-cost alone takes about 8 minutes. */
    static final List<String> OPT_IN_PHASES = List.of("es-cost");

    static final String HELP = """
            scripts/bench [options]      (every option also as --name=value)
              --duration D            sustained run (default 10m; e.g. 90s, 3m)
              --events N              messages per throughput phase (default 200000)
              --redis-events N        messages for the receivers-only phases into Redis, redis and endpoints (default 400000)
              --metric-samples N      samples for the metrics and remote-write phases (default 200000)
              --phases a,b            subset of ceiling,rsyslog,rsyslog-disk,syslog-ng,pipeline,metrics,remote-write,
                                      latency,sustained,redis,endpoints,sentinel,cluster (rsyslog: memory queue,
                                      rsyslog-disk: Disk action queue, syslog-ng: reliable disk buffer;
                                      sentinel starts dev-services' Sentinel topology, cluster its Redis Cluster
                                      of 3 masters and 3 replicas with 4 stream shards: receivers -> Redis and syslog -> ES with replica acks 0 and 1)
                                      (default all; endpoints: receivers only, each HTTP endpoint -> Redis next to native NDJSON)
                                      es-cost (only when named): Elasticsearch's CPU and bytes per document by mapping
                                      field and bulk shape, no KillKrill service running
              --cost-events N / --cost-rounds N   documents per es-cost variant, rounds (default 100000 / 2)
              --latency-rate R        offered msg/s while measuring latency (default 5000)
              --latency-duration D    (default 60s)
              --sustained-rate R      log msg/s during the sustained run, half syslog, half HTTP (default 5000)
              --sustained-metrics R   samples/s during the sustained run (default 1000)
              --syslog-connections N  TCP connections of the syslog flood (default 4)
              --http-clients N        concurrent HTTP clients (default 4); --http-batch N items per request (1000)
              --bulk-batch N / --bulk-connections N   raw _bulk ceiling (default 2000 / 4, as the anchor)
              --jvm-opts "..."        JVM options of the services (default: deploy/jvm/<service>.options, as shipped)
              --env KEY=VALUE         extra KILLKRILL_* setting for the services (repeatable)
              --jfr DIR               record JFR (settings=profile) of receivers and log-worker into DIR
              --out FILE              JSON report (default benchmarks/target/bench-report.json)
              --keep                  keep indices, streams and schema afterwards
              --syslog-ng-prefix DIR  where scripts/install-bench-peers unpacked syslog-ng
                                      (default /var/tmp/killkrill-bench/syslog-ng)
            """;

    /**
     * The JVM options of a service ({@code receivers}, {@code log-worker}, {@code metrics-worker}): those of
     * {@code --jvm-opts} if given, else as shipped in deploy/jvm/&lt;module&gt;.options, which ./killkrill and
     * deploy/systemd use.
     */
    List<String> jvmOptions(String module) {
        if (!jvmOptions.isEmpty()) {
            return jvmOptions;
        }
        Path file = repo.resolve("deploy/jvm/" + module + ".options");
        try {
            return List.of(java.nio.file.Files.readString(file).trim().split("\\s+"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read the shipped JVM options " + file
                    + "; give --repo or --jvm-opts", e);
        }
    }

    static BenchOptions parse(String[] args) {
        Map<String, String> values = new LinkedHashMap<>();
        Map<String, String> env = new LinkedHashMap<>();
        boolean keep = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--help") || arg.equals("-h")) {
                System.out.print(HELP);
                System.exit(0);
            }
            if (arg.equals("--keep")) {
                keep = true;
                continue;
            }
            if (!arg.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument '" + arg + "'\n" + HELP);
            }
            String name = arg.substring(2);
            String value;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                throw new IllegalArgumentException("--" + name + " needs a value");
            }
            if (name.equals("env")) {
                String[] kv = value.split("=", 2);
                env.put(kv[0], kv.length > 1 ? kv[1] : "");
            } else {
                values.put(name, value);
            }
        }
        Path repo = Path.of(values.getOrDefault("repo", ".")).toAbsolutePath().normalize();
        Set<String> phases = new LinkedHashSet<>();
        for (String p : values.getOrDefault("phases", String.join(",", ALL_PHASES)).split(",")) {
            if (!ALL_PHASES.contains(p.trim()) && !OPT_IN_PHASES.contains(p.trim())) {
                throw new IllegalArgumentException("unknown phase '" + p + "'; phases are " + ALL_PHASES + " and "
                        + OPT_IN_PHASES);
            }
            phases.add(p.trim());
        }
        // empty: each service's shipped options (jvmOptions(module))
        List<String> jvm = values.containsKey("jvm-opts")
                ? List.of(values.get("jvm-opts").trim().split("\\s+")) : List.of();
        return new BenchOptions(repo,
                URI.create(values.getOrDefault("redis", "redis://127.0.0.1:16379")),
                URI.create(values.getOrDefault("elasticsearch", "http://127.0.0.1:19200")),
                values.getOrDefault("jdbc", "jdbc:postgresql://127.0.0.1:15432/killkrill"),
                values.getOrDefault("db-user", "killkrill"), values.getOrDefault("db-password", "killkrill"),
                integer(values, "events", 200_000), integer(values, "redis-events", 400_000),
                integer(values, "metric-samples", 200_000), integer(values, "syslog-connections", 4),
                integer(values, "http-clients", 4), integer(values, "http-batch", 1000),
                integer(values, "bulk-batch", 2000), integer(values, "bulk-connections", 4),
                integer(values, "latency-rate", 5000), duration(values.getOrDefault("latency-duration", "60s")),
                integer(values, "sustained-rate", 5000), integer(values, "sustained-metrics", 1000),
                duration(values.getOrDefault("duration", "10m")), phases, jvm, env,
                values.containsKey("jfr") ? Path.of(values.get("jfr")).toAbsolutePath() : null,
                Path.of(values.getOrDefault("out", repo.resolve("benchmarks/target/bench-report.json").toString())),
                keep, Path.of(values.getOrDefault("syslog-ng-prefix", "/var/tmp/killkrill-bench/syslog-ng")),
                integer(values, "cost-events", 100_000), integer(values, "cost-rounds", 2));
    }

    private static int integer(Map<String, String> values, String name, int fallback) {
        return values.containsKey(name) ? Integer.parseInt(values.get(name).replace("_", "")) : fallback;
    }

    static Duration duration(String text) {
        String t = text.trim().toLowerCase();
        if (t.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
        }
        long n = Long.parseLong(t.substring(0, t.length() - 1));
        return switch (t.charAt(t.length() - 1)) {
            case 's' -> Duration.ofSeconds(n);
            case 'm' -> Duration.ofMinutes(n);
            case 'h' -> Duration.ofHours(n);
            default -> throw new IllegalArgumentException("duration '" + text + "': use 90s, 10m or 1h");
        };
    }

    Path jar(String module) {
        return repo.resolve(module).resolve("target").resolve(module + "-0.1.0-SNAPSHOT-all.jar");
    }
}
